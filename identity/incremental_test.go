package identity_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func incremental(o *identity.Options) { o.Incremental = true }

func TestAddEqualsFullResolve(t *testing.T) {
	recs := genRecords(11, 3000)
	if testing.Short() {
		recs = recs[:1000]
	}
	// The second batch re-sends some records of the first (more
	// identifiers for the same source and key) and adds rejected rows.
	resent := slices.Clone(recs[100:120])
	for i := range resent {
		resent[i].Identifiers = []identity.Identifier{{Kind: "PHONE", Value: digest("resent")}}
	}
	n1, n2 := len(recs)*2/3, len(recs)*13/15
	batch2 := append(slices.Clone(recs[n1:n2]), resent...)
	batch2 = append(batch2, identity.Record{Source: "", Key: "x"})
	batch3 := recs[n2:]
	for _, tc := range []struct {
		name string
		opts []func(*identity.Options)
	}{
		{"default rules", nil},
		{"rules", []func(*identity.Options){func(o *identity.Options) { o.Rules = testRules }}},
		{"all guards", []func(*identity.Options){guarded}},
		{"all guards, 4-bit keys", []func(*identity.Options){guarded, identity.WithKeyBits(4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append(slices.Clone(tc.opts), incremental)
			first := resolve(t, recs[:n1], opts...)
			added, err := first.Add(t.Context(), seq(batch2))
			if err != nil {
				t.Fatal(err)
			}
			all := slices.Concat(recs[:n1], batch2)
			full := resolve(t, all, append(slices.Clone(opts), func(o *identity.Options) { o.Previous = first.Lookup })...)
			if d := cmp.Diff(snap(full), snap(added), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("Add differs from a full run (%d lines of diff)", strings.Count(d, "\n"))
			}
			if d := cmp.Diff(full.Rejected(), added.Rejected()); d != "" {
				t.Errorf("rejections differ:\n%s", d)
			}
			// And again, on top of the added result.
			again, err := added.Add(t.Context(), seq(batch3))
			if err != nil {
				t.Fatal(err)
			}
			full2 := resolve(t, slices.Concat(all, batch3), append(slices.Clone(opts), func(o *identity.Options) { o.Previous = added.Lookup })...)
			if d := cmp.Diff(snap(full2), snap(again), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("second Add differs from a full run (%d lines of diff)", strings.Count(d, "\n"))
			}
			// The first results are unchanged by the Adds.
			if d := cmp.Diff(snap(first), snap(resolve(t, recs[:n1], opts...)), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Add changed the result it extended")
			}
		})
	}
}

func TestAddKeepsIDs(t *testing.T) {
	first := resolve(t, []identity.Record{rec("crm", "1", 1, "EMAIL=a"), rec("crm", "2", 1, "EMAIL=b")}, incremental)
	a, _ := first.Lookup(ref("crm", "1"))
	b, _ := first.Lookup(ref("crm", "2"))
	next, err := first.Add(t.Context(), seq([]identity.Record{rec("web", "9", 2, "EMAIL=a", "EMAIL=b"), rec("web", "8", 2, "EMAIL=a")}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := next.Lookup(ref("web", "9"))
	if got != a && got != b {
		t.Errorf("merged person got a new id")
	}
	if st := next.Stats(); st.Merged != 1 || st.Persons != 1 || st.Records != 4 {
		t.Errorf("stats: merged %d persons %d records %d", st.Merged, st.Persons, st.Records)
	}
}

func TestAddErrors(t *testing.T) {
	plain := resolve(t, []identity.Record{rec("a", "1", 1, "EMAIL=x")})
	if _, err := plain.Add(t.Context(), seq(nil)); !errors.Is(err, identity.ErrInvalidInput) {
		t.Errorf("Add on a non-incremental result: %v", err)
	}
	inc := resolve(t, []identity.Record{rec("a", "1", 1, "EMAIL=x")}, incremental)
	_, err := inc.Add(t.Context(), seq(nil), func(o *identity.Options) { o.MaxClusterSize = 3 })
	if !errors.Is(err, identity.ErrInvalidInput) {
		t.Errorf("Add changing guards: %v", err)
	}
	if _, err := inc.Add(t.Context(), seq(nil), func(o *identity.Options) {
		o.Bounds = identity.Bounds{MaxLargestCluster: 5}
	}); err != nil {
		t.Errorf("Add changing bounds: %v", err)
	}
}
