package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"

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

// strayVersionErrors reports, on its nth BatchDeleteTableVersion call, a
// failure for a version id the call did not send.
type strayVersionErrors struct {
	*catalogtest.Glue
	nth, calls int
}

func (g *strayVersionErrors) BatchDeleteTableVersion(ctx context.Context, in *glue.BatchDeleteTableVersionInput, o ...func(*glue.Options)) (*glue.BatchDeleteTableVersionOutput, error) {
	out, err := g.Glue.BatchDeleteTableVersion(ctx, in, o...)
	g.calls++
	if out != nil && g.calls == g.nth {
		out.Errors = append(out.Errors, types.TableVersionError{TableName: in.TableName, VersionId: aws.String("999999"),
			ErrorDetail: &types.ErrorDetail{ErrorCode: aws.String("InvalidInputException"), ErrorMessage: aws.String("x")}})
	}
	return out, err
}

// A version failure for an id the batch did not send is reported with
// Index -1 (not the previous batch's last index), and does not lower the
// count of versions deleted.
func TestPruneTableVersionsStrayFailure(t *testing.T) {
	g := catalogtest.NewGlue()
	f := &strayVersionErrors{Glue: g, nth: 2}
	r := catalog.New(f, func(o *catalog.Options) { o.ArchiveVersions = true })
	ctx := t.Context()
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"}); err != nil {
		t.Fatal(err)
	}
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
	deleted, err := r.PruneTableVersions(ctx, "lake", "orders", 10)
	var be *catalog.BatchError
	if !errors.As(err, &be) || !errors.Is(err, catalog.ErrInvalidInput) {
		t.Fatalf("err = %v, want a *BatchError", err)
	}
	if diff := cmp.Diff([]catalog.BatchFailure{{Index: -1, Code: "InvalidInputException", Message: "x"}}, be.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if deleted != 200 || len(g.TableVersions("lake", "orders")) != 51 {
		t.Errorf("deleted = %d (%d versions left), want 200 (51 left)", deleted, len(g.TableVersions("lake", "orders")))
	}
}
