package catalog_test

import (
	"fmt"
	"testing"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func benchRegistrar(b *testing.B, api catalog.GlueAPI) *catalog.Registrar {
	b.Helper()
	r := catalog.New(api)
	if _, err := r.EnsureDatabase(b.Context(), catalog.Database{Name: "lake"}); err != nil {
		b.Fatal(err)
	}
	s := ordersSchema()
	s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "src", Type: "string"}}
	if _, err := r.EnsureTable(b.Context(), "lake", "orders", s); err != nil {
		b.Fatal(err)
	}
	return r
}

// The idempotent path every pipeline run takes.
func BenchmarkEnsureTableUnchanged(b *testing.B) {
	r := benchRegistrar(b, catalogtest.NewGlue())
	s := ordersSchema()
	s.PartitionKeys = []catalog.Column{{Name: "dt", Type: "string"}, {Name: "src", Type: "string"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.EnsureTable(b.Context(), "lake", "orders", s); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAdd(b *testing.B, api func() (catalog.GlueAPI, func())) {
	parts := thousand()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a, done := api()
		r := benchRegistrar(b, a)
		b.StartTimer()
		if res, err := r.AddPartitions(b.Context(), "lake", "orders", parts); err != nil || res.Added != 1000 {
			b.Fatal(res, err)
		}
		b.StopTimer()
		done()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(parts))*float64(b.N)/b.Elapsed().Seconds(), "partitions/s")
}

func BenchmarkAddPartitions1000(b *testing.B) {
	b.Run("fake", func(b *testing.B) {
		benchAdd(b, func() (catalog.GlueAPI, func()) { return catalogtest.NewGlue(), func() {} })
	})
	b.Run("http", func(b *testing.B) {
		benchAdd(b, func() (catalog.GlueAPI, func()) {
			srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
			return srv.Client(), srv.Close
		})
	})
}

func BenchmarkPartitionsList10k(b *testing.B) {
	r := benchRegistrar(b, catalogtest.NewGlue())
	parts := make([]catalog.Partition, 10_000)
	for i := range parts {
		parts[i] = catalog.Partition{Values: []string{fmt.Sprintf("d%05d", i), "x"}}
	}
	if _, err := r.AddPartitions(b.Context(), "lake", "orders", parts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range r.Partitions(b.Context(), "lake", "orders") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != len(parts) {
			b.Fatal(n)
		}
	}
}

func BenchmarkEscapePathValue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = catalog.PartitionPath([]string{"dt", "source"}, []string{"2026-11-01", "crm/export:eu"})
	}
}
