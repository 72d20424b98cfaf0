package metatest_test

import (
	"errors"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
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

// FailAfterApply applies the batch and then fails it, on both fakes.
func TestFailAfterApply(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	rec := metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = srv.Graph().Model })
	for name, api := range map[string]interface {
		meta.AudienceAPI
		SetFaults(metatest.FaultPlan)
	}{"server": &serverAPI{srv, srv.Client()}, "recorder": rec} {
		aud := srv.Graph().Model.AddAudience()
		api.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.FailAfterApply}))
		c, err := hashing.CellFromDigest(hashing.Email, h(name))
		if err != nil {
			t.Fatal(err)
		}
		req := &meta.UsersRequest{Schema: meta.Schema{hashing.Email}, Cells: []hashing.Cell{c}, Session: meta.Session{ID: 9, BatchSeq: 1}}
		if _, err := api.UpdateUsers(t.Context(), meta.Add, aud, req); !errors.Is(err, meta.ErrTransient) {
			t.Errorf("%s: got %v, want a transient error", name, err)
		}
		if srv.Graph().Model.Size(aud) != 1 {
			t.Errorf("%s: batch not applied", name)
		}
		for _, b := range srv.Graph().Model.Batches() {
			if b.Audience == aud && (b.Applied != 1 || b.Dropped != 1) {
				t.Errorf("%s: applied %d dropped %d, want 1 and 1", name, b.Applied, b.Dropped)
			}
		}
	}
}

type serverAPI struct {
	*metatest.GraphServer
	*meta.Client
}
