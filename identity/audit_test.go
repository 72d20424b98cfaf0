package identity_test

// Regression tests for the findings of the identity audit (issue 7).

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// hub makes n records sharing one email, each with its own customer id.
func hub(n int) []identity.Record {
	recs := make([]identity.Record, n)
	for i := range recs {
		recs[i] = rec("s", strconv.Itoa(i), 1, "EMAIL="+digest("shared"), "CID=c"+strconv.Itoa(i))
	}
	return recs
}

// Refusals by limits and the cluster-size cap are aggregated per (guard,
// rule, value group): a hub value costs one audit record, with an exact
// count, not one per refused edge.
func TestRefusalAuditsAreBounded(t *testing.T) {
	n := scaled(20_000)
	for _, tc := range []struct {
		name  string
		guard identity.Guard
		opt   func(*identity.Options)
	}{
		{"limit", identity.GuardLimit, func(o *identity.Options) { o.Limits = []identity.Limit{{Kind: "CID", Max: 1}} }},
		{"cluster size", identity.GuardClusterSize, func(o *identity.Options) { o.MaxClusterSize = 10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := resolve(t, hub(n), func(o *identity.Options) {
				o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}}
			}, tc.opt)
			st := res.Stats()
			var audits []identity.Audit
			count := 0
			for _, a := range res.Audits() {
				if a.Guard == tc.guard {
					audits = append(audits, a)
					count += a.Count
				}
			}
			if len(audits) != 1 {
				t.Fatalf("%d %s audits for one shared value, want 1", len(audits), tc.guard)
			}
			a := audits[0]
			if a.Rule != "email" || a.A == (identity.RecordRef{}) || a.B == (identity.RecordRef{}) || len(a.Records) == 0 || len(a.Records) > 5 {
				t.Errorf("audit: rule %q, first edge set %v, %d sample records", a.Rule, a.A != identity.RecordRef{}, len(a.Records))
			}
			if count != st.Refused[tc.guard] || count == 0 {
				t.Errorf("audit count %d, Refused %d: want equal and > 0", count, st.Refused[tc.guard])
			}
			if tc.guard == identity.GuardLimit {
				// Every record but the first is tried against up to four
				// anchors, each try refused: 1+2+3+4(n-4) refused edges.
				if want := 4*n - 10; st.Refused[tc.guard] != want {
					t.Errorf("Refused = %d, want %d", st.Refused[tc.guard], want)
				}
				if st.Persons != n {
					t.Errorf("persons = %d, want %d", st.Persons, n)
				}
			}
		})
	}
}

// cancelOn cancels a context when a log message is emitted.
type cancelOn struct {
	msg    string
	cancel func()
}

func (h cancelOn) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.cancel()
	}
	return nil
}
func (h cancelOn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOn) WithGroup(string) slog.Handler      { return h }

// A context cancelled after grouping stops linking and id assignment.
func TestCancelAfterGrouping(t *testing.T) {
	recs := hub(scaled(5000))
	for _, msg := range []string{"identity: grouped", "identity: linked"} {
		ctx, cancel := context.WithCancel(t.Context())
		res, err := identity.Resolve(ctx, seq(recs), func(o *identity.Options) {
			o.MaxClusterSize = 10
			o.Incremental = true
			o.Logger = slog.New(cancelOn{msg: msg, cancel: cancel})
		})
		cancel()
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Errorf("cancelled at %q: err = %v, result returned %v", msg, err, res != nil)
		}
	}
	base := resolve(t, recs[:100], incremental)
	for _, msg := range []string{"identity: grouped", "identity: linked"} {
		ctx, cancel := context.WithCancel(t.Context())
		res, err := base.Add(ctx, seq(recs[100:]), func(o *identity.Options) {
			o.Logger = slog.New(cancelOn{msg: msg, cancel: cancel})
		})
		cancel()
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Errorf("Add cancelled at %q: err = %v, result returned %v", msg, err, res != nil)
		}
	}
}

// TestCancelWhileGrouping cancels before grouping, when it ends and after
// linking, with grouping in the background and rules split in halves:
// Resolve fails with the cancellation and, inside a synctest bubble (which
// fails on goroutines left blocked), leaves no goroutine behind.
func TestCancelWhileGrouping(t *testing.T) {
	recs := hub(scaled(5000))
	for _, msg := range []string{"identity: ranked", "identity: grouped", "identity: linked"} {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			res, err := identity.Resolve(ctx, seq(recs), guarded, identity.WithSplitGroupMin(1), func(o *identity.Options) {
				o.Concurrency = 2
				o.Logger = slog.New(cancelOn{msg: msg, cancel: cancel})
			})
			if !errors.Is(err, context.Canceled) || res != nil {
				t.Errorf("cancelled at %q: err = %v, result returned %v", msg, err, res != nil)
			}
		})
	}
}

