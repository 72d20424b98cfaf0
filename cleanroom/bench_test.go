package cleanroom_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

func BenchmarkValidateAggregation(b *testing.B) {
	r := agg(func(a *cleanroom.Aggregation) {
		for i := range 20 {
			a.DimensionColumns = append(a.DimensionColumns, "dimension_"+itoa(i))
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		if len(r.Validate()) != 0 {
			b.Fatal("problems")
		}
	}
}

func BenchmarkTableSpecValidate(b *testing.B) {
	s := baseSpec()
	s.GlueColumns = s.Table.AllowedColumns
	b.ReportAllocs()
	for b.Loop() {
		if len(s.Validate()) != 0 {
			b.Fatal("problems")
		}
	}
}

// BenchmarkEnsureRerun is the steady state: everything exists, no writes.
func BenchmarkEnsureRerun(b *testing.B) {
	f := cleanroomtest.NewCleanRooms()
	m, err := cleanroomtest.NewMembership(b.Context(), f)
	if err != nil {
		b.Fatal(err)
	}
	s := spec(f, m)
	c := cleanroom.New(f)
	if _, err := c.Ensure(b.Context(), s); err != nil {
		b.Fatal(err)
	}
	writes := f.Writes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Ensure(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
	if f.Writes() != writes {
		b.Fatal("rerun wrote")
	}
}
