package identity

import "testing"

// TestGrow: grow keeps the contents, leaves room for what was asked, and
// doubles the capacity when it moves.
func TestGrow(t *testing.T) {
	var s []uint32
	for i := range uint32(100_000) {
		if len(s) == cap(s) {
			c := cap(s)
			s = grow(false, s, 1)
			if cap(s) < 2*c || cap(s) < 64 {
				t.Fatalf("grew from %d to %d", c, cap(s))
			}
		}
		s = append(s, i)
	}
	for i, x := range s {
		if x != uint32(i) {
			t.Fatalf("element %d changed", i)
		}
	}
	if g := grow(false, s[:10], 5); &g[0] != &s[0] {
		t.Error("grow moved a slice with room")
	}
	if g := grow(false, s, 1<<20); cap(g)-len(g) < 1<<20 {
		t.Error("grow left less room than asked")
	}
}