// Add keeps the original Bounds, checked on the combined result; the
// baseline of growth bounds is the result being extended.
func TestAddKeepsBounds(t *testing.T) {
	shared := func(from, to int) []identity.Record {
		var out []identity.Record
		for i := from; i < to; i++ {
			out = append(out, rec("s", strconv.Itoa(i), 1, "EMAIL=e"))
		}
		return out
	}
	base := resolve(t, shared(0, 2), incremental, func(o *identity.Options) {
		o.Bounds = identity.Bounds{MaxLargestCluster: 4}
	})
	added, err := base.Add(t.Context(), seq(shared(2, 5)))
	var be *identity.BoundError
	if !errors.As(err, &be) || be.Bound != "MaxLargestCluster" || added == nil || added.Stats().LargestCluster != 5 {
		t.Errorf("Add past the original MaxLargestCluster: err = %v", err)
	}
	if _, err := base.Add(t.Context(), seq(shared(2, 5)), func(o *identity.Options) { o.Bounds = identity.Bounds{} }); err != nil {
		t.Errorf("Add with bounds cleared: %v", err)
	}

	// Growth: the baseline is the extended result (largest 2), so 2x
	// allows 4 and refuses 5.
	base = resolve(t, shared(0, 2), incremental, func(o *identity.Options) {
		o.Bounds = identity.Bounds{Baseline: &identity.Stats{LargestCluster: 100}, MaxLargestClusterGrowth: 2}
	})
	if _, err := base.Add(t.Context(), seq(shared(2, 4))); err != nil {
		t.Errorf("Add doubling the largest cluster: %v", err)
	}
	if _, err := base.Add(t.Context(), seq(shared(2, 5))); !errors.As(err, &be) || be.Bound != "MaxLargestClusterGrowth" {
		t.Errorf("Add growing the largest cluster 2.5x: err = %v", err)
	}
}

// A record with more value combinations of a conjunctive rule than the cap
// uses the first ones in value order, whatever its identifier order, and
// the dropped ones are counted and audited.
func TestCombinationCapIsOrderIndependent(t *testing.T) {
	rule := func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email-phone", Kinds: []string{"EMAIL", "PHONE"}}}
	}
	var ids []string
	for i := range 5 {
		ids = append(ids, "EMAIL=e"+strconv.Itoa(i), "PHONE=p"+strconv.Itoa(i))
	}
	ids = append(ids, "EMAIL=e0") // a repeated value adds no combination
	a := rec("s", "a", 1, ids...)
	rev := a
	rev.Identifiers = slices.Clone(a.Identifiers)
	slices.Reverse(rev.Identifiers)
	// (e0,p3) is among the first 16 of 25 combinations in value order,
	// (e4,p4) is not.
	in := rec("s", "in", 1, "EMAIL=e0", "PHONE=p3")
	out := rec("s", "out", 1, "EMAIL=e4", "PHONE=p4")
	var want [][]string
	for i, recs := range [][]identity.Record{{a, in, out}, {rev, out, in}} {
		res := resolve(t, recs, rule)
		got := clusters(t, res)
		if i == 0 {
			want = got
			if d := cmp.Diff([][]string{{"s/a", "s/in"}, {"s/out"}}, got); d != "" {
				t.Errorf("clusters (-want +got):\n%s", d)
			}
		} else if d := cmp.Diff(want, got); d != "" {
			t.Errorf("identifier order changes clusters (-first +reversed):\n%s", d)
		}
		if n := res.Stats().CombinationsDropped["email-phone"]; n != 25-16 {
			t.Errorf("CombinationsDropped = %d, want 9", n)
		}
		var audits []identity.Audit
		for _, au := range res.Audits() {
			if au.Guard == identity.GuardCombinations {
				audits = append(audits, au)
			}
		}
		if len(audits) != 1 || audits[0].Rule != "email-phone" || audits[0].Count != 1 ||
			!slices.Equal(audits[0].Records, []identity.RecordRef{ref("s", "a")}) {
			t.Errorf("combination audits = %+v", audits)
		}
	}
}

