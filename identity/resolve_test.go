package identity_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// genRecords makes n records over small value domains so that many values
// are shared. Values are digests for EMAIL and PHONE and plain strings for
// the rest.
// scaled shrinks test sizes under -short (the race detector runs there).
func scaled(n int) int {
	if testing.Short() {
		return max(n/5, 50)
	}
	return n
}

func genRecords(seed uint64, n int) []identity.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	srcs := []string{"crm", "web", "calls", "partner"}
	var out []identity.Record
	for i := range n {
		r := identity.Record{
			Source: srcs[rng.IntN(len(srcs))],
			Key:    "k" + strconv.Itoa(i),
			Time:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(1000)) * time.Hour),
		}
		if rng.IntN(3) > 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "EMAIL", Value: digest("e" + strconv.Itoa(rng.IntN(n)))})
		}
		if rng.IntN(2) > 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "PHONE", Value: digest("p" + strconv.Itoa(rng.IntN(n)))})
		}
		if rng.IntN(4) == 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "CUSTOMER_ID", Value: "cust" + strconv.Itoa(rng.IntN(n/2+1))})
		}
		r.Identifiers = append(r.Identifiers,
			identity.Identifier{Kind: "LAST", Value: "ln" + strconv.Itoa(rng.IntN(5))},
			identity.Identifier{Kind: "ZIP", Value: "z" + strconv.Itoa(rng.IntN(8))})
		if rng.IntN(10) == 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "EMAIL", Value: ""})
		}
		out = append(out, r)
	}
	return out
}

var testRules = []identity.Rule{
	{Name: "customer", Kinds: []string{"CUSTOMER_ID"}},
	{Name: "email", Kinds: []string{"EMAIL"}},
	{Name: "phone-last-zip", Kinds: []string{"PHONE", "LAST", "ZIP"}},
	{Name: "phone-crm", Kinds: []string{"PHONE"}, Sources: []string{"crm", "calls"}},
}

