package cleanroom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// hollow is the fake, except that the operation named empty answers with
// no output and no error, as a broken CleanRoomsAPI implementation (or a
// proxy) might.
type hollow struct {
	*cleanroomtest.CleanRooms
	empty string
}

func (h hollow) ListConfiguredTables(ctx context.Context, in *cleanrooms.ListConfiguredTablesInput, o ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTablesOutput, error) {
	if h.empty == "ListConfiguredTables" {
		return nil, nil
	}
	return h.CleanRooms.ListConfiguredTables(ctx, in, o...)
}

func (h hollow) GetConfiguredTable(ctx context.Context, in *cleanrooms.GetConfiguredTableInput, o ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableOutput, error) {
	if h.empty == "GetConfiguredTable" {
		return &cleanrooms.GetConfiguredTableOutput{}, nil
	}
	return h.CleanRooms.GetConfiguredTable(ctx, in, o...)
}

func (h hollow) GetConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.GetConfiguredTableAnalysisRuleInput, o ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAnalysisRuleOutput, error) {
	if h.empty == "GetConfiguredTableAnalysisRule" {
		return &cleanrooms.GetConfiguredTableAnalysisRuleOutput{}, nil
	}
	return h.CleanRooms.GetConfiguredTableAnalysisRule(ctx, in, o...)
}

func (h hollow) ListTagsForResource(ctx context.Context, in *cleanrooms.ListTagsForResourceInput, o ...func(*cleanrooms.Options)) (*cleanrooms.ListTagsForResourceOutput, error) {
	if h.empty == "ListTagsForResource" {
		return nil, nil
	}
	return h.CleanRooms.ListTagsForResource(ctx, in, o...)
}

func (h hollow) ListConfiguredTableAssociations(ctx context.Context, in *cleanrooms.ListConfiguredTableAssociationsInput, o ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTableAssociationsOutput, error) {
	if h.empty == "ListConfiguredTableAssociations" {
		return nil, nil
	}
	return h.CleanRooms.ListConfiguredTableAssociations(ctx, in, o...)
}

func (h hollow) GetConfiguredTableAssociation(ctx context.Context, in *cleanrooms.GetConfiguredTableAssociationInput, o ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationOutput, error) {
	if h.empty == "GetConfiguredTableAssociation" {
		return &cleanrooms.GetConfiguredTableAssociationOutput{}, nil
	}
	return h.CleanRooms.GetConfiguredTableAssociation(ctx, in, o...)
}

func (h hollow) GetConfiguredTableAssociationAnalysisRule(ctx context.Context, in *cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput, o ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationAnalysisRuleOutput, error) {
	if h.empty == "GetConfiguredTableAssociationAnalysisRule" {
		return &cleanrooms.GetConfiguredTableAssociationAnalysisRuleOutput{}, nil
	}
	return h.CleanRooms.GetConfiguredTableAssociationAnalysisRule(ctx, in, o...)
}

func (h hollow) GetMembership(ctx context.Context, in *cleanrooms.GetMembershipInput, o ...func(*cleanrooms.Options)) (*cleanrooms.GetMembershipOutput, error) {
	if h.empty == "GetMembership" {
		return nil, nil
	}
	return h.CleanRooms.GetMembership(ctx, in, o...)
}

func (h hollow) ListMembers(ctx context.Context, in *cleanrooms.ListMembersInput, o ...func(*cleanrooms.Options)) (*cleanrooms.ListMembersOutput, error) {
	if h.empty == "ListMembers" {
		return nil, nil
	}
	return h.CleanRooms.ListMembers(ctx, in, o...)
}

func (h hollow) CreateConfiguredTable(ctx context.Context, in *cleanrooms.CreateConfiguredTableInput, o ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableOutput, error) {
	if h.empty == "CreateConfiguredTable" {
		return &cleanrooms.CreateConfiguredTableOutput{}, nil
	}
	return h.CleanRooms.CreateConfiguredTable(ctx, in, o...)
}

func (h hollow) UpdateConfiguredTable(ctx context.Context, in *cleanrooms.UpdateConfiguredTableInput, o ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableOutput, error) {
	if h.empty == "UpdateConfiguredTable" {
		return nil, nil
	}
	return h.CleanRooms.UpdateConfiguredTable(ctx, in, o...)
}

func (h hollow) CreateConfiguredTableAssociation(ctx context.Context, in *cleanrooms.CreateConfiguredTableAssociationInput, o ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAssociationOutput, error) {
	if h.empty == "CreateConfiguredTableAssociation" {
		return &cleanrooms.CreateConfiguredTableAssociationOutput{}, nil
	}
	return h.CleanRooms.CreateConfiguredTableAssociation(ctx, in, o...)
}

func (h hollow) UpdateConfiguredTableAssociation(ctx context.Context, in *cleanrooms.UpdateConfiguredTableAssociationInput, o ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAssociationOutput, error) {
	if h.empty == "UpdateConfiguredTableAssociation" {
		return nil, nil
	}
	return h.CleanRooms.UpdateConfiguredTableAssociation(ctx, in, o...)
}

// TestEnsureSurvivesEmptyResponses: CleanRoomsAPI is an interface callers
// may implement; an operation answering with no output must give an
// ErrInternal, never a panic, a duplicate create or a wrong plan.
func TestEnsureSurvivesEmptyResponses(t *testing.T) {
	for _, tt := range []struct {
		op       string
		existing bool // the resources exist and the spec changes them
	}{
		{"ListConfiguredTables", false}, {"ListTagsForResource", true}, {"GetMembership", false}, {"ListMembers", false},
		{"CreateConfiguredTable", false}, {"CreateConfiguredTableAssociation", false},
		{"GetConfiguredTable", true}, {"GetConfiguredTableAnalysisRule", true}, {"ListConfiguredTableAssociations", true},
		{"GetConfiguredTableAssociation", true}, {"GetConfiguredTableAssociationAnalysisRule", true},
		{"UpdateConfiguredTable", true}, {"UpdateConfiguredTableAssociation", true},
	} {
		t.Run(tt.op, func(t *testing.T) {
			f, m := world(t)
			s := spec(f, m)
			if tt.existing {
				if _, err := cleanroom.New(f).Ensure(t.Context(), s); err != nil {
					t.Fatal(err)
				}
				s.Table.Name += " v2"
				s.Association.RoleARN += "-v2"
			}
			tables := len(mustList(t, f))
			_, err := cleanroom.New(hollow{f, tt.op}).Ensure(t.Context(), s)
			var ce *cleanroom.Error
			if !errors.Is(err, cleanroom.ErrInternal) || !errors.As(err, &ce) || ce.Reason != "EMPTY_RESPONSE" {
				t.Fatalf("err = %v, want ErrInternal EMPTY_RESPONSE", err)
			}
			if got := len(mustList(t, f)); got > max(tables, 1) {
				t.Errorf("%d configured tables after an empty answer, want at most %d", got, max(tables, 1))
			}
		})
	}
}

func mustList(t *testing.T, f *cleanroomtest.CleanRooms) []string {
	t.Helper()
	out, err := f.ListConfiguredTables(t.Context(), &cleanrooms.ListConfiguredTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range out.ConfiguredTableSummaries {
		ids = append(ids, *s.Id)
	}
	return ids
}
