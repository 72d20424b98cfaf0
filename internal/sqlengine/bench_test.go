package sqlengine_test

import (
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// BenchmarkLoad1M loads a table of 1,000,000 rows (string, bigint, double)
// and counts them: the cost is loading's. cpu-s/op is the process's CPU time
// per run, steadier than wall time on a shared machine.
func BenchmarkLoad1M(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	rows := func(yield func([]any, error) bool) {
		r := make([]any, 3)
		for i := range n {
			r[0], r[1], r[2] = keys[i%len(keys)], int64(i), float64(i)/3
			if !yield(r, nil) {
				return
			}
		}
	}
	tables := []sqlengine.Table{{Name: "t", Columns: []sqlengine.Column{{Name: "k", Type: "string"}, {Name: "i", Type: "bigint"}, {Name: "d", Type: "double"}}, Rows: rows}}
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		res, err := sqlengine.Run(b.Context(), "SELECT count(*), sum(i) FROM t", tables)
		if err != nil {
			b.Fatal(err)
		}
		if got := res.Rows[0][0]; got != int64(n) {
			b.Fatalf("count = %v", got)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