// naive clusters records with maps over full values: the reference the
// sort-based resolver must agree with when no order-dependent guard is on.
func naive(recs []identity.Record, rules []identity.Rule, blocked map[string][]string, degreeCap int) [][]string {
	parent := map[string]string{}
	find := func(x string) string {
		for parent[x] != x {
			x = parent[x]
		}
		return x
	}
	isBlocked := func(id identity.Identifier) bool {
		return id.Value == "" || slices.Contains(blocked[id.Kind], id.Value)
	}
	for _, r := range recs {
		parent[r.Ref().String()] = r.Ref().String()
	}
	for _, ru := range rules {
		byVal := map[string]map[string]bool{}
		for _, r := range recs {
			if len(ru.Sources) > 0 && !slices.Contains(ru.Sources, r.Source) {
				continue
			}
			var parts [][]string
			for _, k := range ru.Kinds {
				var vs []string
				for _, id := range r.Identifiers {
					if id.Kind == k && !isBlocked(id) {
						vs = append(vs, id.Value)
					}
				}
				parts = append(parts, vs)
			}
			combos := []string{""}
			for _, vs := range parts {
				var next []string
				for _, c := range combos {
					for _, v := range vs {
						next = append(next, c+"\x00"+v)
					}
				}
				combos = next
			}
			for _, c := range combos {
				if byVal[c] == nil {
					byVal[c] = map[string]bool{}
				}
				byVal[c][r.Ref().String()] = true
			}
		}
		for _, set := range byVal {
			if degreeCap > 0 && len(set) > degreeCap {
				continue
			}
			var first string
			for k := range set {
				if first == "" {
					first = k
					continue
				}
				a, b := find(first), find(k)
				if a != b {
					parent[a] = b
				}
			}
		}
	}
	groups := map[string][]string{}
	for k := range parent {
		groups[find(k)] = append(groups[find(k)], k)
	}
	var out [][]string
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func clusters(t *testing.T, res *identity.Result) [][]string {
	t.Helper()
	var out [][]string
	for _, recs := range res.Clusters() {
		var g []string
		for _, r := range recs {
			g = append(g, r.String())
		}
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func resolve(t *testing.T, recs []identity.Record, opts ...func(*identity.Options)) *identity.Result {
	t.Helper()
	res, err := identity.Resolve(t.Context(), seq(recs), opts...)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return res
}

func TestResolveMatchesNaive(t *testing.T) {
	blocked := map[string][]string{"EMAIL": {digest("e3"), digest("e5")}}
	for _, tc := range []struct {
		name      string
		n         int
		degreeCap int
		keyBits   int
	}{
		{"small", 50, 0, 0},
		{"medium", 2000, 0, 0},
		{"degree-cap", 2000, 3, 0},
		{"4-bit keys", 2000, 0, 4},
		{"4-bit keys with cap", 2000, 3, 4},
		{"1-bit keys", 300, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := genRecords(uint64(tc.n), scaled(tc.n))
			opts := []func(*identity.Options){func(o *identity.Options) {
				o.Rules = testRules
				o.Blocked = blocked
				o.DefaultDegreeCap = tc.degreeCap
			}}
			if tc.keyBits > 0 {
				opts = append(opts, identity.WithKeyBits(tc.keyBits))
			}
			got := clusters(t, resolve(t, recs, opts...))
			want := naive(recs, testRules, blocked, tc.degreeCap)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("clusters differ from the naive resolver (-want +got): %d vs %d clusters", len(want), len(got))
			}
		})
	}
}

// snapshot is everything a Result exposes, for equality checks.
type snapshot struct {
	Assignments []identity.Assignment
	Links       []identity.Link
	Persons     []identity.Person
	Audits      []identity.Audit
	Events      []identity.Event
	Stats       identity.Stats
}

func snap(res *identity.Result) snapshot {
	s := snapshot{Audits: res.Audits(), Events: res.Events(), Stats: res.Stats()}
	s.Stats.Elapsed = 0
	s.Assignments = slices.Collect(res.Assignments())
	s.Links = slices.Collect(res.Links())
	s.Persons = slices.Collect(res.Persons())
	return s
}

func guarded(o *identity.Options) {
	o.Rules = testRules
	o.Blocked = map[string][]string{"EMAIL": {digest("e3")}}
	o.DefaultDegreeCap = 6
	o.Limits = []identity.Limit{{Kind: "CUSTOMER_ID", Max: 1}, {Kind: "EMAIL", Max: 2}}
	o.MaxClusterSize = 5
	o.Overrides = []identity.Override{
		{A: identity.RecordRef{Source: "crm", Key: "k1"}, B: identity.RecordRef{Source: "web", Key: "k2"}, Include: true, Reason: "ticket 1"},
		{A: identity.RecordRef{Source: "crm", Key: "k4"}, B: identity.RecordRef{Source: "crm", Key: "k9"}, Reason: "ticket 2"},
	}
}

func shuffled(recs []identity.Record, seed uint64) []identity.Record {
	out := slices.Clone(recs)
	rng := rand.New(rand.NewPCG(seed, 1))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	for i := range out {
		ids := slices.Clone(out[i].Identifiers)
		rng.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		out[i].Identifiers = ids
	}
	return out
}

func TestInputOrderIndependence(t *testing.T) {
	recs := genRecords(1, scaled(3000))
	// Duplicated rows (same source and key) split the identifiers.
	dup := recs[10]
	dup.Identifiers = []identity.Identifier{{Kind: "PHONE", Value: digest("extra")}}
	recs = append(recs, dup)
	for _, tc := range []struct {
		name string
		opts []func(*identity.Options)
	}{
		{"default rules", nil},
		{"rules", []func(*identity.Options){func(o *identity.Options) { o.Rules = testRules }}},
		{"all guards", []func(*identity.Options){guarded}},
		{"all guards, 4-bit keys", []func(*identity.Options){guarded, identity.WithKeyBits(4)}},
		{"all guards, 1 goroutine", []func(*identity.Options){guarded, func(o *identity.Options) { o.Concurrency = 1 }}},
		{"all guards, read-ahead", []func(*identity.Options){guarded, func(o *identity.Options) { o.ReadAhead = true }}},
		// Presized arrays of 4 MiB and up take the huge-page advice.
		{"all guards, huge pages", []func(*identity.Options){guarded, func(o *identity.Options) { o.HugePages = true; o.ExpectedRecords = 600_000 }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := snap(resolve(t, recs, tc.opts...))
			for seed := range uint64(3) {
				got := snap(resolve(t, shuffled(recs, seed), tc.opts...))
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
					if os.Getenv("IDENTITY_DEBUG") != "" {
						t.Log(d)
					}
					t.Fatalf("seed %d: result depends on input order (%d lines of diff)", seed, strings.Count(d, "\n"))
				}
			}
		})
	}
}

