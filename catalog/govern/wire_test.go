package govern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

// The same flow through real *lakeformation.Client and *ram.Client values
// talking to the wire server: SDK serialisation, error decoding (the
// "Tag key already exists" answer, 200-with-Failures bodies) in the loop.
func TestOverTheWire(t *testing.T) {
	w := newWorld(t)
	srv := catalogtest.NewLakeFormationServer(w.lf)
	t.Cleanup(srv.Close)
	g := govern.New(srv.Client(), w.glue, noWait)
	mustApply(t, g, centralSpec())
	cons := govern.New(srv.ClientFor(consumer), w.consGlue, noWait, func(o *govern.Options) { o.RAM = srv.RAMClient(consumer) })
	mustApply(t, cons, consumerSpec())
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "budget"); !isAccessDenied(err) {
		t.Fatalf("excluded column: %v", err)
	}
	before := w.writes()
	for _, run := range []struct {
		g    *govern.Governor
		spec govern.Spec
	}{{g, centralSpec()}, {cons, consumerSpec()}} {
		if p, r := mustApply(t, run.g, run.spec); p.Changes() != 0 || r.Writes != 0 {
			t.Fatalf("rerun over the wire:\n%s", p)
		}
	}
	if w.writes() != before {
		t.Fatal("rerun wrote")
	}
	a, err := g.Effective(t.Context(), central, analyst)
	if err != nil || len(a.Tables) != 2 {
		t.Fatalf("effective over the wire: %+v %v", a, err)
	}
}

// Marks, conflicts and pruning through real *glue.Client and
// *lakeformation.Client values on the wire servers: parameters survive the
// SDK's serialisation, UpdateDatabase and DeleteDatabase go over the wire.
func TestPruneOverTheWire(t *testing.T) {
	w := newWorld(t)
	lfSrv := catalogtest.NewLakeFormationServer(w.lf)
	t.Cleanup(lfSrv.Close)
	glueSrv := catalogtest.NewGlueServer(w.glue)
	t.Cleanup(glueSrv.Close)
	g := govern.New(lfSrv.Client(), glueSrv.Client(), noWait)
	mustApply(t, g, centralSpec())
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	mustApply(t, cons, consumerSpec())

	// Taken over by another spec meanwhile: a conflict.
	other := centralSpec()
	other.Name = "other"
	other.Products = other.Products[1:]
	other.Products[0].Adopt = true
	if p, _ := mustApply(t, g, other); !strings.Contains(p.String(), "update database marketing: adopt (exists, marked as spec default's)") {
		t.Fatalf("adopt over the wire:\n%s", p)
	}
	p := mustPlan(t, g, centralSpec())
	if p.Count(govern.Conflict) != 1 || !strings.Contains(p.String(), "conflict database marketing: exists and is marked as spec other's") {
		t.Fatalf("plan:\n%s", p)
	}
	if _, err := g.Apply(t.Context(), p); !errors.Is(err, govern.ErrConflict) {
		t.Fatalf("apply: %v", err)
	}

	// The other spec drops it and prunes everything.
	other.Products = nil
	p = mustPlan(t, g, other)
	if p.Changes() != 0 || len(p.Orphans) != 1 {
		t.Fatalf("plan:\n%s", p)
	}
	p, _ = mustApply(t, g, other, pruneData)
	if p.Count(govern.Delete) != 6 || w.glue.Database("marketing") != nil {
		t.Fatalf("plan:\n%s", p)
	}
	if _, err := w.cons.Select(t.Context(), analyst, "shared", "campaigns", "clicks"); err == nil {
		t.Fatal("pruned product still readable")
	}
	before := w.writes()
	if p, r := mustApply(t, g, other, pruneData); p.Changes() != 0 || r.Writes != 0 || len(p.Orphans) != 0 || w.writes() != before {
		t.Fatalf("rerun over the wire:\n%s", p)
	}
}
