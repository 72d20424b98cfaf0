package cdpkit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// One vocabulary: whichever package returned an error, errors.Is with a
// cdpkit category answers the same question, and the message keeps the
// package's prefix.
func TestCategoriesMatchAcrossPackages(t *testing.T) {
	ctx := t.Context()
	store := zones.New(memzone.New())
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()

	_, hashErr := hashing.Normalize(hashing.Email, "not an email")
	_, configErr := hashing.New(hashing.WithCountry("Atlantis"))
	_, identityErr := identity.Resolve(ctx, nil, func(o *identity.Options) { o.Rules = []identity.Rule{{}} })
	_, sqlgenErr := sqlgen.New(sqlgen.Athena, sqlgen.Config{})
	_, metaErr := meta.NewUploader(metatest.NewGraph()).Add(ctx, "", meta.Schema{hashing.Email}, nil)
	_, zonesErr := store.Put(ctx, zones.Clean, "../x", strings.NewReader(""))
	type bad struct {
		N uint32 `parquet:"n"`
	}
	_, datasetErr := dataset.New[bad](store, zones.Clean, "x")
	_, getErr := store.Get(ctx, zones.Clean, "missing")
	_, statusErr := srv.Client().OperationStatus(ctx, "999")
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	rec.SetFaults(func(int) metatest.Fault { return metatest.Fault{Kind: metatest.GraphError, Code: meta.CodePermission} })
	row := []hashing.Cell{}
	if c, err := hashing.HashCell(hashing.Email, "person@example.com"); err == nil {
		row = append(row, c)
	}
	_, forbiddenErr := meta.NewUploader(rec).Add(ctx, aud, meta.Schema{hashing.Email}, func(yield func([]hashing.Cell, error) bool) { yield(row, nil) })

	for _, tc := range []struct {
		name     string
		err      error
		category error
		kind     error
		prefix   string
	}{
		{"hashing value", hashErr, cdpkit.ErrInvalid, hashing.ErrInvalid, "hashing: "},
		{"hashing options", configErr, cdpkit.ErrInvalid, hashing.ErrConfig, "hashing: "},
		{"identity", identityErr, cdpkit.ErrInvalid, identity.ErrInvalidInput, "identity: "},
		{"sqlgen", sqlgenErr, cdpkit.ErrInvalid, sqlgen.ErrInvalidInput, "sqlgen: "},
		{"meta", metaErr, cdpkit.ErrInvalid, meta.ErrInvalidInput, "meta: "},
		{"zones", zonesErr, cdpkit.ErrInvalid, zones.ErrInvalidInput, "zones: "},
		{"dataset", datasetErr, cdpkit.ErrInvalid, zones.ErrInvalidInput, "zones: "},
		{"zones not found", getErr, cdpkit.ErrNotFound, zones.ErrNotFound, "zones: "},
		{"meta not found", statusErr, cdpkit.ErrNotFound, meta.ErrNotFound, "meta: "},
		{"meta forbidden", forbiddenErr, cdpkit.ErrAccessDenied, meta.ErrForbidden, "meta: "},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(tc.err, tc.category) || !errors.Is(tc.err, tc.kind) {
			t.Errorf("%s: %v matches %v: %v, %v: %v", tc.name, tc.err, tc.category, errors.Is(tc.err, tc.category), tc.kind, errors.Is(tc.err, tc.kind))
		}
		if got := cdpkit.Category(tc.err); got != tc.category {
			t.Errorf("%s: Category = %v, want %v", tc.name, got, tc.category)
		}
		if !strings.HasPrefix(tc.err.Error(), tc.prefix) || strings.Count(tc.err.Error(), tc.prefix) != 1 {
			t.Errorf("%s: message %q, want one %q prefix", tc.name, tc.err, tc.prefix)
		}
	}
	// The three names of "access denied" are one category.
	for _, k := range []error{zones.ErrAccessDenied, meta.ErrForbidden, meta.ErrUnauthorized, meta.ErrAudienceRestricted} {
		if !errors.Is(k, cdpkit.ErrAccessDenied) {
			t.Errorf("%v does not match cdpkit.ErrAccessDenied", k)
		}
	}
	if !errors.Is(&identity.BoundError{Bound: "MaxLargestCluster"}, cdpkit.ErrLimitExceeded) {
		t.Error("identity.BoundError does not match cdpkit.ErrLimitExceeded")
	}
}
