package catalog_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func TestPruneTableVersions(t *testing.T) {
	g, r := setup(t, func(o *catalog.Options) { o.ArchiveVersions = true })
	ctx := t.Context()
	s := ordersSchema()
	if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
		t.Fatal(err)
	}
	for i := range 250 {
		s.Columns = append(s.Columns, catalog.Column{Name: fmt.Sprintf("c%03d", i), Type: "int"})
		if _, err := r.EnsureTable(ctx, "lake", "orders", s); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(g.TableVersions("lake", "orders")); n != 251 {
		t.Fatalf("versions = %d, want 251", n)
	}
	current := aws.ToString(g.Table("lake", "orders").VersionId)
	g.ResetCalls()
	deleted, err := r.PruneTableVersions(ctx, "lake", "orders", 10)
	if err != nil || deleted != 241 {
		t.Fatalf("pruned %d, %v; want 241", deleted, err)
	}
	if got := batchSizes(g, "BatchDeleteTableVersion"); fmt.Sprint(got) != "[41 100 100]" {
		t.Errorf("delete batches = %v", got)
	}
	vs := g.TableVersions("lake", "orders")
	if len(vs) != 10 || aws.ToString(vs[len(vs)-1].VersionId) != current {
		t.Errorf("kept %d versions, current kept = %v", len(vs), aws.ToString(vs[len(vs)-1].VersionId) == current)
	}
	// Nothing left to prune: no write.
	g.ResetCalls()
	if deleted, err := r.PruneTableVersions(ctx, "lake", "orders", 10); err != nil || deleted != 0 || g.Writes() != 0 {
		t.Errorf("second prune = %d, %v, writes %d", deleted, err, g.Writes())
	}
	// keep < 1 keeps the current version.
	if deleted, err := r.PruneTableVersions(ctx, "lake", "orders", 0); err != nil || deleted != 9 {
		t.Errorf("prune to 0 = %d, %v; want 9", deleted, err)
	}
	if _, err := r.PruneTableVersions(ctx, "lake", "missing", 1); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("missing table: %v", err)
	}
	if _, err := r.PruneTableVersions(ctx, "lake", "Bad", 1); !errors.Is(err, catalog.ErrInvalidInput) {
		t.Errorf("bad name: %v", err)
	}
	g.Inject(catalogtest.FailTimes("GetTableVersions", 1, &types.AccessDeniedException{}))
	if _, err := r.PruneTableVersions(ctx, "lake", "orders", 1); !errors.Is(err, catalog.ErrAccessDenied) {
		t.Errorf("access denied: %v", err)
	}
}