// A record's identifiers are pooled across rows with the same source and
// key, and across Add batches, before a conjunctive rule combines them.
func TestPooledRecordsCombine(t *testing.T) {
	rule := func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "phone-last", Kinds: []string{"PHONE", "LAST"}}}
	}
	want := [][]string{{"s/a", "t/b"}}
	res := resolve(t, []identity.Record{rec("s", "a", 1, "PHONE=p"), rec("s", "a", 2, "LAST=l"), rec("t", "b", 1, "PHONE=p", "LAST=l")}, rule)
	if d := cmp.Diff(want, clusters(t, res)); d != "" {
		t.Errorf("rows of one record (-want +got):\n%s", d)
	}
	// Complete rows pool too: (p1,l2) exists only in the pooled record.
	res = resolve(t, []identity.Record{rec("s", "a", 1, "PHONE=p1", "LAST=l1"), rec("s", "a", 2, "PHONE=p2", "LAST=l2"), rec("t", "b", 1, "PHONE=p1", "LAST=l2")}, rule)
	if d := cmp.Diff(want, clusters(t, res)); d != "" {
		t.Errorf("complete rows of one record (-want +got):\n%s", d)
	}
	for _, split := range []int{1, 2} {
		recs := []identity.Record{rec("s", "a", 1, "PHONE=p"), rec("t", "b", 1, "PHONE=p", "LAST=l"), rec("s", "a", 2, "LAST=l"), rec("u", "c", 2, "PHONE=q")}
		first := resolve(t, recs[:split], rule, incremental)
		added, err := first.Add(t.Context(), seq(recs[split:]))
		if err != nil {
			t.Fatal(err)
		}
		full := resolve(t, recs, rule, func(o *identity.Options) { o.Previous = first.Lookup })
		if d := cmp.Diff([][]string{{"s/a", "t/b"}, {"u/c"}}, clusters(t, added)); d != "" {
			t.Errorf("split %d: rows across Add batches (-want +got):\n%s", split, d)
		}
		if d := cmp.Diff(snap(full), snap(added), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("split %d: Add differs from a full run:\n%s", split, d)
		}
	}
}

func TestNamesAndKinds(t *testing.T) {
	_, err := identity.Resolve(t.Context(), seq(nil), func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "include", Kinds: []string{"EMAIL"}}}
	})
	var ie *identity.Error
	if !errors.Is(err, identity.ErrInvalidInput) || !errors.As(err, &ie) || ie.Key != "include" {
		t.Errorf("rule named include: err = %v", err)
	}

	// An identifier without a kind rejects its record.
	res := resolve(t, []identity.Record{rec("s", "1", 1, "=v", "EMAIL=e"), rec("s", "2", 1, "=v", "EMAIL=e"), rec("s", "3", 1, "EMAIL=e")})
	if got := res.Rejected(); len(got) != 2 || got[0].Index != 0 || got[1].Index != 1 || got[0].Reason == "" {
		t.Errorf("rejected = %+v", got)
	}
	if res.Len() != 1 {
		t.Errorf("Len = %d, want 1", res.Len())
	}
	if _, ok := res.Stats().Kinds[""]; ok {
		t.Errorf("empty kind counted")
	}

	// Rules, limits and scopes naming kinds or sources the input never
	// had are reported, not errors.
	res = resolve(t, []identity.Record{rec("crm", "1", 1, "EMAIL=e"), rec("web", "1", 1, "EMAIL=e")}, func(o *identity.Options) {
		o.Rules = []identity.Rule{
			{Name: "email", Kinds: []string{"EMAIL"}, Sources: []string{"crm", "wbe"}},
			{Name: "phone-zip", Kinds: []string{"PHONE", "ZIP"}},
		}
		o.Limits = []identity.Limit{{Kind: "CID", Max: 1}}
	})
	want := []string{
		`rule "email": source "wbe" not in the input`,
		`rule "phone-zip": kind "PHONE" not in the input`,
		`rule "phone-zip": kind "ZIP" not in the input`,
		`limit "CID": kind not in the input`,
	}
	if d := cmp.Diff(want, res.Stats().Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"crm/1"}, {"web/1"}}, clusters(t, res)); d != "" {
		t.Errorf("clusters (-want +got):\n%s", d)
	}
	if w := resolve(t, []identity.Record{rec("crm", "1", 1, "EMAIL=e")}).Stats().Warnings; len(w) != 0 {
		t.Errorf("warnings for default rules: %q", w)
	}
	if w := resolve(t, []identity.Record{rec("crm", "1", 1, "include=e")}).Stats().Warnings; len(w) != 1 {
		t.Errorf("default rule named include: warnings %q", w)
	}
}

