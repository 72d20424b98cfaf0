package catalog_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// catalog's sentinels are the shared cdpkit categories, so callers can test
// against either.
func TestSentinelsAreSharedCategories(t *testing.T) {
	for _, c := range []struct {
		pkg, shared error
	}{
		{catalog.ErrInvalidInput, cdpkit.ErrInvalid},
		{catalog.ErrNotFound, cdpkit.ErrNotFound},
		{catalog.ErrAlreadyExists, cdpkit.ErrAlreadyExists},
		{catalog.ErrConflict, cdpkit.ErrConflict},
		{catalog.ErrThrottled, cdpkit.ErrThrottled},
		{catalog.ErrLimitExceeded, cdpkit.ErrLimitExceeded},
		{catalog.ErrAccessDenied, cdpkit.ErrAccessDenied},
		{catalog.ErrUnavailable, cdpkit.ErrUnavailable},
		{catalog.ErrIncompatibleSchema, cdpkit.ErrInvalid},
	} {
		if !errors.Is(c.pkg, c.shared) {
			t.Errorf("%v does not match cdpkit's %v", c.pkg, c.shared)
		}
	}
	if errors.Is(catalog.ErrIncompatibleSchema, cdpkit.ErrConflict) {
		t.Error("ErrIncompatibleSchema matches a second category")
	}
}

// An error from a Registrar call carries the shared category.
func TestRegistrarErrorsMatchSharedCategories(t *testing.T) {
	g := catalogtest.NewGlue()
	r := catalog.New(g)
	_, err := r.EnsureTable(t.Context(), "missing", "orders", catalog.Schema{
		Columns:  []catalog.Column{{Name: "id", Type: "string"}},
		Location: "s3://bucket/orders/",
	})
	if !errors.Is(err, cdpkit.ErrNotFound) || cdpkit.Category(err) != cdpkit.ErrNotFound {
		t.Fatalf("missing database: got %v, want cdpkit.ErrNotFound", err)
	}
	var enf *types.EntityNotFoundException
	if !errors.As(err, &enf) {
		t.Fatal("Glue exception not in the chain")
	}
	_, err = r.EnsureDatabase(t.Context(), catalog.Database{Name: "Bad Name"})
	if cdpkit.Category(err) != cdpkit.ErrInvalid {
		t.Fatalf("bad name: got %v, want cdpkit.ErrInvalid", err)
	}
}
