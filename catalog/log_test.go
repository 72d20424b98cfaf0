package catalog_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// With a Logger, retries and batch results are logged at debug level with
// counts and names only.
func TestLogger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		g, r := partitioned(t, func(o *catalog.Options) { o.Logger = logger })
		g.Inject(catalogtest.FailTimes("BatchCreatePartition", 1, &types.ThrottlingException{}))
		const value = "secret-partition-value"
		if _, err := r.AddPartitions(t.Context(), "lake", "orders", []catalog.Partition{{Values: []string{value, "x"}}}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, "catalog: retrying") || !strings.Contains(out, "catalog: partitions added") {
			t.Errorf("missing log records:\n%s", out)
		}
		if strings.Contains(out, value) {
			t.Error("a partition value was logged")
		}
	})
}
