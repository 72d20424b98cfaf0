package meta_test

import (
	"encoding/json"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/google/go-cmp/cmp"
)

func hashCell(t *testing.T, k hashing.Key, v string) hashing.Cell {
	t.Helper()
	c, err := hashing.HashCell(k, v)
	if err != nil {
		t.Fatalf("HashCell(%s): %v", k, err)
	}
	return c
}

// Unhashed keys go on the wire as hashing normalized them: EXTERN_ID and
// MADID as JSON strings (escaped), LOOKALIKE_VALUE as a JSON number.
func TestUnhashedKeysOnTheWire(t *testing.T) {
	schema := meta.Schema{hashing.ExternID, hashing.MobileAdID, hashing.Email, hashing.LookalikeValue}
	cells := []hashing.Cell{
		hashCell(t, hashing.ExternID, `crm "7"\x é`), hashCell(t, hashing.MobileAdID, "AB12CD34-0000-1111-2222-333344445555"),
		hashCell(t, hashing.Email, "ana@example.com"), hashCell(t, hashing.LookalikeValue, "44.5"),
		hashCell(t, hashing.ExternID, "crm-8"), hashing.Missing(hashing.MobileAdID),
		hashing.Missing(hashing.Email), hashCell(t, hashing.LookalikeValue, "140"),
	}
	srv, c := capture(t, 200, `{"num_received":2}`, nil)
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
	req := &meta.UsersRequest{Schema: schema, Cells: cells, Session: meta.Session{ID: 1, BatchSeq: 1}}
	if _, err := client.UpdateUsers(t.Context(), meta.Add, "5", req); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Payload struct {
			Data [][]any `json:"data"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	want := [][]any{
		{`crm "7"\x é`, "ab12cd34-0000-1111-2222-333344445555", cells[2].Value(), 44.5},
		{"crm-8", "", "", 140.0},
	}
	if !cmp.Equal(want, body.Payload.Data) {
		t.Error("wire rows differ from the cells (values not printed)")
	}
}

// A value-based audience takes rows with LOOKALIKE_VALUE end to end.
func TestValueBasedAudience(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	client := srv.Client()
	aud, err := client.CreateAudience(t.Context(), "act_1", meta.AudienceSpec{Name: "ltv", ValueBased: true})
	if err != nil {
		t.Fatal(err)
	}
	schema := meta.Schema{hashing.Email, hashing.LookalikeValue}
	rowsIn := [][]hashing.Cell{
		{hashCell(t, hashing.Email, "ana@example.com"), hashCell(t, hashing.LookalikeValue, "44.5")},
		{hashCell(t, hashing.Email, "bo@example.com"), hashCell(t, hashing.LookalikeValue, "0")},
	}
	res, err := meta.NewUploader(client).Add(t.Context(), aud, schema, meta.Rows(rowsIn))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSent != 2 || res.NumInvalidEntries != 0 || srv.Graph().Model.Size(aud) != 2 {
		t.Errorf("sent %d, invalid %d, members %d", res.RowsSent, res.NumInvalidEntries, srv.Graph().Model.Size(aud))
	}
	if !srv.Graph().Model.Contains(aud, rowsIn[0]) {
		t.Error("row 0 missing")
	}
	// Without the value column the value-based audience refuses the upload.
	_, err = meta.NewUploader(client).Add(t.Context(), aud, meta.Schema{hashing.Email}, meta.Rows([][]hashing.Cell{{rowsIn[0][0]}}))
	if err == nil {
		t.Error("value-based audience accepted rows without LOOKALIKE_VALUE")
	}
}
