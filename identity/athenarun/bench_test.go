package athenarun_test

import (
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
)

// chain links record i to record i+1 (they share a value), the worst shape
// for label propagation: one component whose diameter is the record count.
func chain(n int) []identity.Record {
	recs := make([]identity.Record, n)
	for i := range recs {
		recs[i] = identity.Record{Source: "crm", Key: "k" + strconv.Itoa(i), Identifiers: []identity.Identifier{
			{Kind: "EMAIL", Value: digest("e" + strconv.Itoa(i/2))},
			{Kind: "PHONE", Value: digest("p" + strconv.Itoa((i+1)/2))},
		}}
	}
	return recs
}

// BenchmarkResolveFake measures the step counts of a run (iterations,
// queries) and what the fake reports scanned per record, for the cost
// model in COST.md. The fake's clock is not the point: queries end at
// once.
func BenchmarkResolveFake(b *testing.B) {
	shapes := []struct {
		name string
		recs func() []identity.Record
	}{
		{"random-1k", func() []identity.Record { return genRecords(11, 1000) }},
		{"random-10k", func() []identity.Record { return genRecords(11, 10000) }},
		{"random-50k", func() []identity.Record { return genRecords(11, 50000) }},
		{"chain-16", func() []identity.Record { return chain(16) }},
		{"chain-256", func() []identity.Record { return chain(256) }},
		{"chain-4096", func() []identity.Record { return chain(4096) }},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			recs := sh.recs()
			for b.Loop() {
				b.StopTimer()
				a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
				load(b, a, recs)
				r, _ := athenarun.New(a, a.S3(), func(o *athenarun.Options) {
					o.Database, o.ResultLocation, o.PollInterval = "lake", "s3://lake/r/", 1
				})
				cfg := config()
				cfg.MaxIterations = 200
				b.StartTimer()
				res, err := r.Resolve(b.Context(), "bench", cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var iter, setup int64
				for _, s := range res.Steps {
					switch {
					case s.Name == "cc_1", s.Name == "changed_1":
						iter += s.DataScanned
					case s.Name == "nodes", s.Name == "edges":
						setup += s.DataScanned
					}
				}
				b.ReportMetric(float64(res.Iterations), "iterations")
				b.ReportMetric(float64(len(res.Steps)), "queries")
				b.ReportMetric(float64(setup)/float64(len(recs)), "setupB/rec")
				b.ReportMetric(float64(iter)/float64(len(recs)), "iterB/rec")
				b.ReportMetric(float64(res.DataScanned)/float64(len(recs)), "totalB/rec")
				_ = a.Close()
				b.StartTimer()
			}
		})
	}
	_ = sqlgen.Athena
}
