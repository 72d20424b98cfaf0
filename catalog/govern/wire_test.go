package govern_test

import (
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
