package athenatest_test

import (
	"context"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// The in-memory fake, with queries walking their states on the bubble's
// clock.
func TestConformanceFake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		c := athenatest.Conformance{ResultLocation: "s3://results/", Location: "s3://lake/conformance/", Store: a.S3()}
		if err := athenatest.TestAthena(t.Context(), a, c); err != nil {
			t.Fatal(err)
		}
	})
}

// A real *athena.Client over the wire server. Queries complete at once
// (the network is outside any synctest bubble, so nothing waits on a
// clock).
func TestConformanceWire(t *testing.T) {
	a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	defer a.Close()
	srv := athenatest.NewAthenaServer(a)
	defer srv.Close()
	c := athenatest.Conformance{ResultLocation: "s3://results/", Location: "s3://lake/conformance/", Store: a.S3(), Poll: time.Millisecond}
	athenatest.RunAthena(t, c, func(t *testing.T) athenarun.API { return srv.Client() })
}

// Live Athena, with CDPKIT_ATHENA_LIVE=1 and the default AWS credential
// chain. CDPKIT_ATHENA_DATABASE (default "default"), CDPKIT_ATHENA_RESULTS
// (s3:// prefix for results, else the workgroup's) and
// CDPKIT_ATHENA_LOCATION (s3:// prefix for a test CTAS, which the test
// deletes; empty skips that check).
func TestConformanceLive(t *testing.T) {
	if os.Getenv("CDPKIT_ATHENA_LIVE") != "1" {
		t.Skip("set CDPKIT_ATHENA_LIVE=1 to run against Athena")
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := athenatest.Conformance{
		Database:       os.Getenv("CDPKIT_ATHENA_DATABASE"),
		ResultLocation: os.Getenv("CDPKIT_ATHENA_RESULTS"),
		Location:       os.Getenv("CDPKIT_ATHENA_LOCATION"),
		Store:          s3.NewFromConfig(cfg),
		Poll:           time.Second,
	}
	athenatest.RunAthena(t, c, func(t *testing.T) athenarun.API { return athena.NewFromConfig(cfg) })
}
