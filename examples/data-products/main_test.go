package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 { // the second run reads the spec files the first wrote
		var out bytes.Buffer
		if err := run(t.Context(), dir, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		for _, want := range []string{
			"shared.sales_orders.amount: readable\n",
			"shared.sales_orders.customer_email_sha256: not readable (access denied)\n",
			"shared.marketing_campaigns.clicks: readable, rows where region = 'emea'\n",
			"shared.marketing_campaigns.budget: not readable (access denied)\n",
			"table sales.orders: [DESCRIBE SELECT] columns amount,country,dt,order_id, all rows (via tables tagged confidentiality=public;domain=sales)\n",
			"accept the pending invitation",
			"rerun writes: 0 (services counted 0)\n",
			"== product campaign-performance retired; no opt-in: orphans listed, nothing removed\norphan database marketing (product campaign-performance): no longer in the spec\n",
			"  with Options.PruneData: delete database marketing\n",
			"orphan resource link shared.marketing_campaigns: no longer in the spec\n",
			"writes: 0\nthe analyst reads: marketing.campaigns, sales.orders\n",
			"delete resource link shared.marketing_campaigns: the link is no longer in the spec\n",
			"writes: 5\nthe analyst reads: sales.orders\n",
			"delete database marketing: product campaign-performance is no longer in the spec (PruneData)\n",
			"== rerun after pruning\nrerun writes: 0 (services counted 0)\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, out.String())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "effective-permissions.json")); err != nil {
		t.Fatal(err)
	}
}

// An edited spec file is read, not overwritten by the defaults.
func TestEditedSpecIsKept(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(t.Context(), dir, &out); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "marketing.json")
	b, _ := os.ReadFile(p)
	edited := strings.Replace(string(b), `"ExcludedColumns": ["budget"]`, `"ExcludedColumns": ["budget", "clicks"]`, 1)
	if edited == string(b) {
		t.Fatal("spec layout changed; update the test")
	}
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t.Context(), dir, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "shared.marketing_campaigns.clicks: not readable") {
		t.Fatalf("edit ignored:\n%s", out.String())
	}
}

func TestBadSpecIsReported(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "consumer.json"), []byte(`{"CatalogID": "222222222222", "Linkz": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), dir, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "consumer.json") {
		t.Fatalf("got %v", err)
	}
}