func TestCompactKeyCollisionsNeverMerge(t *testing.T) {
	recs := genRecords(9, scaled(3000))
	for _, opt := range []func(*identity.Options){
		func(o *identity.Options) { o.Rules = testRules },
		guarded,
	} {
		want := snap(resolve(t, recs, opt))
		for _, bits := range []int{1, 4, 12} {
			got := snap(resolve(t, recs, opt, identity.WithKeyBits(bits)))
			// Links within a rule may be found in a different order, so
			// compare the partition and the person ids.
			if d := cmp.Diff(want.Assignments, got.Assignments); d != "" {
				t.Errorf("%d-bit keys change assignments", bits)
			}
			if want.Stats.Persons != got.Stats.Persons {
				t.Errorf("%d-bit keys: %d persons, want %d", bits, got.Stats.Persons, want.Stats.Persons)
			}
		}
	}
}

func ref(s, k string) identity.RecordRef { return identity.RecordRef{Source: s, Key: k} }

func rec(src, key string, day int, ids ...string) identity.Record {
	r := identity.Record{Source: src, Key: key, Time: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC)}
	for _, id := range ids {
		k, v, _ := strings.Cut(id, "=")
		r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: k, Value: v})
	}
	return r
}

func TestGuards(t *testing.T) {
	type want struct {
		clusters [][]string
		refused  map[identity.Guard]int
		audits   []identity.Audit
	}
	onlyGuard := func(g identity.Guard) func([]identity.Audit) []identity.Audit {
		return func(as []identity.Audit) []identity.Audit {
			var out []identity.Audit
			for _, a := range as {
				if a.Guard == g {
					out = append(out, a)
				}
			}
			return out
		}
	}
	for _, tc := range []struct {
		name   string
		recs   []identity.Record
		opt    func(*identity.Options)
		guard  identity.Guard
		want   want
		checkA bool
	}{
		{
			name: "blocked value links nobody",
			recs: []identity.Record{rec("a", "1", 1, "PHONE=0000000000"), rec("a", "2", 1, "PHONE=0000000000", "EMAIL=x"), rec("b", "3", 1, "EMAIL=x")},
			opt:  func(o *identity.Options) { o.Blocked = map[string][]string{"PHONE": {"0000000000", "unknown"}} },
			want: want{
				clusters: [][]string{{"a/1"}, {"a/2", "b/3"}},
				audits: []identity.Audit{{Guard: identity.GuardBlocked, Kind: "PHONE", Count: 2, Records: []identity.RecordRef{ref("a", "1"), ref("a", "2")},
					Reason: "blocklisted value (entry 0 of Options.Blocked for this kind)"}},
			},
			guard: identity.GuardBlocked, checkA: true,
		},
		{
			name: "degree cap drops a hub value but keeps specific ones",
			recs: []identity.Record{rec("a", "1", 1, "EMAIL=team"), rec("a", "2", 1, "EMAIL=team"), rec("a", "3", 1, "EMAIL=team", "PHONE=p"), rec("b", "4", 1, "PHONE=p")},
			opt:  func(o *identity.Options) { o.DegreeCap = map[string]int{"EMAIL": 2} },
			want: want{
				clusters: [][]string{{"a/1"}, {"a/2"}, {"a/3", "b/4"}},
				audits: []identity.Audit{{Guard: identity.GuardDegree, Rule: "EMAIL", Kind: "EMAIL", Count: 3,
					Records: []identity.RecordRef{ref("a", "1"), ref("a", "2"), ref("a", "3")}, Reason: "value shared by 3 records, cap 2"}},
			},
			guard: identity.GuardDegree,
		},
		{
			name: "unique kind refuses a second customer id",
			recs: []identity.Record{rec("crm", "1", 1, "CID=1", "EMAIL=shared"), rec("crm", "2", 1, "CID=2", "EMAIL=shared"), rec("web", "3", 1, "EMAIL=shared")},
			opt: func(o *identity.Options) {
				o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}}
				o.Limits = []identity.Limit{{Kind: "CID", Max: 1}}
			},
			// web/3 joins whichever customer comes first in canonical
			// order; the other customer's edge is refused.
			want:  want{refused: map[identity.Guard]int{identity.GuardLimit: 1}},
			guard: identity.GuardLimit,
		},
		{
			name: "cluster cap refuses the weakest rule's edge",
			recs: []identity.Record{rec("a", "1", 1, "EMAIL=e", "ZIP=z"), rec("a", "2", 1, "EMAIL=e"), rec("a", "3", 1, "ZIP=z", "PHONE=q"), rec("a", "4", 1, "PHONE=q")},
			opt: func(o *identity.Options) {
				o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone", Kinds: []string{"PHONE"}}, {Name: "zip", Kinds: []string{"ZIP"}}}
				o.MaxClusterSize = 2
			},
			want:  want{clusters: [][]string{{"a/1", "a/2"}, {"a/3", "a/4"}}, refused: map[identity.Guard]int{identity.GuardClusterSize: 1}},
			guard: identity.GuardClusterSize,
		},
		{
			name: "exclude beats a chain of links and an include",
			recs: []identity.Record{rec("a", "1", 1, "EMAIL=e"), rec("a", "2", 1, "EMAIL=e", "PHONE=p"), rec("a", "3", 1, "PHONE=p"), rec("b", "9", 1)},
			opt: func(o *identity.Options) {
				o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone", Kinds: []string{"PHONE"}}}
				o.Overrides = []identity.Override{
					{A: ref("a", "1"), B: ref("a", "3"), Reason: "different people"},
					{A: ref("a", "3"), B: ref("b", "9"), Include: true, Reason: "same person"},
				}
			},
			want:  want{clusters: [][]string{{"a/1", "a/2"}, {"a/3", "b/9"}}, refused: map[identity.Guard]int{identity.GuardExclude: 1}},
			guard: identity.GuardExclude,
		},
		{
			name: "include overrides limits and caps",
			recs: []identity.Record{rec("a", "1", 1, "CID=1"), rec("a", "2", 1, "CID=2")},
			opt: func(o *identity.Options) {
				o.Limits = []identity.Limit{{Kind: "CID", Max: 1}}
				o.MaxClusterSize = 1
				o.Overrides = []identity.Override{{A: ref("a", "1"), B: ref("a", "2"), Include: true, Reason: "merge ticket"}}
			},
			want: want{clusters: [][]string{{"a/1", "a/2"}},
				audits: []identity.Audit{{Guard: identity.GuardInclude, A: ref("a", "1"), B: ref("a", "2"), Reason: "merge ticket"}}},
			guard: identity.GuardInclude, checkA: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := resolve(t, tc.recs, tc.opt)
			if tc.want.clusters == nil {
				if res.Stats().Persons != 2 {
					t.Errorf("persons = %d, want 2", res.Stats().Persons)
				}
			} else if d := cmp.Diff(tc.want.clusters, clusters(t, res)); d != "" {
				t.Errorf("clusters (-want +got):\n%s", d)
			}
			st := res.Stats()
			for g, n := range tc.want.refused {
				if st.Refused[g] != n {
					t.Errorf("Refused[%s] = %d, want %d", g, st.Refused[g], n)
				}
			}
			got := onlyGuard(tc.guard)(res.Audits())
			for i := range got {
				slices.SortFunc(got[i].Records, func(a, b identity.RecordRef) int { return strings.Compare(a.String(), b.String()) })
			}
			if len(got) == 0 {
				t.Errorf("no %s audit record", tc.guard)
			}
			if tc.checkA || tc.want.audits != nil {
				if d := cmp.Diff(tc.want.audits, got); d != "" {
					t.Errorf("audits (-want +got):\n%s", d)
				}
			}
			for _, a := range res.Audits() {
				s := fmt.Sprintf("%+v", a)
				for _, r := range tc.recs {
					for _, id := range r.Identifiers {
						if len(id.Value) > 1 && strings.Contains(s, id.Value) {
							t.Errorf("audit record holds an identifier value (kind %s)", id.Kind)
						}
					}
				}
			}
		})
	}
}

