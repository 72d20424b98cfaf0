package cleanroom_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

func actions(plan []cleanroom.Change) []string {
	out := []string{}
	for _, c := range plan {
		s := string(c.Action) + " " + string(c.Resource)
		if c.Key != "" {
			s += " " + c.Key
		}
		out = append(out, s)
	}
	return out
}

func TestEnsureCollaborationPlanApplyRerun(t *testing.T) {
	for _, via := range []string{"fake", "sdk over server"} {
		t.Run(via, func(t *testing.T) {
			ctx := t.Context()
			f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = cdpAccount })
			var api cleanroom.CleanRoomsAPI = f
			if via != "fake" {
				srv := cleanroomtest.NewCleanRoomsServer(f)
				defer srv.Close()
				api = srv.Client()
			}
			c := cleanroom.New(api)
			spec := collabSpec()
			plan, err := c.PlanCollaboration(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"create collaboration", "create membership", "create analysis template by-segment"}, actions(plan.Plan)); d != "" {
				t.Errorf("dry-run plan (-want +got):\n%s", d)
			}
			if f.Writes() != 0 {
				t.Fatalf("dry run wrote %d times", f.Writes())
			}
			first, err := c.EnsureCollaboration(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if first.CollaborationID == "" || first.MembershipID == "" || first.Templates["by-segment"] == "" {
				t.Fatalf("result %+v", first)
			}
			w := f.Writes()
			again, err := c.EnsureCollaboration(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if f.Writes() != w {
				t.Errorf("rerun wrote %d times", f.Writes()-w)
			}
			if d := cmp.Diff([]string{"no-op collaboration", "no-op membership", "no-op analysis template by-segment"}, actions(again.Plan)); d != "" {
				t.Errorf("rerun plan (-want +got):\n%s", d)
			}
			if again.CollaborationID != first.CollaborationID || again.Templates["by-segment"] != first.Templates["by-segment"] {
				t.Error("rerun found other resources")
			}

			// In place: description, membership results, template description.
			spec.Description = "audience overlap v2"
			spec.Membership.Results.Format = types.ResultFormatParquet
			spec.Templates[0].Description = "by segment"
			upd, err := c.EnsureCollaboration(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"update collaboration", "update membership", "update analysis template by-segment"}, actions(upd.Plan)); d != "" {
				t.Errorf("update plan (-want +got):\n%s", d)
			}

			// Never silent: members and query logging are fixed.
			w = f.Writes()
			bad := spec
			bad.Members = append([]cleanroom.MemberSpec{}, spec.Members...)
			bad.Members[0].Abilities = []types.MemberAbility{types.MemberAbilityCanReceiveResults}
			bad.QueryLogStatus = types.CollaborationQueryLogStatusEnabled
			_, err = c.EnsureCollaboration(ctx, bad, func(o *cleanroom.Options) { o.AllowReplace = true })
			var ce *cleanroom.Error
			if !errors.Is(err, cleanroom.ErrReplacementRequired) || !errors.Is(err, cdpkit.ErrConflict) || !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if d := cmp.Diff([]string{"queryLogStatus", "members"}, ce.Changes[0].Fields); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
			// The plan shows the replacement; applying it is refused.
			p, err := c.PlanCollaboration(ctx, bad)
			if err != nil || p.Plan[0].Action != cleanroom.ActionReplace {
				t.Fatalf("plan of a replacement: %v, %v", p, err)
			}
			// A template's SQL changes only by replacement, with AllowReplace.
			spec.Templates[0].SQL += " ORDER BY 1"
			if _, err := c.EnsureCollaboration(ctx, spec); !errors.Is(err, cleanroom.ErrReplacementRequired) {
				t.Fatalf("template SQL change without AllowReplace: %v", err)
			}
			if f.Writes() != w {
				t.Errorf("refused changes wrote %d times", f.Writes()-w)
			}
			rep, err := c.EnsureCollaboration(ctx, spec, func(o *cleanroom.Options) { o.AllowReplace = true })
			if err != nil {
				t.Fatal(err)
			}
			if rep.Templates["by-segment"] == first.Templates["by-segment"] {
				t.Error("replaced template kept its ARN")
			}
		})
	}
}

