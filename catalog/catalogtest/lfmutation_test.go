package catalogtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// swallowsFailures answers batch calls as aws-data-mesh-utils reads them:
// failures dropped.
type swallowsFailures struct{ *catalogtest.LakeFormation }

func (s swallowsFailures) BatchGrantPermissions(ctx context.Context, in *lakeformation.BatchGrantPermissionsInput, o ...func(*lakeformation.Options)) (*lakeformation.BatchGrantPermissionsOutput, error) {
	out, err := s.LakeFormation.BatchGrantPermissions(ctx, in, o...)
	if out != nil {
		out.Failures = nil
	}
	return out, err
}

func (s swallowsFailures) AddLFTagsToResource(ctx context.Context, in *lakeformation.AddLFTagsToResourceInput, o ...func(*lakeformation.Options)) (*lakeformation.AddLFTagsToResourceOutput, error) {
	out, err := s.LakeFormation.AddLFTagsToResource(ctx, in, o...)
	if out != nil {
		out.Failures = nil
	}
	return out, err
}

func TestLakeFormationSuiteCatchesSwallowedFailures(t *testing.T) {
	f := catalogtest.NewLakeFormation()
	err := catalogtest.TestLakeFormation(t.Context(), catalogtest.LakeFormationEnv{LakeFormation: swallowsFailures{f}, Glue: f.Glue(), Principal: conformanceRole})
	if err == nil || !strings.Contains(err.Error(), "add_tags_partial_failure") || !strings.Contains(err.Error(), "batch_grant_partial_failure") {
		t.Fatalf("suite passed a broken implementation: %v", err)
	}
}
