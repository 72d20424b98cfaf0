package catalogtest_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

var (
	_ catalog.GlueAPI             = (*glue.Client)(nil)
	_ catalog.GlueAPI             = (*catalogtest.Glue)(nil)
	_ catalogtest.DatabaseDeleter = (*glue.Client)(nil)
	_ catalogtest.DatabaseDeleter = (*catalogtest.Glue)(nil)
)

func TestConformanceFake(t *testing.T) {
	catalogtest.RunGlue(t, func(t *testing.T) catalog.GlueAPI { return catalogtest.NewGlue() })
}

func TestConformanceServer(t *testing.T) {
	catalogtest.RunGlue(t, func(t *testing.T) catalog.GlueAPI {
		srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
		t.Cleanup(srv.Close)
		return srv.Client()
	})
}

// TestConformanceLive runs the suite against real AWS Glue. It is skipped
// unless CDPKIT_GLUE_LIVE=1; credentials and region come from the usual SDK
// sources (AWS_PROFILE, AWS_REGION ...), CDPKIT_GLUE_REGION overrides the
// region, and CDPKIT_GLUE_DB_PREFIX (default cdpkit_conformance) prefixes
// the throwaway databases it creates and deletes.
func TestConformanceLive(t *testing.T) {
	if os.Getenv("CDPKIT_GLUE_LIVE") != "1" {
		t.Skip("set CDPKIT_GLUE_LIVE=1 (and AWS credentials/region) to run against real Glue")
	}
	var opts []func(*config.LoadOptions) error
	if region := os.Getenv("CDPKIT_GLUE_REGION"); region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(t.Context(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	prefix := os.Getenv("CDPKIT_GLUE_DB_PREFIX")
	if prefix == "" {
		prefix = "cdpkit_conformance"
	}
	client := glue.NewFromConfig(cfg)
	catalogtest.RunGlueWithPrefix(t, prefix, func(t *testing.T) catalog.GlueAPI { return client })
}

func TestTestGlueReportsNothingOnTheFake(t *testing.T) {
	if err := catalogtest.TestGlue(t.Context(), catalogtest.NewGlue(), "cdpkit_conformance"); err != nil {
		t.Fatal(err)
	}
}
