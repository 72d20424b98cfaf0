package profile_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func TestSpecErrors(t *testing.T) {
	cols := []profile.Column{{Name: "s", Type: profile.String}, {Name: "n", Type: profile.Int}}
	for _, tc := range []struct {
		name    string
		spec    profile.Spec
		unknown bool
		key     string
		msg     string
	}{
		{"unknown column", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "x", Column: "nope", Policy: profile.MostRecent}}}, true, "x", `column "nope"`},
		{"unknown policy", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "s", Policy: "latest"}}}, false, "s", "unknown policy"},
		{"sum of strings", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "s", Policy: profile.Sum}}}, false, "s", "sum needs"},
		{"priority without sources", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "s", Policy: profile.SourcePriority}}}, false, "s", "needs Sources"},
		{"builtin name", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "records", Column: "n", Policy: profile.Max}}}, false, "records", "built-in"},
		{"duplicate", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "s", Policy: profile.Max}},
			Traits: []profile.Trait{{Name: "s", Agg: profile.AggCount}}}, false, "s", "already used"},
		{"trait column", profile.Spec{Columns: cols, Traits: []profile.Trait{{Name: "t", Agg: profile.AggSum, Column: "amount"}}}, true, "t", `column "amount"`},
		{"avg of strings", profile.Spec{Columns: cols, Traits: []profile.Trait{{Name: "t", Agg: profile.AggAvg, Column: "s"}}}, false, "t", "avg needs"},
		{"segment name", profile.Spec{Columns: cols, Segments: []profile.Segment{{Name: "g", Text: "spend > 3"}}}, true, "g", `unknown field or trait "spend" (at byte 0`},
		{"segment type", profile.Spec{Columns: cols, Fields: []profile.Field{{Name: "s", Policy: profile.MostRecent}},
			Segments: []profile.Segment{{Name: "g", Text: `records > 1 and s > 3`}}}, false, "g", `"s" is string, compared with a int (at byte 16`},
		{"within on int", profile.Spec{Segments: []profile.Segment{{Name: "g", Where: profile.Within("records", time.Hour)}}}, false, "g", "within needs a time"},
		{"unknown key", profile.Spec{Segments: []profile.Segment{{Name: "g", Text: "exists id.PASSPORT"}}}, true, "g", "unknown"},
		{"both forms", profile.Spec{Segments: []profile.Segment{{Name: "g", Text: "records > 1", Where: profile.Exists("records")}}}, false, "g", "both"},
		{"null literal", profile.Spec{Segments: []profile.Segment{{Name: "g", Where: profile.Eq("records", profile.Null)}}}, false, "g", "null"},
	} {
		_, err := profile.NewBuilder(tc.spec)
		var pe *profile.Error
		if !errors.As(err, &pe) || pe.Key != tc.key || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want a *profile.Error for %q containing %q", tc.name, err, tc.key, tc.msg)
			continue
		}
		if !errors.Is(err, cdpkit.ErrInvalid) || !errors.Is(err, profile.ErrInvalidInput) || errors.Is(err, profile.ErrUnknownName) != tc.unknown {
			t.Errorf("%s: %v: categories wrong (unknown name: %v)", tc.name, err, errors.Is(err, profile.ErrUnknownName))
		}
	}
	// A segment text that does not parse carries the position.
	_, err := profile.NewBuilder(profile.Spec{Segments: []profile.Segment{{Name: "g", Text: "records >"}}})
	var perr *profile.ParseError
	if !errors.As(err, &perr) || perr.Col != 10 || !errors.Is(err, profile.ErrSyntax) {
		t.Fatalf("unparseable segment: %v", err)
	}
}

