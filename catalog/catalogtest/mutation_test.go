package catalogtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// ignoresVersion is a Glue that forgets optimistic concurrency.
type ignoresVersion struct{ *catalogtest.Glue }

func (g ignoresVersion) UpdateTable(ctx context.Context, in *glue.UpdateTableInput, o ...func(*glue.Options)) (*glue.UpdateTableOutput, error) {
	c := *in
	c.VersionId = nil
	return g.Glue.UpdateTable(ctx, &c, o...)
}

// alwaysArchives is a Glue that ignores SkipArchive.
type alwaysArchives struct{ *catalogtest.Glue }

func (g alwaysArchives) UpdateTable(ctx context.Context, in *glue.UpdateTableInput, o ...func(*glue.Options)) (*glue.UpdateTableOutput, error) {
	c := *in
	c.SkipArchive = nil
	return g.Glue.UpdateTable(ctx, &c, o...)
}

// dropsBatchErrors is a Glue that hides per-item errors.
type dropsBatchErrors struct{ *catalogtest.Glue }

func (g dropsBatchErrors) BatchCreatePartition(ctx context.Context, in *glue.BatchCreatePartitionInput, o ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error) {
	out, err := g.Glue.BatchCreatePartition(ctx, in, o...)
	if out != nil {
		out.Errors = []types.PartitionError{}
	}
	return out, err
}

// The suite is not vacuous: each broken implementation fails the behaviour
// it breaks.
func TestSuiteCatchesBrokenImplementations(t *testing.T) {
	tests := []struct {
		name string
		api  catalog.GlueAPI
		want string
	}{
		{"ignores VersionId", ignoresVersion{catalogtest.NewGlue()}, "update_version_check"},
		{"ignores SkipArchive", alwaysArchives{catalogtest.NewGlue()}, "skip_archive"},
		{"drops batch errors", dropsBatchErrors{catalogtest.NewGlue()}, "partition_batches"},
	}
	for _, tt := range tests {
		err := catalogtest.TestGlue(t.Context(), tt.api, "m")
		if err == nil || !strings.Contains(err.Error(), tt.want+":") {
			t.Errorf("%s: suite result %v, want a %s failure", tt.name, err, tt.want)
		}
	}
}