func TestEnsureMembershipForInvitedMember(t *testing.T) {
	ctx := t.Context()
	cdp := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = cdpAccount })
	pub := cdp.As(pubAccount)
	spec := collabSpec()
	spec.Members[0].Payment = &types.PaymentConfiguration{QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(true)}}
	spec.CreatorPayment = &types.PaymentConfiguration{QueryCompute: &types.QueryComputePaymentConfig{IsResponsible: aws.Bool(false)}}
	res, err := cleanroom.New(cdp).EnsureCollaboration(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	c := cleanroom.New(pub)
	join := cleanroom.JoinSpec{Key: "pub", CollaborationName: spec.Name, CreatorAccountID: cdpAccount,
		Membership: cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{Bucket: "pub-results"}}}
	first, err := c.EnsureMembership(ctx, join)
	if err != nil {
		t.Fatal(err)
	}
	if first.CollaborationID != res.CollaborationID || first.MembershipID == "" || first.Plan[0].Action != cleanroom.ActionCreate {
		t.Fatalf("first %+v", first)
	}
	w := cdp.Writes()
	again, err := c.EnsureMembership(ctx, join)
	if err != nil || cdp.Writes() != w || again.MembershipID != first.MembershipID || again.Plan[0].Action != cleanroom.ActionNone {
		t.Fatalf("rerun %+v, %v, %d writes", again, err, cdp.Writes()-w)
	}
	// Not invited: not found.
	_, err = cleanroom.New(cdp.As("999988887777")).EnsureMembership(ctx, join)
	if !errors.Is(err, cleanroom.ErrNotFound) {
		t.Errorf("uninvited: %v", err)
	}
}

// TestReapplyFiveMembersTenTablesZeroWrites is the acceptance
// check: re-applying an unchanged collaboration of 5 members and 10
// tables makes zero write calls.
func TestReapplyFiveMembersTenTablesZeroWrites(t *testing.T) {
	ctx := t.Context()
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) { o.AccountID = cdpAccount; o.PageSize = 3 })
	c := cleanroom.New(f)
	spec := collabSpec()
	spec.Members = nil
	for i := range 4 {
		spec.Members = append(spec.Members, cleanroom.MemberSpec{AccountID: fmt.Sprintf("10000000000%d", i), DisplayName: fmt.Sprintf("member %d", i),
			Abilities: []types.MemberAbility{types.MemberAbilityCanReceiveResults}})
	}
	apply := func() {
		t.Helper()
		res, err := c.EnsureCollaboration(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		var setup cleanroom.Setup
		for i := range 10 {
			setup.Tables = append(setup.Tables, cleanroom.TableSpec{Key: fmt.Sprintf("table-%d", i),
				Table: cleanroom.Table{Name: fmt.Sprintf("table %d", i), Database: "cdp", Table: fmt.Sprintf("t%d", i), AllowedColumns: []string{"hashed_email", "segment"}},
				Rule: cleanroom.Aggregation{
					Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
					JoinColumns:       []string{"hashed_email"},
					DimensionColumns:  []string{"segment"},
					OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
				},
				Association:     &cleanroom.Association{MembershipID: res.MembershipID, Name: fmt.Sprintf("t%d", i), RoleARN: roleARN},
				AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{spec.Members[0].AccountID}},
			})
		}
		if _, err := c.EnsureAll(ctx, setup); err != nil {
			t.Fatal(err)
		}
	}
	apply()
	if f.Writes() == 0 {
		t.Fatal("first apply wrote nothing")
	}
	w := f.Writes()
	apply()
	if got := f.Writes() - w; got != 0 {
		t.Errorf("re-apply made %d writes, want 0", got)
	}
}

func TestCollaborationSpecValidate(t *testing.T) {
	spec := collabSpec()
	spec.Templates = append(spec.Templates, cleanroom.TemplateSpec{Key: "bad", Name: "bad", SQL: "SELECT :missing",
		Parameters: []cleanroom.TemplateParameter{{Name: "n", Type: types.ParameterTypeInteger, Default: aws.String("ten")}, {Name: "n", Type: types.ParameterTypeInteger}}})
	var got []string
	for _, p := range spec.Validate() {
		got = append(got, p.String())
	}
	want := []string{
		"error templates[1].analysisParameters[0].defaultValue: default_not_of_type (§4.3)",
		"error templates[1].analysisParameters[1].name: duplicate",
		"error templates[1].source.text: undeclared_parameter (§4.3)",
		"warning templates[1].analysisParameters[0].name: unused_parameter (§4.3)",
		"warning templates[1].analysisParameters[1].name: unused_parameter (§4.3)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	_, err := cleanroom.New(cleanroomtest.NewCleanRooms()).EnsureCollaboration(t.Context(), spec)
	if !errors.Is(err, cleanroom.ErrInvalidInput) || !errors.Is(err, cdpkit.ErrInvalid) {
		t.Errorf("err = %v", err)
	}
}
