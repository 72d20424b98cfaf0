package identity

import (
	"slices"
	"testing"
)

// TestLimitState: a root's distinct values, kept inline while it has one
// and in the map from two on, whatever the order and repeats they come in;
// clear empties a root, and the largest value id stays representable.
func TestLimitState(t *testing.T) {
	l := &limitState{one: make([]uint32, 4), more: map[uint32][]uint32{}}
	var buf [1]uint32
	got := func(root uint32) []uint32 {
		v := slices.Clone(l.values(root, &buf))
		slices.Sort(v)
		return v
	}
	if v := got(0); v != nil {
		t.Fatalf("empty root has values %v", v)
	}
	for _, v := range []uint32{7, 7, 3, 7, 9, 3, 0} {
		l.add(1, v)
	}
	if v := got(1); !slices.Equal(v, []uint32{0, 3, 7, 9}) {
		t.Errorf("root 1 values = %v, want [0 3 7 9]", v)
	}
	l.add(2, 5)
	l.add(2, 5)
	if v := got(2); !slices.Equal(v, []uint32{5}) {
		t.Errorf("root 2 values = %v, want [5]", v)
	}
	l.clear(1)
	l.clear(2)
	if v1, v2 := got(1), got(2); v1 != nil || v2 != nil || len(l.more) != 0 {
		t.Errorf("after clear: %v %v, %d roots in the map", v1, v2, len(l.more))
	}
	l.add(3, inMore-2) // the largest value id
	if v := got(3); !slices.Equal(v, []uint32{inMore - 2}) {
		t.Errorf("root 3 values = %v", v)
	}
}

// TestPruneAmortized: with the ingest pipe, a blocked value's candidates
// are pruned to the five smallest record hashes; rows of those records
// are all kept, so when one record repeats, pruning waits for the list to
// double instead of sorting it on every row.
func TestPruneAmortized(t *testing.T) {
	r := &resolver{pipe: &addPipe{}}
	h := &blockHit{}
	r.curHash = 42
	const rows = 20_000
	prunes, last := 0, 0
	for i := range uint32(rows) {
		r.sampleLater(h, i)
		if h.pruneAt != last {
			prunes++
			last = h.pruneAt
		}
	}
	if len(h.pend) != rows {
		t.Fatalf("kept %d of one record's %d rows", len(h.pend), rows)
	}
	if prunes > 8 || h.pruneAt < rows/2 { // at 256, 512, ... 16384: 7
		t.Errorf("%d prunes for %d rows of one record, next at %d", prunes, rows, h.pruneAt)
	}
	// Distinct hashes, largest first: only the five smallest survive.
	r = &resolver{pipe: &addPipe{}}
	h = &blockHit{}
	for i := range uint32(1000) {
		r.curHash = uint64(1000 - i)
		r.sampleLater(h, i)
	}
	h.prune()
	var got []uint64
	for _, c := range h.pend {
		got = append(got, c.hash)
	}
	if !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Errorf("kept hashes %v, want the five smallest", got)
	}
}
