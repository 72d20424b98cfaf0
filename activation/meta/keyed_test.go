package meta_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
)

// A cell hashed under hmac-sha256-v1 can never match on Meta's side: the
// row is rejected before sending instead of silently uploading nothing
// useful.
func TestKeyedCellsAreRejected(t *testing.T) {
	keyed, err := hashing.New(hashing.WithHMAC([]byte("partner secret")))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := hashing.New()
	if err != nil {
		t.Fatal(err)
	}
	mk := func(h *hashing.Hasher, email string) []hashing.Cell {
		c, err := h.Cell(hashing.Email, email)
		if err != nil {
			t.Fatal(err)
		}
		return []hashing.Cell{c}
	}
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	input := [][]hashing.Cell{mk(plain, "a@example.com"), mk(keyed, "b@example.com"), mk(plain, "c@example.com")}
	res, err := meta.NewUploader(rec).Add(t.Context(), aud, meta.Schema{hashing.Email}, seq(input...))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]meta.Reject{{Row: 1, Reason: meta.ReasonKeyedDigest}}, res.Rejects); diff != "" {
		t.Errorf("Rejects (-want +got):\n%s", diff)
	}
	if res.RowsSent != 2 || rec.Model.Size(aud) != 2 || rec.Model.Contains(aud, input[1]) {
		t.Errorf("sent %d rows, audience holds %d; want 2 and not the keyed row", res.RowsSent, rec.Model.Size(aud))
	}
}

// Client.UpdateUsers and the Recorder refuse a request holding a keyed
// digest, for callers that bypass the Uploader.
func TestKeyedCellsRefusedByClient(t *testing.T) {
	keyed, err := hashing.New(hashing.WithHMAC([]byte("partner secret")))
	if err != nil {
		t.Fatal(err)
	}
	c, err := keyed.Cell(hashing.Email, "b@example.com")
	if err != nil {
		t.Fatal(err)
	}
	req := &meta.UsersRequest{Schema: meta.Schema{hashing.Email}, Cells: []hashing.Cell{c}, Session: meta.Session{ID: 1, BatchSeq: 1}}
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	for name, api := range map[string]meta.AudienceAPI{"client": srv.Client(), "recorder": metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = srv.Graph().Model })} {
		if _, err := api.UpdateUsers(t.Context(), meta.Add, aud, req); !errors.Is(err, meta.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if srv.Graph().Model.Size(aud) != 0 {
		t.Error("keyed row reached the audience")
	}
}
