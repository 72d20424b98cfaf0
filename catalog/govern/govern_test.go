package govern_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

func TestApplyThenRerunMakesNoWrites(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	p, r := mustApply(t, g, centralSpec())
	if p.Changes() == 0 || r.Writes == 0 {
		t.Fatalf("first apply did nothing: %d changes, %d writes", p.Changes(), r.Writes)
	}
	before := w.writes()
	p2, r2 := mustApply(t, g, centralSpec())
	if p2.Changes() != 0 || r2.Writes != 0 || w.writes() != before {
		t.Fatalf("rerun: %d changes, %d writes (fakes counted %d):\n%s", p2.Changes(), r2.Writes, w.writes()-before, p2)
	}
}

func TestCrossAccountRoleReadsGrantedColumnsOnly(t *testing.T) {
	w := newWorld(t)
	mustApply(t, govern.New(w.lf, w.glue, noWait), centralSpec())
	cons := govern.New(w.cons, w.consGlue, noWait, func(o *govern.Options) { o.RAM = w.cons.RAM() })
	p, _ := mustApply(t, cons, consumerSpec())
	if p.Count(govern.Create) == 0 || !strings.Contains(p.String(), "accept the pending invitation") {
		t.Fatalf("consumer plan did not accept the share:\n%s", p)
	}
	ctx := t.Context()
	// Tag-based access: every column tagged public, not the PII one.
	sel, err := w.cons.Select(ctx, analyst, "shared", "sales_orders", "order_id", "amount", "country")
	if err != nil {
		t.Fatalf("granted columns: %v", err)
	}
	if len(sel.RowFilters) != 0 || sel.CatalogID != central {
		t.Fatalf("selection %+v", sel)
	}
	if _, err := w.cons.Select(ctx, analyst, "shared", "sales_orders", "customer_email"); !isAccessDenied(err) {
		t.Fatalf("PII column readable: %v", err)
	}
	// Column-filtered access with a row filter.
	sel, err = w.cons.Select(ctx, analyst, "shared", "campaigns", "campaign_id", "clicks")
	if err != nil {
		t.Fatalf("filtered columns: %v", err)
	}
	if !slices.Equal(sel.RowFilters, []string{"region = 'emea'"}) {
		t.Fatalf("row filters %v", sel.RowFilters)
	}
	if _, err := w.cons.Select(ctx, analyst, "shared", "campaigns", "budget"); !isAccessDenied(err) {
		t.Fatalf("excluded column readable: %v", err)
	}
	// Another role of the consumer account has nothing.
	if _, err := w.cons.Select(ctx, "arn:aws:iam::222222222222:role/other", "shared", "campaigns", "clicks"); !isAccessDenied(err) {
		t.Fatalf("ungranted role reads: %v", err)
	}
	// A rerun of the consumer spec writes nothing.
	before := w.writes()
	p, r := mustApply(t, cons, consumerSpec())
	if p.Changes() != 0 || r.Writes != 0 || w.writes() != before {
		t.Fatalf("consumer rerun: %d changes, %d writes:\n%s", p.Changes(), r.Writes, p)
	}
}

func isAccessDenied(err error) bool {
	return err != nil && strings.Contains(err.Error(), "AccessDenied")
}

func TestInvalidSpecIsTyped(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	s := centralSpec()
	s.Products[1].Grants[1].Permissions = describe // filters grant SELECT only
	_, err := g.Plan(t.Context(), s)
	var se *govern.SpecError
	if !errors.As(err, &se) || !errors.Is(err, cdpkit.ErrInvalid) || !errors.Is(err, govern.ErrInvalid) {
		t.Fatalf("got %v", err)
	}
	if w.lf.Writes() != 0 || len(w.lf.Calls()) != 0 {
		t.Fatal("an invalid spec reached the service")
	}
}
