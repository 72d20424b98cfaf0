package meta_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// EnsureAudience finds the audience a previous run created instead of
// creating another, across pages of the account's audiences.
func TestEnsureAudienceIsIdempotent(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	client := srv.Client()
	for i := range 130 { // more than a page of 100
		if _, err := client.CreateAudience(t.Context(), "act_1", meta.AudienceSpec{Name: fmt.Sprintf("other %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	spec := meta.AudienceSpec{Name: "high value", Description: "persons in two sources"}
	id1, created, err := client.EnsureAudience(t.Context(), "act_1", spec)
	if err != nil || !created {
		t.Fatalf("first run: %q created=%v %v", id1, created, err)
	}
	id2, created, err := client.EnsureAudience(t.Context(), "1", spec)
	if err != nil || created || id2 != id1 {
		t.Fatalf("rerun: %q created=%v %v, want %q found again", id2, created, err, id1)
	}
	if n := srv.Graph().Model.Audiences(); n != 131 {
		t.Errorf("the model holds %d audiences, want 131", n)
	}
	// Another account's audience of that name is not this account's.
	id3, created, err := client.EnsureAudience(t.Context(), "act_2", spec)
	if err != nil || !created || id3 == id1 {
		t.Fatalf("other account: %q created=%v %v", id3, created, err)
	}
	n := 0
	for a, err := range client.Audiences(t.Context(), "act_1") {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == "" || a.Name == "" {
			t.Fatalf("audience %+v", a)
		}
		n++
	}
	if n != 131 {
		t.Errorf("Audiences yielded %d, want 131", n)
	}
	// Two of the same name: ambiguous.
	if _, err := client.CreateAudience(t.Context(), "act_1", spec); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.EnsureAudience(t.Context(), "act_1", spec); !errors.Is(err, meta.ErrConflict) {
		t.Errorf("two audiences of one name: %v, want ErrConflict", err)
	}
}

// noStatusAPI is an endpoint without operation_status: Graph's answer to
// an unknown field, or a 200 without the field.
type noStatusAPI struct {
	*metatest.Graph
	err error
}

func (n noStatusAPI) OperationStatus(ctx context.Context, aud string) (meta.OperationStatus, error) {
	return meta.OperationStatus{}, n.err
}

// A replace against an endpoint without operation_status fails before
// sending anything, and the error names the option that skips the check.
func TestReplaceWithoutOperationStatusNamesTheOption(t *testing.T) {
	unknownField := &meta.Error{Op: "status", Kind: meta.ErrInvalidInput, Err: &meta.APIError{HTTPStatus: 400, Code: meta.CodeInvalidParameter, Message: "(#100) Tried accessing nonexisting field (operation_status)"}}
	for name, statusErr := range map[string]error{"field refused": unknownField, "field missing": nil} {
		t.Run(name, func(t *testing.T) {
			rec := metatest.NewGraph()
			aud := rec.Model.AddAudience()
			api := noStatusAPI{Graph: rec, err: statusErr}
			_, err := meta.NewUploader(api, fast).Replace(t.Context(), aud, testSchema, rows(t, "r", 5))
			if err == nil || !strings.Contains(err.Error(), "SkipStatusCheck") {
				t.Fatalf("got %v, want an error naming SkipStatusCheck", err)
			}
			if len(rec.Requests()) != 0 {
				t.Fatalf("%d requests sent", len(rec.Requests()))
			}
			res, err := meta.NewUploader(api, fast).Replace(t.Context(), aud, testSchema, rows(t, "r", 5), func(o *meta.Options) { o.SkipStatusCheck = true })
			if err != nil || res.RowsSent != 5 {
				t.Fatalf("with SkipStatusCheck: %+v, %v", res, err)
			}
		})
	}
}