func TestLimitRefusalNamesTheWeakestEdge(t *testing.T) {
	// Two customers share a household phone; the email rule (stronger)
	// links each customer's records, the phone edge is refused.
	recs := []identity.Record{
		rec("crm", "1", 1, "CID=1", "EMAIL=a", "PHONE=h"),
		rec("web", "1", 2, "EMAIL=a"),
		rec("crm", "2", 1, "CID=2", "EMAIL=b", "PHONE=h"),
		rec("web", "2", 2, "EMAIL=b"),
	}
	res := resolve(t, recs, func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone", Kinds: []string{"PHONE"}}}
		o.Limits = []identity.Limit{{Kind: "CID", Max: 1}}
	})
	want := [][]string{{"crm/1", "web/1"}, {"crm/2", "web/2"}}
	if d := cmp.Diff(want, clusters(t, res)); d != "" {
		t.Errorf("clusters (-want +got):\n%s", d)
	}
	var lim []identity.Audit
	for _, a := range res.Audits() {
		if a.Guard == identity.GuardLimit {
			lim = append(lim, a)
		}
	}
	if len(lim) != 1 || lim[0].Rule != "phone" || lim[0].Kind != "CID" {
		t.Errorf("limit audits = %+v, want one refusal of a phone edge on CID", lim)
	}
}

