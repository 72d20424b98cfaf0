package sqlcheck_test

import (
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// BenchmarkCheck checks a typical aggregation query: a join of two
// members' tables, a dimension, two aggregates, a filter and an order.
func BenchmarkCheck(b *testing.B) {
	tables := collaboration()
	const query = `SELECT pub.campaign, COUNT(DISTINCT cdp.hashed_email) AS people, SUM(pub.impressions) AS imps
FROM cdp INNER JOIN pub ON cdp.hashed_email = pub.hashed_email
WHERE cdp.region = 'eu' AND cdp.signup_date >= '2026-01-01'
GROUP BY pub.campaign
HAVING COUNT(DISTINCT cdp.hashed_email) > 10
ORDER BY people DESC`
	if err := sqlcheck.Check(query, tables, asRunner).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	for b.Loop() {
		sqlcheck.Check(query, tables, asRunner)
	}
	// The machine may be shared: CPU time says more than wall time.
	b.ReportMetric((cpuSeconds()-cpu0)*1e6/float64(b.N), "cpu-us/op")
}

// rowsN generates n rows lazily: a hashed-email-like key (every other one
// shared between the two tables), a dimension of 20 values, an amount.
func rowsN(n, offset int, dim string) func(yield func([]any, error) bool) {
	return func(yield func([]any, error) bool) {
		for i := 0; i < n; i++ {
			k := (i + offset) * 2
			if i%2 == 1 {
				k = i + offset
			}
			row := []any{"h" + strconv.Itoa(k), dim + strconv.Itoa(i%20), float64(i % 100)}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// BenchmarkSimulateJoin1M simulates a join + aggregate of two 1M-row
// tables, output constraints included. Run with -benchtime 1x.
func BenchmarkSimulateJoin1M(b *testing.B) {
	const n = 1_000_000
	tables := overlapTables()
	tables[0].Rows = rowsN(n, 0, "s")
	tables[0].Columns = []sqlcheck.Column{{Name: "hashed_email"}, {Name: "segment"}, {Name: "spend", Type: "double"}}
	tables[1].Rows = rowsN(n, n/2, "c")
	const query = `SELECT expo.campaign, COUNT(DISTINCT cust.hashed_email) AS people, SUM(cust.spend) AS spend
FROM cust JOIN expo ON cust.hashed_email = expo.hashed_email
GROUP BY expo.campaign`
	cpu0 := cpuSeconds()
	for b.Loop() {
		sim, err := sqlcheck.Simulate(b.Context(), query, tables, asRunner)
		if err != nil {
			b.Fatal(err)
		}
		// 20 campaigns of 25,000 shared people each (DuckDB gives the same).
		if len(sim.Rows) != 20 || sim.Rows[0][1] != int64(25000) || sim.RemovedRows != 0 {
			b.Fatalf("unexpected result: %d rows, first %v", len(sim.Rows), sim.Rows[0])
		}
	}
	// The machine may be shared: CPU seconds say more than wall time.
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
}
