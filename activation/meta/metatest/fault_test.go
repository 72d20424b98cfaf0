package metatest_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

func TestRandomPlan(t *testing.T) {
	kinds := []metatest.Fault{{Kind: metatest.Reset}, {Kind: metatest.HTML}, {Kind: metatest.Throttle}}
	a, b := metatest.Random(42, 0.3, kinds...), metatest.Random(42, 0.3, kinds...)
	other := metatest.Random(43, 0.3, kinds...)
	const n = 10_000
	failed, differs := 0, 0
	seen := map[metatest.FaultKind]int{}
	for i := range n {
		fa := a(i)
		if fa != b(i) {
			t.Fatalf("request %d: same seed, different faults", i)
		}
		if fa != other(i) {
			differs++
		}
		if fa.Kind != metatest.NoFault {
			failed++
			seen[fa.Kind]++
		}
	}
	if failed < n*27/100 || failed > n*33/100 {
		t.Errorf("%d of %d requests faulted, want about 30%%", failed, n)
	}
	if len(seen) != len(kinds) {
		t.Errorf("kinds used: %v", seen)
	}
	if differs == 0 {
		t.Error("different seeds gave the same plan")
	}
	if metatest.Random(1, 1)(0).Kind != metatest.NoFault {
		t.Error("a plan without kinds injected a fault")
	}
	s := metatest.Script(metatest.Fault{Kind: metatest.HTML})
	if s(0).Kind != metatest.HTML || s(1).Kind != metatest.NoFault {
		t.Error("Script does not follow its list")
	}
}
