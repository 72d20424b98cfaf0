package athenarun_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// tenants spreads records over n sources, more than one statement may
// write partitions for.
func tenants(n int) []identity.Record {
	recs := genRecords(8, 2*n)
	for i := range recs {
		recs[i].Source = fmt.Sprintf("t%03d", i%n)
		recs[i].Identifiers = recs[i].Identifiers[:len(recs[i].Identifiers)-2] // no name_zip: its sources are gone
	}
	return recs
}

func countRan(a *athenatest.Athena, prefix string) int {
	n := 0
	for _, e := range a.Executions() {
		if e.Ran && strings.HasPrefix(e.Query, prefix) {
			n++
		}
	}
	return n
}

// With PartitionBySource (and NumberBySource) the output of 250 sources (101 with -short) is
// one CTAS and an INSERT INTO per further 100 (the fake fails any statement writing more than 100
// partitions), and a kill between them resumes without inserting twice.
func TestPartitionBySource(t *testing.T) {
	sources := 250
	if testing.Short() {
		sources = 101
	}
	recs := tenants(sources)
	inserts := (sources+athenarun.MaxPartitions-1)/athenarun.MaxPartitions - 1
	want := inProcess(t, recs)
	part := func(o *athenarun.Options) { o.PartitionBySource, o.NumberBySource = true, true }
	var total int
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, recs)
		r := newRunner(t, a, a.S3(), nil, part)
		res, err := r.Resolve(t.Context(), "tenants", config())
		if err != nil {
			t.Fatal(err)
		}
		if c, i := countRan(a, "CREATE TABLE resolved "), countRan(a, "INSERT INTO resolved"); c != 1 || i != inserts {
			t.Errorf("output written by %d CTAS and %d INSERT, want 1 and %d", c, i, inserts)
		}
		if n := len(a.S3().Keys("lake", "tmp/identity/")); n != sources {
			t.Errorf("%d output files, want one per source", n)
		}
		got, err := r.Persons(t.Context(), res)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(clusters(want), clusters(got)); d != "" {
			t.Errorf("clusters differ:\n%s", d)
		}
		// The files hold no source column: it comes from the paths.
		files, err := newRunner(t, a, a.S3(), nil, part, func(o *athenarun.Options) { o.ReadOutputFiles = true }).Persons(t.Context(), res)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(clusters(want), clusters(files)); d != "" {
			t.Errorf("clusters from the partitioned files differ:\n%s", d)
		}
		total = len(a.Executions())
	})
	// Kill after the output's CTAS (and, with 250 sources, the first
	// INSERT) were started.
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, recs)
		d := &dying{Athena: a, limit: total - 6}
		if _, err := newRunner(t, d, a.S3(), nil, part).Resolve(t.Context(), "tenants", config()); !errors.Is(err, errKilled) {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		if _, err := newRunner(t, a, a.S3(), nil, part).Resolve(t.Context(), "tenants", config()); err != nil {
			t.Fatal(err)
		}
		if c, i := countRan(a, "CREATE TABLE resolved "), countRan(a, "INSERT INTO resolved"); c != 1 || i != inserts {
			t.Errorf("after restart: output written by %d CTAS and %d INSERT, want 1 and %d", c, i, inserts)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}

// A record without a source (NULL) cannot be written partitioned by
// source: Resolve refuses with ErrInvalid instead of leaving the record
// out of the output (the batches' source IN (...) matches no NULL).
func TestPartitionBySourceNullSource(t *testing.T) {
	recs := tenants(3)
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, recs)
		rows := [][]any{{nil, "no-source"}}
		for _, r := range recs {
			rows = append(rows, []any{r.Source, r.Key})
		}
		if err := a.PutTable("lake", "records", "s3://lake/clean/records/", varchars("source", "record_key"), rows); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, a, a.S3(), nil, func(o *athenarun.Options) { o.PartitionBySource = true })
		_, err := r.Resolve(t.Context(), "null-source", config())
		if !errors.Is(err, athenarun.ErrInvalid) {
			t.Fatalf("Resolve = %v, want ErrInvalid for a NULL source", err)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}