func TestRejections(t *testing.T) {
	spec := profile.Spec{Columns: []profile.Column{{Name: "s", Type: profile.String}, {Name: "n", Type: profile.Int}},
		Fields: []profile.Field{{Name: "s", Policy: profile.MostRecent}}}
	as := []identity.Assignment{{Record: identity.RecordRef{Source: "crm", Key: "1"}, Person: "pA"}}
	secret := "4111-secret-value"
	rows := []profile.Row{
		{Source: "crm", Key: "1", Values: []profile.Value{profile.StringValue("ok")}},
		{Source: "crm", Key: "1", Values: []profile.Value{profile.IntValue(3)}},
		{Source: "crm", Key: "1", Values: []profile.Value{profile.StringValue(secret), profile.IntValue(1), profile.Null}},
		{Source: "crm", Key: "", Values: []profile.Value{profile.StringValue(secret)}},
		{Source: "web", Key: "9", Values: []profile.Value{profile.StringValue(secret)}},
		{Source: "crm", Key: "1", Identifiers: []hashing.Cell{hashing.Missing(hashing.Email)}},
	}
	_, res := build(t, spec, as, rows)
	rej := res.Rejected()
	want := []string{`column "s": a int value where the column is string`, "more values (3) than Spec.Columns (2)", "empty source or record key", "record has no person"}
	if len(rej) != len(want) {
		t.Fatalf("rejections %+v", rej)
	}
	for i, r := range rej {
		if r.Reason != want[i] {
			t.Errorf("rejection %d: %q, want %q", i, r.Reason, want[i])
		}
		if strings.Contains(r.Reason, secret) {
			t.Errorf("rejection %d holds a value", i)
		}
	}
	st := res.Stats()
	if st.Rows != 2 || st.Rejected != 4 || st.Persons != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Written, they land in the quarantine zone with their reasons.
	ds, err := profile.NewDatasets(zones.New(memzone.New()), "")
	if err != nil {
		t.Fatal(err)
	}
	w, err := ds.Write(t.Context(), res)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for r, err := range ds.Rejections.Rows(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, r.Reason)
	}
	if w.Rejections.Rows != 4 || len(reasons) != 4 || reasons[3] != "record has no person" {
		t.Fatalf("quarantined %d: %v", w.Rejections.Rows, reasons)
	}
}

var errSource = errors.New("source failed")

func TestInputErrors(t *testing.T) {
	b, err := profile.NewBuilder(profile.Spec{}, func(o *profile.Options) { o.RunAt = runAt })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	as := []identity.Assignment{{Record: identity.RecordRef{Source: "s", Key: "1"}, Person: "pA"}}
	failing := func(yield func(profile.Row, error) bool) {
		if yield(profile.Row{Source: "s", Key: "1"}, nil) {
			yield(profile.Row{}, errSource)
		}
	}
	if _, err := b.Build(t.Context(), seqOf(as), failing); !errors.Is(err, errSource) {
		t.Fatalf("iterator error: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.Build(ctx, seqOf(as), profile.Rows(nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	twice := append(as, identity.Assignment{Record: identity.RecordRef{Source: "s", Key: "1"}, Person: "pB"})
	if _, err := b.Build(t.Context(), seqOf(twice), profile.Rows(nil)); !errors.Is(err, profile.ErrInvalidInput) {
		t.Fatalf("record with two persons: %v", err)
	}
	if _, err := b.Update(t.Context(), nil, nil, nil, profile.Rows(nil)); !errors.Is(err, profile.ErrInvalidInput) {
		t.Fatalf("update without prev: %v", err)
	}
}

func TestClosedBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	data := genData(rng, 200)
	b, err := profile.NewBuilder(fullSpec(), func(o *profile.Options) { o.RunAt = runAt; o.MemoryBudget = 1 << 10; o.TempDir = t.TempDir() })
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Build(t.Context(), seqOf(assignmentsOf(data)), profile.Rows(rowsOf(data)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats().StateFiles == 0 {
		t.Fatal("no state files")
	}
	b.Close()
	var got error
	for _, err := range res.Profiles(t.Context()) {
		got = err
		break
	}
	if !errors.Is(got, profile.ErrClosed) {
		t.Fatalf("after Close: %v", got)
	}
	if _, err := b.Build(t.Context(), seqOf(assignmentsOf(data)), profile.Rows(rowsOf(data))); !errors.Is(err, profile.ErrClosed) {
		t.Fatalf("Build after Close: %v", err)
	}
}

// Stopping an iteration early leaves no goroutine behind: they are
// joined before the iteration returns.
func TestStopEarly(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	data := genData(rng, 300)
	_, res := build(t, fullSpec(), assignmentsOf(data), rowsOf(data), func(o *profile.Options) { o.Concurrency = 4 })
	next, stop := iter.Pull2(res.Profiles(t.Context()))
	if _, err, ok := next(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if n := packageGoroutines(); n == 0 {
		t.Fatal("no goroutine of the package while iterating: the check below proves nothing")
	}
	stop()
	for p := range res.Profiles(t.Context()) {
		_ = p
		break
	}
	if n := packageGoroutines(); n != 0 {
		t.Fatalf("%d goroutines of the package left running", n)
	}
}

// packageGoroutines counts the goroutines running this package's code
// (other goroutines, such as the runtime's finalizer, come and go).
func packageGoroutines() int {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 2)
	n := 0
	for g := range strings.SplitSeq(buf.String(), "\n\n") {
		if strings.Contains(g, "cdpkit/profile.(*Result)") && !strings.Contains(g, "packageGoroutines") {
			n++
		}
	}
	return n
}
