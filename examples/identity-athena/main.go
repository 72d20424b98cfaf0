// Command identity-athena resolves identities the way a lake too large for
// one process does, on Amazon Athena, here on cdpkit's in-process fake
// Athena (athenatest) so it runs with no AWS account and no network:
//
//  1. synthetic records from three sources (CRM, web, call center) with
//     hashed emails and phones are loaded as the records and identifiers
//     tables of a Glue database;
//  2. athenarun drives identity/sqlgen's SQL: node and edge tables, one
//     label table per iteration until no label changes, the output table;
//     every step prints its rows, data scanned and Athena's elapsed time;
//  3. the clusters come back into Go, where identity gives them stable
//     person ids (carried over from the previous run's assignments in the
//     lake), and are compared with identity.Resolve in process;
//  4. the assignments are written to the curated zone of a local-directory
//     lake (-dir) as Parquet.
//
// Run it twice: the second run finds the first run's assignments, carries
// every person id over, and the curated zone holds one assignments file.
// The fake Athena lives in the process, so its tables start empty on every
// run; against real Athena a rerun with the same run id adopts the output
// and starts no query.
//
// With AWS, athenarun.New takes athena.NewFromConfig(cfg) and
// s3.NewFromConfig(cfg) in place of the fake and its S3.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "identity-athena"), "directory of the local lake (curated zone output)")
	people := flag.Int("people", 1000, "number of synthetic people behind the records")
	seed := flag.Uint64("seed", 1, "seed of the synthetic records")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *people, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "identity-athena:", err)
		os.Exit(1)
	}
}

const curatedDir = "identity-athena"

func rules() []identity.Rule {
	return []identity.Rule{
		{Name: "email", Kinds: []string{"EMAIL"}},
		{Name: "phone", Kinds: []string{"PHONE"}, MaxDegree: 5},
	}
}