func TestStableIDs(t *testing.T) {
	base := []identity.Record{
		rec("crm", "a1", 1, "EMAIL=a"), rec("web", "a2", 2, "EMAIL=a"), rec("web", "a3", 3, "EMAIL=a"), // A: 3 records
		rec("crm", "b1", 1, "EMAIL=b"), rec("web", "b2", 5, "EMAIL=b"), // B: 2 records
		rec("crm", "c1", 4, "EMAIL=c"), rec("web", "c2", 4, "EMAIL=c"), // C: 2 records, younger than B
		rec("crm", "d1", 1, "EMAIL=d"),
	}
	first := resolve(t, base)
	id := func(res *identity.Result, s, k string) string {
		t.Helper()
		p, ok := res.Lookup(ref(s, k))
		if !ok {
			t.Fatalf("record %s/%s not found", s, k)
		}
		return p
	}
	prev := func(r *identity.Result) func(*identity.Options) {
		return func(o *identity.Options) { o.Previous = r.Lookup }
	}
	A, B, C, D := id(first, "crm", "a1"), id(first, "crm", "b1"), id(first, "crm", "c1"), id(first, "crm", "d1")

	t.Run("rerun keeps every id", func(t *testing.T) {
		again := resolve(t, shuffled(base, 3), prev(first))
		if d := cmp.Diff(slices.Collect(first.Assignments()), slices.Collect(again.Assignments())); d != "" {
			t.Errorf("ids changed on an identical rerun:\n%s", d)
		}
		if st := again.Stats(); st.Carried != 4 || st.New+st.Merged+st.Split != 0 {
			t.Errorf("stats = carried %d new %d merged %d split %d", st.Carried, st.New, st.Merged, st.Split)
		}
	})
	t.Run("growth keeps the id, a new person gets a new one", func(t *testing.T) {
		grown := append(slices.Clone(base), rec("calls", "a9", 9, "EMAIL=a"), rec("calls", "z1", 9, "EMAIL=z"))
		res := resolve(t, grown, prev(first))
		if got := id(res, "calls", "a9"); got != A {
			t.Errorf("grown person id changed")
		}
		if z := id(res, "calls", "z1"); z == A || z == B || z == C || z == D {
			t.Errorf("new person reused an id")
		}
	})
	t.Run("merge keeps the larger id", func(t *testing.T) {
		merged := append(slices.Clone(base), rec("calls", "m", 9, "EMAIL=a", "EMAIL=b"))
		res := resolve(t, merged, prev(first))
		if got := id(res, "crm", "b1"); got != A {
			t.Errorf("merged person did not keep the larger person's id")
		}
		want := []identity.Event{{Kind: identity.EventMerged, Person: A, From: B}}
		if d := cmp.Diff(want, res.Events()); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
	})
	t.Run("merge of equal sizes keeps the older id", func(t *testing.T) {
		merged := append(slices.Clone(base), rec("calls", "m", 9, "EMAIL=c", "EMAIL=b"))
		res := resolve(t, merged, prev(first))
		if got := id(res, "crm", "c1"); got != B {
			t.Errorf("merged person did not keep the older person's id")
		}
	})
	t.Run("split: the largest part keeps the id", func(t *testing.T) {
		split := slices.Clone(base)
		split[2] = rec("web", "a3", 3, "EMAIL=a-other") // a3 leaves A
		res := resolve(t, split, prev(first))
		if id(res, "crm", "a1") != A || id(res, "web", "a2") != A {
			t.Errorf("the larger part lost the id")
		}
		a3 := id(res, "web", "a3")
		if a3 == A {
			t.Errorf("the smaller part kept the id")
		}
		want := []identity.Event{{Kind: identity.EventSplit, Person: a3, From: A}}
		if d := cmp.Diff(want, res.Events()); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
	})
	t.Run("new ids do not depend on input order or on other persons", func(t *testing.T) {
		res := resolve(t, shuffled(append(slices.Clone(base), rec("x", "y", 1, "EMAIL=q")), 5))
		if id(res, "crm", "a1") != A || id(res, "crm", "d1") != D {
			t.Errorf("fresh run without Previous changed ids of unchanged persons")
		}
	})
}

