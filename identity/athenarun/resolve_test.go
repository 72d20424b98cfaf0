package athenarun_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
	"github.com/cdpkit/cdpkit/identity/internal/testrecords"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
	"github.com/google/go-cmp/cmp"
)

func digest(v string) string { return testrecords.Digest(v) }

func genRecords(seed uint64, n int) []identity.Record { return testrecords.Generate(seed, n) }

func rules() []identity.Rule {
	return []identity.Rule{
		{Name: "customer", Kinds: []string{"CUSTOMER_ID"}},
		{Name: "email", Kinds: []string{"EMAIL"}},
		{Name: "phone", Kinds: []string{"PHONE"}, MaxDegree: 6},
		{Name: "name_zip", Kinds: []string{"LAST", "ZIP"}, Sources: []string{"crm", "partner"}, MaxDegree: 3},
	}
}

func config() sqlgen.Config {
	return sqlgen.Config{
		Records: "records", Identifiers: "identifiers", Output: "resolved",
		Location:  "s3://lake/tmp/identity/",
		Rules:     rules(),
		Blocked:   map[string][]string{"EMAIL": {digest("e0")}},
		DegreeCap: map[string]int{"EMAIL": 4},
	}
}

// inProcess resolves recs in Go with config()'s guards.
func inProcess(t testing.TB, recs []identity.Record, more ...func(*identity.Options)) *identity.Result {
	t.Helper()
	res, err := identity.Resolve(t.Context(), seq(recs), append([]func(*identity.Options){func(o *identity.Options) {
		o.Rules, o.Blocked, o.DegreeCap = rules(), config().Blocked, config().DegreeCap
	}}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func varchars(names ...string) []athenatest.Column {
	out := make([]athenatest.Column, len(names))
	for i, n := range names {
		out[i] = athenatest.Column{Name: n, Type: "varchar"}
	}
	return out
}

// load puts recs into the fake as the records and identifiers tables.
func load(t testing.TB, a *athenatest.Athena, recs []identity.Record) {
	t.Helper()
	var rr, ir [][]any
	for _, r := range recs {
		rr = append(rr, []any{r.Source, r.Key})
		for _, id := range r.Identifiers {
			ir = append(ir, []any{r.Source, r.Key, id.Kind, id.Value})
		}
	}
	if err := a.PutTable("lake", "records", "s3://lake/clean/records/", varchars("source", "record_key"), rr); err != nil {
		t.Fatal(err)
	}
	if err := a.PutTable("lake", "identifiers", "s3://lake/clean/identifiers/", varchars("source", "record_key", "kind", "value"), ir); err != nil {
		t.Fatal(err)
	}
}

func seq(recs []identity.Record) func(func(identity.Record, error) bool) {
	return func(yield func(identity.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// clusters returns the partition of records as sorted lists of "src/key".
func clusters(res *identity.Result) [][]string {
	var out [][]string
	for _, members := range res.Clusters() {
		var c []string
		for _, m := range members {
			c = append(c, m.String())
		}
		slices.Sort(c)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func newRunner(t *testing.T, api athenarun.API, store athenarun.Storage, progress func(athenarun.Step), more ...func(*athenarun.Options)) *athenarun.Runner {
	t.Helper()
	r, err := athenarun.New(api, store, append([]func(*athenarun.Options){func(o *athenarun.Options) {
		o.Database = "lake"
		o.ResultLocation = "s3://lake/athena-results/"
		o.Progress = progress
	}}, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The Athena path gives the clusters and person ids identity.Resolve gives
// in process, and removes its temporary tables and files.
func TestResolveMatchesInProcess(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 200
	}
	recs := genRecords(1, n)
	want := inProcess(t, recs)
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, recs)
		var steps []athenarun.Step
		r := newRunner(t, a, a.S3(), func(s athenarun.Step) { steps = append(steps, s) })
		start := time.Now()
		res, err := r.Resolve(t.Context(), "load-1", config())
		if err != nil {
			t.Fatal(err)
		}
		if res.Iterations < 2 || res.DataScanned <= 0 || len(steps) != len(res.Steps) {
			t.Errorf("iterations %d, scanned %d, %d progress calls for %d steps", res.Iterations, res.DataScanned, len(steps), len(res.Steps))
		}
		if time.Since(start) < time.Duration(len(res.Steps))*time.Second {
			t.Errorf("run took %v on the fake's clock for %d queries of 1 s each", time.Since(start), len(res.Steps))
		}
		got, err := r.Persons(t.Context(), res)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(clusters(want), clusters(got)); d != "" {
			t.Errorf("clusters differ (-in process +athena):\n%s", d)
		}
		for _, rec := range recs {
			w, _ := want.Lookup(rec.Ref())
			g, _ := got.Lookup(rec.Ref())
			if w != g {
				t.Fatalf("record %s: person id differs between in-process and athena", rec.Ref())
			}
		}
		// The same from the output's Parquet files instead of GetQueryResults.
		rf := newRunner(t, a, a.S3(), nil, func(o *athenarun.Options) { o.ReadOutputFiles = true })
		fromFiles, err := rf.Persons(t.Context(), res)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(clusters(got), clusters(fromFiles)); d != "" || fromFiles.Len() != len(recs) {
			t.Errorf("clusters from the files differ (%d records):\n%s", fromFiles.Len(), d)
		}
		if tabs := a.Tables("lake"); !slices.Equal(tabs, []string{"identifiers", "records", "resolved"}) {
			t.Errorf("tables left: %v", tabs)
		}
		if keys := a.S3().Keys("lake", "tmp/"); len(keys) == 0 || slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, "/idr_") }) {
			t.Errorf("files under the run's prefix: %v (want only the output's)", keys)
		}
	})
}

func TestResolveInvalid(t *testing.T) {
	a := athenatest.NewAthena()
	defer a.Close()
	r := newRunner(t, a, a.S3(), nil)
	cfg := config()
	cfg.Location = "/tmp/x"
	if _, err := r.Resolve(t.Context(), "x", cfg); !errors.Is(err, cdpkit.ErrInvalid) {
		t.Errorf("local Location: %v", err)
	}
	if _, err := r.Resolve(t.Context(), "", config()); !errors.Is(err, cdpkit.ErrInvalid) {
		t.Errorf("no run id: %v", err)
	}
}

// The runner drives a real *athena.Client over the wire server.
func TestResolveOverWire(t *testing.T) {
	recs := genRecords(7, 120)
	want := inProcess(t, recs)
	a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	defer a.Close()
	load(t, a, recs)
	srv := athenatest.NewAthenaServer(a)
	defer srv.Close()
	r := newRunner(t, srv.Client(), a.S3(), nil, func(o *athenarun.Options) { o.PollInterval = time.Millisecond })
	res, err := r.Resolve(t.Context(), "wire", config())
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Persons(t.Context(), res)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(clusters(want), clusters(got)); d != "" {
		t.Errorf("clusters differ (-in process +athena over the wire):\n%s", d)
	}
}

// The service's error shapes survive the wire: throttling is waited out,
// and a concurrency limit that outlasts the retries is ErrLimitExceeded.
func TestWireFaults(t *testing.T) {
	a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = -1, -1 })
	defer a.Close()
	if err := a.CreateDatabase("lake"); err != nil {
		t.Fatal(err)
	}
	srv := athenatest.NewAthenaServer(a)
	defer srv.Close()
	r := newRunner(t, srv.Client(), a.S3(), nil, func(o *athenarun.Options) {
		o.PollInterval, o.MaxPollInterval, o.MaxRetries = time.Millisecond, 2*time.Millisecond, 3
	})
	a.Inject("StartQueryExecution", 2, athenatest.Throttling())
	if _, err := r.Exec(t.Context(), "wire", "probe", "SELECT 1"); err != nil {
		t.Fatalf("throttled twice, 3 retries: %v", err)
	}
	a.Inject("StartQueryExecution", 10, athenatest.TooManyRequests())
	_, err := r.Exec(t.Context(), "wire", "probe-2", "SELECT 2")
	var tm *athenatypes.TooManyRequestsException
	if !errors.Is(err, cdpkit.ErrLimitExceeded) || !errors.As(err, &tm) || tm.Reason != athenatypes.ThrottleReasonConcurrentQueryLimitExceeded {
		t.Errorf("err = %v, want ErrLimitExceeded with the SDK's TooManyRequestsException", err)
	}
}

// Person ids carry over across runs as they do in process: a second load
// with more records, given the first run's ids, gets the ids the
// in-process resolution of the same load gets.
func TestIDsAcrossRuns(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 120
	}
	all := genRecords(12, n)
	first, second := all[:2*n/3], all
	prev := inProcess(t, first)
	want := inProcess(t, second, func(o *identity.Options) { o.Previous = prev.Lookup })
	if want.Stats().Carried == 0 {
		t.Fatal("the test data carries no id over")
	}
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, second)
		r := newRunner(t, a, a.S3(), nil)
		res, err := r.Resolve(t.Context(), "load-2", config())
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Persons(t.Context(), res, func(o *identity.Options) { o.Previous = prev.Lookup })
		if err != nil {
			t.Fatal(err)
		}
		if g, w := got.Stats(), want.Stats(); g.Carried != w.Carried || g.New != w.New || g.Split != w.Split {
			t.Errorf("carried/new/split %d/%d/%d, in process %d/%d/%d", g.Carried, g.New, g.Split, w.Carried, w.New, w.Split)
		}
		for _, rec := range second {
			w, _ := want.Lookup(rec.Ref())
			g, _ := got.Lookup(rec.Ref())
			if w != g {
				t.Fatalf("a record's person id differs from in process")
			}
		}
		if _, err := r.Persons(t.Context(), res, func(o *identity.Options) { o.MaxClusterSize = 10 }); !errors.Is(err, cdpkit.ErrInvalid) {
			t.Errorf("MaxClusterSize on the Athena path: %v, want ErrInvalid", err)
		}
	})
}