func run(ctx context.Context, dir string, people int, seed uint64, out io.Writer) error {
	if people < 1 {
		return errors.New("-people must be at least 1")
	}
	backend, err := filezone.New(dir)
	if err != nil {
		return err
	}
	lake := zones.New(backend)
	recs := generate(people, seed)
	fmt.Fprintf(out, "lake: %s\nrecords: %d from %d people\n", dir, len(recs), people)

	// 1. The input tables, as a crawler or catalog.Registrar would have
	// registered them over the clean zone's Parquet.
	fake := athenatest.NewAthena(func(o *athenatest.AthenaOptions) {
		o.QueueTime, o.RunTime = 2*time.Millisecond, 5*time.Millisecond
	})
	defer fake.Close()
	if err := loadTables(fake, recs); err != nil {
		return err
	}

	// 2. Connected components on Athena.
	r, err := athenarun.New(fake, fake.S3(), func(o *athenarun.Options) {
		o.Database = "lake"
		o.ResultLocation = "s3://example-lake/athena-results/"
		o.PollInterval, o.MaxPollInterval = time.Millisecond, 10*time.Millisecond
		o.Progress = func(s athenarun.Step) {
			what := "ran"
			if s.Adopted {
				what = "adopted"
			}
			rows := ""
			if s.Rows > 0 || strings.HasPrefix(s.Name, "changed") {
				rows = fmt.Sprintf(" rows=%d", s.Rows)
			}
			fmt.Fprintf(out, "  step %-28s %-7s%s scanned=%s elapsed=%v\n", s.Name, what, rows, bytesString(s.DataScanned), s.Elapsed)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "athena steps:")
	res, err := r.Resolve(ctx, fmt.Sprintf("synthetic-%d-%d", people, seed), sqlgen.Config{
		Records: "records", Identifiers: "identifiers", Output: "resolved",
		Location: "s3://example-lake/identity-tmp/",
		Rules:    rules(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "athena: %d iterations, %d queries, %s scanned in all (at $5/TB: $%.6f; Athena bills at least 10 MB a query)\n",
		res.Iterations, len(res.Steps), bytesString(res.DataScanned), float64(res.DataScanned)/1e12*5)
	left := 0
	for _, t := range fake.Tables("lake") {
		if strings.HasPrefix(t, "idr_") {
			left++
		}
	}
	fmt.Fprintf(out, "temporary tables left: %d\n", left)

	// 3. Person ids, carried over from the previous run's assignments.
	prev, err := previous(ctx, lake)
	if err != nil {
		return err
	}
	persons, err := r.Persons(ctx, res, func(o *identity.Options) {
		if prev != nil {
			o.Previous = func(ref identity.RecordRef) (string, bool) { id, ok := prev[ref]; return id, ok }
		}
	})
	if err != nil {
		return err
	}
	st := persons.Stats()
	fmt.Fprintf(out, "persons: %d (carried over from the last run: %d, new: %d)\n", st.Persons, st.Carried, st.New)

	inProcess, err := identity.Resolve(ctx, records(recs), func(o *identity.Options) { o.Rules = rules() })
	if err != nil {
		return err
	}
	// Without previous ids both give a person the id of its smallest
	// record, so the ids agree too; with them, only the clusters must.
	same := samePersons(inProcess, persons, recs, prev == nil)
	fmt.Fprintf(out, "same persons as identity.Resolve in process: %v\n", same)
	if !same {
		return errors.New("the Athena path and the in-process resolution disagree")
	}

	// 4. The curated zone.
	obj, err := publish(ctx, lake, persons)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "curated: %s (%d bytes)\n", obj.Key, obj.Size)
	fmt.Fprintln(out, "Run it again: person ids carry over and the curated zone keeps one assignments file.")
	return nil
}

// samePersons says whether a and b group recs into the same persons: each
// record's person has the same members in both (and, with ids, the same id).
func samePersons(a, b *identity.Result, recs []identity.Record, ids bool) bool {
	// A record's representative is its person's first member (canonical
	// order); two groupings with the same representative for every record
	// are the same grouping.
	rep := func(res *identity.Result) map[identity.RecordRef]identity.RecordRef {
		m := map[identity.RecordRef]identity.RecordRef{}
		for _, members := range res.Clusters() {
			for _, ref := range members {
				m[ref] = members[0]
			}
		}
		return m
	}
	ra, rb := rep(a), rep(b)
	if len(ra) != len(rb) {
		return false
	}
	for _, rec := range recs {
		x, okx := ra[rec.Ref()]
		y, oky := rb[rec.Ref()]
		if !okx || !oky || x != y {
			return false
		}
		if ids {
			ia, _ := a.Lookup(rec.Ref())
			ib, _ := b.Lookup(rec.Ref())
			if ia != ib {
				return false
			}
		}
	}
	return true
}

func bytesString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func loadTables(fake *athenatest.Athena, recs []identity.Record) error {
	str := func(names ...string) []athenatest.Column {
		var cols []athenatest.Column
		for _, n := range names {
			cols = append(cols, athenatest.Column{Name: n, Type: "varchar"})
		}
		return cols
	}
	var rr, ir [][]any
	for _, r := range recs {
		rr = append(rr, []any{r.Source, r.Key})
		for _, id := range r.Identifiers {
			ir = append(ir, []any{r.Source, r.Key, id.Kind, id.Value})
		}
	}
	if err := fake.PutTable("lake", "records", "s3://example-lake/clean/records/", str("source", "record_key"), rr); err != nil {
		return err
	}
	return fake.PutTable("lake", "identifiers", "s3://example-lake/clean/identifiers/", str("source", "record_key", "kind", "value"), ir)
}

// previous reads the last run's assignments from the curated zone.
func previous(ctx context.Context, lake *zones.Store) (map[identity.RecordRef]string, error) {
	var key string
	for obj, err := range lake.Objects(ctx, zones.Curated, curatedDir+"/") {
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(filepath.Base(obj.Key), "assignments-") {
			key = obj.Key
		}
	}
	if key == "" {
		return nil, nil
	}
	rc, err := lake.Get(ctx, zones.Curated, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	rows, err := parquet.Read[identity.AssignmentRow](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	prev := make(map[identity.RecordRef]string, len(rows))
	for _, row := range rows {
		prev[identity.RecordRef{Source: row.Source, Key: row.RecordKey}] = row.PersonID
	}
	return prev, nil
}

// publish writes the assignments to the curated zone under a content name
// and removes older versions, so a rerun with the same result writes
// nothing.
func publish(ctx context.Context, lake *zones.Store, persons *identity.Result) (zones.Object, error) {
	o := lake.NewOutput()
	if err := persons.WriteAssignments(o); err != nil {
		_ = o.Discard()
		return zones.Object{}, err
	}
	obj, err := o.Publish(ctx, zones.Curated, curatedDir, "assignments", ".parquet")
	if err != nil {
		return zones.Object{}, err
	}
	if _, err := lake.RemoveStale(ctx, zones.Curated, curatedDir+"/", "assignments-", []zones.Object{obj}); err != nil {
		return zones.Object{}, err
	}
	return obj, nil
}