func TestStableIDsProperty(t *testing.T) {
	// Random growth: every previous person is either carried (keeps its
	// id) or merged into a larger one; none splits; no two persons share an
	// id; persons made only of new records get new ids.
	recs := genRecords(4, scaled(2000))
	opt := func(o *identity.Options) { o.Rules = testRules[:2] }
	first := resolve(t, recs[:len(recs)*3/4], opt)
	res := resolve(t, shuffled(recs, 8), opt, func(o *identity.Options) { o.Previous = first.Lookup })
	ids := map[string]bool{}
	for p := range res.Persons() {
		if ids[p.ID] {
			t.Fatalf("two persons share an id")
		}
		ids[p.ID] = true
	}
	st := res.Stats()
	// Growth only (rules link more, never fewer): each previous person's
	// records now sit in exactly one person, so no splits.
	if st.Split != 0 {
		t.Errorf("growth produced %d splits", st.Split)
	}
	if st.Carried+st.Merged != first.Stats().Persons {
		t.Errorf("carried %d + merged %d != previous persons %d", st.Carried, st.Merged, first.Stats().Persons)
	}
	if st.Carried+st.New != st.Persons || st.New == 0 || st.Merged == 0 {
		t.Errorf("carried %d + new %d != persons %d (merged %d)", st.Carried, st.New, st.Persons, st.Merged)
	}
	// Every record of a carried person had that id before, or is new.
	for a := range res.Assignments() {
		if old, ok := first.Lookup(a.Record); ok && old != a.Person {
			if _, still := ids[old]; still {
				t.Fatalf("a record moved from a person that still exists")
			}
		}
	}
}

