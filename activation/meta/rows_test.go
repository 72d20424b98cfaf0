package meta_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

// profileRow is a curated-zone row holding digests.
type profileRow struct {
	PersonID string  `parquet:"person_id"`
	Email    string  `parquet:"email_sha256"`
	Phone    *string `parquet:"phone_sha256,optional"`
	Country  string  `parquet:"country_sha256"`
}

// A curated dataset of digests uploads without a hand-written adapter.
func TestDigestRowsFromDataset(t *testing.T) {
	ctx := t.Context()
	store := zonestest.New(t)
	d, err := dataset.New[profileRow](store, zones.Curated, "segment")
	if err != nil {
		t.Fatal(err)
	}
	var rows []profileRow
	for i := range 25 {
		r := profileRow{PersonID: string(rune('a' + i)), Email: digest("d", i, hashing.Email), Country: digest("d", i, hashing.Country)}
		if i%2 == 0 {
			p := digest("d", i, hashing.Phone)
			r.Phone = &p
		}
		if i == 3 {
			r.Email = "not-a-digest"
		}
		rows = append(rows, r)
	}
	if _, err := d.Write(ctx, "profiles", dataset.Slice(rows)); err != nil {
		t.Fatal(err)
	}
	graph := metatest.NewGraph()
	aud := graph.Model.AddAudience()
	schema := meta.Schema{hashing.Email, hashing.Phone, hashing.Country}
	cols := map[hashing.Key]string{hashing.Email: "email_sha256", hashing.Phone: "phone_sha256", hashing.Country: "country_sha256"}
	var reported []int
	report := func(row int, errs []*hashing.Error) {
		if len(errs) != 1 || errs[0].Key != hashing.Email || errs[0].Reason != hashing.ReasonBadDigest {
			t.Errorf("row %d: errors %v", row, errs)
		}
		reported = append(reported, row)
	}
	res, err := meta.NewUploader(graph, fast, func(o *meta.Options) { o.BatchSize = 10 }).Add(ctx, aud, schema, meta.DigestRows(schema, d.Rows(ctx), cols, report))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSent != 25 || len(reported) != 1 || reported[0] != 4 {
		t.Fatalf("sent %d rows, reported rows %v", res.RowsSent, reported)
	}
	for i, r := range rows {
		want := []hashing.Cell{hashing.Missing(hashing.Email), hashing.Missing(hashing.Phone), digestCell(t, hashing.Country, r.Country)}
		if i != 3 {
			want[0] = digestCell(t, hashing.Email, r.Email)
		}
		if r.Phone != nil {
			want[1] = digestCell(t, hashing.Phone, *r.Phone)
		}
		if !graph.Model.Contains(aud, want) {
			t.Errorf("row %d is not in the audience", i)
		}
	}
	// The same digests in bulk, and a slice of rows.
	bulk := make([][]string, len(rows))
	for i, r := range rows {
		p := ""
		if r.Phone != nil {
			p = *r.Phone
		}
		bulk[i] = []string{r.Email, p, r.Country}
	}
	var cells [][]hashing.Cell
	for c, err := range meta.Digests(schema, bulk, nil) {
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, c)
	}
	aud2 := graph.Model.AddAudience()
	if res, err := meta.NewUploader(graph, fast).Add(ctx, aud2, schema, meta.Rows(cells)); err != nil || res.RowsSent != 25 {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	if graph.Model.Size(aud2) != graph.Model.Size(aud) {
		t.Errorf("bulk audience has %d members, dataset one %d", graph.Model.Size(aud2), graph.Model.Size(aud))
	}
	for _, err := range meta.Digests(schema, [][]string{{"x"}}, nil) {
		if !errors.Is(err, meta.ErrInvalidInput) {
			t.Errorf("short row: %v", err)
		}
	}
	for _, err := range meta.DigestRows(schema, dataset.Slice(rows), map[hashing.Key]string{hashing.Email: "nope"}, nil) {
		if !errors.Is(err, meta.ErrInvalidInput) {
			t.Errorf("unknown column: %v", err)
		}
	}
}

func digestCell(t *testing.T, k hashing.Key, d string) hashing.Cell {
	t.Helper()
	c, err := hashing.CellFromDigest(k, d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A curated dataset of digests is uploaded as it is read, with the upload's
// checkpoint kept in the lake, so a stopped upload resumes on any backend.
func ExampleDigestRows() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	type member struct {
		PersonID string `parquet:"person_id"`
		Email    string `parquet:"email_sha256"`
	}
	seg, _ := dataset.New[member](store, zones.Curated, "segment")
	if _, err := seg.Write(ctx, "profiles", dataset.Slice([]member{
		{"p1", cell(hashing.Email, "ann@example.com").Value()},
		{"p2", cell(hashing.Email, "bob@example.com").Value()},
	})); err != nil {
		fmt.Println(err)
		return
	}
	graph := metatest.NewGraph()
	audience := graph.Model.AddAudience()
	schema := meta.Schema{hashing.Email}
	up := meta.NewUploader(graph, func(o *meta.Options) {
		o.Checkpoint = meta.NewStoreCheckpoint(store, zones.Curated, "_checkpoints/meta")
	})
	rows := meta.DigestRows(schema, seg.Rows(ctx), map[hashing.Key]string{hashing.Email: "email_sha256"}, nil)
	res, err := up.Replace(ctx, audience, schema, rows)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.RowsSent, "rows sent; audience size", graph.Model.Size(audience))
	// Output:
	// 2 rows sent; audience size 2
}
