package c3r

import (
	"bytes"
	"os"
	"testing"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func TestPublishRerunAndCatalog(t *testing.T) {
	ctx := t.Context()
	clear, _ := os.ReadFile("testdata/data_sample_without_quotes.csv")
	cfg, _ := os.ReadFile("testdata/config_sample.json")
	schema, _ := ParseSchema(cfg)
	store := zones.New(memzone.New())
	e, err := NewEncryptor(sampleSecret(t), sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	if err != nil {
		t.Fatal(err)
	}
	src := bytes.NewReader(clear)
	p1, err := e.Publish(ctx, store, "c3r/customers", Input{CSV, src, int64(len(clear))}, CSV, schema)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Unchanged || p1.Stats.Rows != 7 {
		t.Fatalf("first run: %+v", p1)
	}
	// Rerun: nothing written.
	p2, err := e.Publish(ctx, store, "c3r/customers", Input{CSV, src, int64(len(clear))}, CSV, schema)
	if err != nil {
		t.Fatal(err)
	}
	if !p2.Unchanged || p2.Object.Key != p1.Object.Key || p2.Stats.Rows != 7 {
		t.Fatalf("rerun: %+v", p2)
	}
	// Another setting (here: the keys, by a new secret) replaces the file.
	other := make([]byte, 32)
	sec, _ := NewSecret(other)
	e2, _ := NewEncryptor(sec, sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	p3, err := e2.Publish(ctx, store, "c3r/customers", Input{CSV, src, int64(len(clear))}, CSV, schema)
	if err != nil {
		t.Fatal(err)
	}
	if p3.Unchanged || p3.Object.Key == p1.Object.Key || len(p3.Removed) != 2 {
		t.Fatalf("changed run: unchanged=%v removed=%v", p3.Unchanged, p3.Removed)
	}
	var keys []string
	for o, err := range store.Objects(ctx, zones.Clean, "c3r/customers/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	if len(keys) != 2 {
		t.Errorf("clean zone holds %v, want one file and one manifest", keys)
	}
	// The published file decrypts with the new keys.
	rc, err := store.Get(ctx, zones.Clean, p3.Object.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	d, _ := NewDecryptor(sec, sampleSalt)
	var dec bytes.Buffer
	if st, err := d.DecryptCSV(ctx, &dec, rc); err != nil || st.Rows != 7 {
		t.Fatalf("decrypt published: %v rows=%d", err, st.Rows)
	}

	// Describe it for Glue.
	reg := catalog.New(catalogtest.NewGlue())
	if _, err := reg.EnsureDatabase(ctx, catalog.Database{Name: "collab"}); err != nil {
		t.Fatal(err)
	}
	cs := CatalogSchema(p3.Stats.Output, "s3://bucket/clean/c3r/customers")
	if _, err := reg.EnsureTable(ctx, "collab", "customers", cs); err != nil {
		t.Fatal(err)
	}
	if len(cs.Columns) != len(schema.Columns) || cs.Columns[2].Comment != "c3r sealed" || cs.Columns[4].Comment != "c3r fingerprint" {
		t.Errorf("catalog columns %+v", cs.Columns)
	}
}