func TestBounds(t *testing.T) {
	recs := []identity.Record{rec("a", "1", 1, "EMAIL=e"), rec("a", "2", 1, "EMAIL=e"), rec("a", "3", 1, "EMAIL=e"), rec("a", "4", 1, "EMAIL=f")}
	base := resolve(t, recs[:2]).Stats()
	for _, tc := range []struct {
		name  string
		b     identity.Bounds
		bound string
	}{
		{"largest", identity.Bounds{MaxLargestCluster: 2}, "MaxLargestCluster"},
		{"rate", identity.Bounds{MaxLinkageRate: 0.5}, "MaxLinkageRate"},
		{"growth", identity.Bounds{Baseline: &base, MaxLargestClusterGrowth: 1.4}, "MaxLargestClusterGrowth"},
		{"rate increase", identity.Bounds{Baseline: &identity.Stats{LinkageRate: 0.5}, MaxLinkageRateIncrease: 0.1}, "MaxLinkageRateIncrease"},
		{"within", identity.Bounds{MaxLargestCluster: 3, MaxLinkageRate: 0.8, Baseline: &base, MaxLargestClusterGrowth: 1.5}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := identity.Resolve(t.Context(), seq(recs), func(o *identity.Options) { o.Bounds = tc.b })
			if res == nil {
				t.Fatalf("no result")
			}
			if tc.bound == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var be *identity.BoundError
			if !errors.Is(err, identity.ErrBoundExceeded) || !errors.As(err, &be) || be.Bound != tc.bound {
				t.Fatalf("err = %v, want bound %s", err, tc.bound)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	boom := errors.New("boom")
	bad := func(yield func(identity.Record, error) bool) {
		if !yield(rec("a", "1", 1), nil) {
			return
		}
		yield(identity.Record{}, boom)
	}
	if _, err := identity.Resolve(t.Context(), bad); !errors.Is(err, boom) {
		t.Errorf("iterator error not in chain: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := identity.Resolve(ctx, seq([]identity.Record{rec("a", "1", 1)})); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	for _, o := range []func(*identity.Options){
		func(o *identity.Options) { o.Rules = []identity.Rule{{Name: "", Kinds: []string{"A"}}} },
		func(o *identity.Options) { o.Rules = []identity.Rule{{Name: "x"}} },
		func(o *identity.Options) { o.Rules = []identity.Rule{{Name: "x", Kinds: []string{"A", "A"}}} },
		func(o *identity.Options) {
			o.Rules = []identity.Rule{{Name: "x", Kinds: []string{"A"}}, {Name: "x", Kinds: []string{"B"}}}
		},
		func(o *identity.Options) { o.Limits = []identity.Limit{{Kind: "A", Max: 0}} },
		func(o *identity.Options) { o.MaxClusterSize = -1 },
		func(o *identity.Options) {
			o.Overrides = []identity.Override{{A: ref("a", "1"), B: ref("a", "2"), Include: true}, {A: ref("a", "2"), B: ref("a", "1")}}
		},
	} {
		_, err := identity.Resolve(t.Context(), seq(nil), o)
		var ie *identity.Error
		if !errors.Is(err, identity.ErrInvalidInput) || !errors.As(err, &ie) {
			t.Errorf("bad options: err = %v", err)
		}
	}
	res := resolve(t, []identity.Record{rec("", "1", 1), rec("a", "", 1), rec("a", "1", 1)})
	if got := res.Rejected(); len(got) != 2 || got[0].Index != 0 || got[1].Index != 1 {
		t.Errorf("rejected = %+v", got)
	}
	if res.Len() != 1 {
		t.Errorf("Len = %d", res.Len())
	}
}

func TestDuplicatesPoolIdentifiers(t *testing.T) {
	recs := []identity.Record{rec("a", "1", 5, "EMAIL=x"), rec("b", "2", 1, "PHONE=p"), rec("a", "1", 2, "PHONE=p")}
	res := resolve(t, recs)
	if d := cmp.Diff([][]string{{"a/1", "b/2"}}, clusters(t, res)); d != "" {
		t.Errorf("clusters:\n%s", d)
	}
	p := slices.Collect(res.Persons())
	if len(p) != 1 || p[0].FirstSeen.Day() != 1 || p[0].LastSeen.Day() != 5 || res.Stats().Duplicates != 1 {
		t.Errorf("persons = %+v dups %d", p, res.Stats().Duplicates)
	}
	if d := cmp.Diff([]string{"a", "b"}, p[0].Sources); d != "" {
		t.Errorf("sources:\n%s", d)
	}
}

// TestDuplicateTimes: a record sent in several rows gets the earliest and
// latest of its rows' times (a row without a time adds none), whatever the
// rows' order, and other records keep their own times.
func TestDuplicateTimes(t *testing.T) {
	untimed := rec("a", "1", 1)
	untimed.Time = time.Time{}
	rows := []identity.Record{rec("a", "1", 3), untimed, rec("a", "1", 1), rec("a", "1", 7)}
	perm := []int{0, 1, 2, 3}
	for range 24 { // every order of the four rows
		recs := []identity.Record{rec("c", "3", 9)}
		for _, i := range perm {
			recs = append(recs, rows[i])
		}
		recs = append(recs, rec("b", "2", 4))
		res := resolve(t, recs)
		got := map[string][2]int{}
		for p := range res.Persons() {
			got[p.Sources[0]] = [2]int{p.FirstSeen.Day(), p.LastSeen.Day()}
		}
		if d := cmp.Diff(map[string][2]int{"a": {1, 7}, "b": {4, 4}, "c": {9, 9}}, got); d != "" {
			t.Errorf("order %v: first and last days by source:\n%s", perm, d)
		}
		nextPerm(perm)
	}
}

// nextPerm steps p to its next permutation in lexicographic order,
// wrapping from the last to the first.
func nextPerm(p []int) {
	i := len(p) - 2
	for i >= 0 && p[i] >= p[i+1] {
		i--
	}
	if i >= 0 {
		j := len(p) - 1
		for p[j] <= p[i] {
			j--
		}
		p[i], p[j] = p[j], p[i]
	}
	slices.Reverse(p[i+1:])
}

var _ iter.Seq2[identity.Record, error] = seq(nil)

func TestLoggerNeverSeesValues(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	recs := genRecords(3, 200)
	res, err := identity.Resolve(t.Context(), seq(recs), guarded, func(o *identity.Options) { o.Logger = log })
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 || res.Stats().Records == 0 {
		t.Fatalf("nothing logged")
	}
	out := buf.String()
	for i, r := range recs {
		for _, id := range r.Identifiers {
			if len(id.Value) > 3 && strings.Contains(out, id.Value) {
				t.Fatalf("log holds an identifier value of record %d (kind %s)", i, id.Kind)
			}
		}
	}
}

// TestPipelinedIngestMatchesDirect: with Concurrency >= 2 ingest hands the
// record and bucket stores to a second goroutine in batches of 4096, and
// samples the records of blocked values once they are stored (keeping
// candidates pruned by record hash meanwhile); the result must be exactly
// the one-goroutine result.
func TestPipelinedIngestMatchesDirect(t *testing.T) {
	recs := genRecords(5, scaled(3000))
	// Every row sent again: hash ties among a blocked value's candidates.
	// (Not scaled down: a blocked value needs more than 256 rows for
	// candidates to be pruned.)
	resent := genRecords(5, 3000)
	resent = append(resent, resent...)
	for _, tc := range []struct {
		name string
		opts []func(*identity.Options)
		recs []identity.Record
	}{
		{"re-sent rows, all guards", []func(*identity.Options){guarded}, resent},
		{"re-sent rows, split", []func(*identity.Options){guarded, identity.WithSplitGroupMin(1)}, resent},
		{"default rules", nil, nil},
		{"rules", []func(*identity.Options){func(o *identity.Options) { o.Rules = testRules }}, nil},
		{"all guards", []func(*identity.Options){guarded}, nil},
		{"all guards, 4-bit keys", []func(*identity.Options){guarded, identity.WithKeyBits(4)}, nil},
		// Rules grouped in two halves on two goroutines.
		{"split groups", []func(*identity.Options){identity.WithSplitGroupMin(1)}, nil},
		{"split groups, all guards", []func(*identity.Options){guarded, identity.WithSplitGroupMin(1)}, nil},
		{"split groups, all guards, 4-bit keys", []func(*identity.Options){guarded, identity.WithKeyBits(4), identity.WithSplitGroupMin(1)}, nil},
		{"split groups, 12-bit keys", []func(*identity.Options){func(o *identity.Options) { o.Rules = testRules }, identity.WithKeyBits(12), identity.WithSplitGroupMin(1)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := recs
			if tc.recs != nil {
				recs = tc.recs
			}
			one := func(o *identity.Options) { o.Concurrency = 1 }
			want := snap(resolve(t, recs, append(tc.opts, one)...))
			sampled := 0
			for _, a := range want.Audits {
				if a.Guard == identity.GuardBlocked && a.Count > 256 {
					sampled += len(a.Records)
				}
			}
			if tc.recs != nil && sampled == 0 {
				t.Fatal("no blocked value with more than 256 records sampled: the test does not exercise pruning")
			}
			for _, c := range []int{2, 4} {
				got := snap(resolve(t, recs, append(tc.opts, func(o *identity.Options) { o.Concurrency = c })...))
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("Concurrency %d: result differs from one goroutine (%d lines of diff)", c, strings.Count(d, "\n"))
				}
			}
		})
	}
}

// TestManySourcesOrderIndependence: more sources than ingest's cache of
// recent sources (8), interleaved, give the same result in any order and
// keep every record's source.
func TestManySourcesOrderIndependence(t *testing.T) {
	recs := genRecords(11, scaled(2000))
	for i := range recs {
		recs[i].Source = "src" + strconv.Itoa(i*7%23)
	}
	want := snap(resolve(t, recs, func(o *identity.Options) { o.Rules = testRules }))
	for seed := range uint64(2) {
		got := snap(resolve(t, shuffled(recs, seed), func(o *identity.Options) { o.Rules = testRules }))
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("seed %d: result depends on input order with 23 sources", seed)
		}
	}
	res := resolve(t, recs, func(o *identity.Options) { o.Rules = testRules })
	for i, r := range recs[:200] {
		if _, ok := res.Lookup(identity.RecordRef{Source: r.Source, Key: r.Key}); !ok {
			t.Fatalf("record %d not found under its source", i)
		}
	}
}
