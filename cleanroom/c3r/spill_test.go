package c3r

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"slices"
	"testing"
)

// TestSpillerSorts: whatever the budget (in memory, spilled, split again
// and again), every record comes back once, in byte order.
func TestSpillerSorts(t *testing.T) {
	n := 12000
	if testing.Short() {
		n = 4000
	}
	var recs [][]byte
	for i := range n {
		r := make([]byte, 32+i%40)
		if i%3 == 0 {
			r = make([]byte, 100)
		}
		rand.Read(r)
		if i%3 == 0 { // shared prefixes (over 64 KiB of them) force splits at deeper bytes
			copy(r, "shared-prefix-0123456789")
		}
		recs = append(recs, r)
	}
	recs = append(recs, slices.Clone(recs[10])) // a duplicate stays
	want := slices.Clone(recs)
	slices.SortFunc(want, bytes.Compare)
	for _, budget := range []int64{1 << 30, 32 << 10, 1} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			s := newSpiller(t.TempDir(), "t", budget)
			defer s.close()
			for _, r := range recs {
				if err := s.add(r); err != nil {
					t.Fatal(err)
				}
			}
			var got [][]byte
			if err := s.each(func(r []byte) error { got = append(got, slices.Clone(r)); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, bytes.Equal) {
				t.Errorf("%d records back, not the sorted input", len(got))
			}
		})
	}
}