// Times outside what int64 nanoseconds hold are unknown, and counted.
func TestOutOfRangeTimes(t *testing.T) {
	early, late, ok := rec("s", "1", 1, "EMAIL=e"), rec("s", "2", 1, "EMAIL=e"), rec("s", "3", 5, "EMAIL=e")
	early.Time = time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)
	late.Time = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, inc := range []bool{false, true} {
		var res *identity.Result
		if inc {
			first := resolve(t, []identity.Record{early}, incremental)
			var err error
			if res, err = first.Add(t.Context(), seq([]identity.Record{late, ok})); err != nil {
				t.Fatal(err)
			}
		} else {
			res = resolve(t, []identity.Record{early, late, ok})
		}
		p := slices.Collect(res.Persons())
		if len(p) != 1 || !p[0].FirstSeen.Equal(ok.Time) || !p[0].LastSeen.Equal(ok.Time) {
			t.Errorf("add %v: persons = %+v, want first and last seen %v", inc, p, ok.Time)
		}
		if n := res.Stats().OutOfRangeTimes; n != 2 {
			t.Errorf("add %v: OutOfRangeTimes = %d, want 2", inc, n)
		}
	}
}

// A panicking iterator under ReadAhead does not leave the storing
// goroutine behind.
func TestReadAheadIteratorPanic(t *testing.T) {
	g0 := runtime.NumGoroutine()
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("the iterator's panic was not propagated")
			}
		}()
		_, _ = identity.Resolve(t.Context(), func(yield func(identity.Record, error) bool) {
			for i := range 5000 {
				if !yield(rec("s", strconv.Itoa(i), 1, "EMAIL=e"), nil) {
					return
				}
			}
			panic("producer bug")
		}, func(o *identity.Options) { o.ReadAhead = true; o.Concurrency = 2 })
	}()
	// The goroutine is joined before the panic propagates; allow it a
	// moment to finish exiting.
	for i := 0; i < 100 && runtime.NumGoroutine() > g0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > g0 {
		t.Errorf("%d goroutine(s) left running", g-g0)
	}
}

// A record whose rows are each under the combination cap but whose pooled
// values are over it is counted and audited too.
func TestPooledCombinationCap(t *testing.T) {
	var r1, r2 []string
	for i := range 3 {
		r1 = append(r1, "EMAIL=e"+strconv.Itoa(i), "PHONE=p"+strconv.Itoa(i))
		r2 = append(r2, "EMAIL=f"+strconv.Itoa(i), "PHONE=q"+strconv.Itoa(i))
	}
	res := resolve(t, []identity.Record{rec("s", "a", 1, r1...), rec("s", "a", 2, r2...)}, func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email-phone", Kinds: []string{"EMAIL", "PHONE"}}}
	})
	if n := res.Stats().CombinationsDropped["email-phone"]; n != 36-16 {
		t.Errorf("CombinationsDropped = %d, want 20", n)
	}
	var audits []identity.Audit
	for _, au := range res.Audits() {
		if au.Guard == identity.GuardCombinations {
			audits = append(audits, au)
		}
	}
	if len(audits) != 1 || audits[0].Count != 1 || !slices.Equal(audits[0].Records, []identity.RecordRef{ref("s", "a")}) {
		t.Errorf("combination audits = %+v", audits)
	}
}

// Records split into several rows resolve like the pooled records, in one
// run and across Add batches.
func TestSplitRowsMatchNaive(t *testing.T) {
	recs := genRecords(5, scaled(2000))
	var rows []identity.Record
	var later []identity.Record
	for i, r := range recs {
		if i%3 != 0 || len(r.Identifiers) < 2 {
			rows = append(rows, r)
			continue
		}
		h := len(r.Identifiers) / 2
		a, b := r, r
		a.Identifiers, b.Identifiers = r.Identifiers[:h], r.Identifiers[h:]
		rows = append(rows, a)
		later = append(later, b)
	}
	rows = append(rows, later...)
	blocked := map[string][]string{"EMAIL": {digest("e3")}}
	for _, degreeCap := range []int{0, 3} {
		opt := func(o *identity.Options) {
			o.Rules = testRules
			o.Blocked = blocked
			o.DefaultDegreeCap = degreeCap
			o.Incremental = true
		}
		want := naive(recs, testRules, blocked, degreeCap)
		if d := cmp.Diff(want, clusters(t, resolve(t, rows, opt))); d != "" {
			t.Errorf("cap %d: split rows differ from the naive resolver on pooled records", degreeCap)
		}
		first := resolve(t, rows[:len(recs)/2], opt)
		added, err := first.Add(t.Context(), seq(rows[len(recs)/2:]))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, clusters(t, added)); d != "" {
			t.Errorf("cap %d: split rows across Add batches differ from the naive resolver on pooled records", degreeCap)
		}
	}
}
