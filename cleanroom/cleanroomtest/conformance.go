package cleanroomtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// API is what the conformance suite drives: the cleanroom seam plus the
// deletes it needs to clean up. *cleanrooms.Client and *CleanRooms satisfy it.
type API interface {
	cleanroom.CleanRoomsAPI
	CreateCollaboration(context.Context, *cleanrooms.CreateCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateCollaborationOutput, error)
	CreateMembership(context.Context, *cleanrooms.CreateMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateMembershipOutput, error)
	ListMemberships(context.Context, *cleanrooms.ListMembershipsInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListMembershipsOutput, error)
	DeleteConfiguredTable(context.Context, *cleanrooms.DeleteConfiguredTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableOutput, error)
	GetCollaboration(context.Context, *cleanrooms.GetCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetCollaborationOutput, error)
	ListSchemas(context.Context, *cleanrooms.ListSchemasInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListSchemasOutput, error)
	GetSchema(context.Context, *cleanrooms.GetSchemaInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetSchemaOutput, error)
	BatchGetSchema(context.Context, *cleanrooms.BatchGetSchemaInput, ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaOutput, error)
	GetSchemaAnalysisRule(context.Context, *cleanrooms.GetSchemaAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetSchemaAnalysisRuleOutput, error)
	BatchGetSchemaAnalysisRule(context.Context, *cleanrooms.BatchGetSchemaAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaAnalysisRuleOutput, error)
	ListIdMappingTables(context.Context, *cleanrooms.ListIdMappingTablesInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListIdMappingTablesOutput, error)
	GetIdMappingTable(context.Context, *cleanrooms.GetIdMappingTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetIdMappingTableOutput, error)
	DeleteIdMappingTable(context.Context, *cleanrooms.DeleteIdMappingTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteIdMappingTableOutput, error)
}

// IDMappingTableAdder is implemented by an API that can put an ID mapping
// table into a collaboration without Entity Resolution (CleanRooms; a
// test wraps a wire client with its fake's method). The suite's Schemas
// case uses it when Config.IDMappingTable is empty.
type IDMappingTableAdder interface {
	AddIDMappingTable(ctx context.Context, membershipID string, t IDMappingTable) (*types.IdMappingTable, error)
}

// Config says where the suite may create resources.
type Config struct {
	// MembershipID is an ACTIVE membership of the caller, able to query and
	// receive results, in which the suite creates (and deletes)
	// associations, templates and queries. Empty: the suite creates a
	// collaboration and joins it.
	MembershipID string
	// RoleARN is the association role.
	RoleARN string
	// Database and Table name a Glue table with the columns "hashed_email",
	// "segment" and "spend".
	Database, Table string
	// Name prefixes display names so runs are recognisable.
	Name string
	// ResultBucket is an S3 bucket the membership's queries may write to
	// (the fakes accept any name).
	ResultBucket string
	// IDMappingTable names an ID mapping table of the membership's
	// collaboration, whose schema and ID_MAPPING_TABLE rule the Schemas
	// case reads. Empty: the case adds one when the API is an
	// IDMappingTableAdder, and otherwise leaves ID mapping tables out.
	IDMappingTable string
	// PollInterval is the first delay between query polls (default 1s).
	PollInterval time.Duration
}

// RunCleanRooms runs the conformance suite as subtests of t, each on a
// fresh API from newAPI. When cfg.MembershipID is empty, each subtest
// first creates a collaboration and joins it (as the fake and the wire
// server allow; against the service, give a membership).
func RunCleanRooms(t *testing.T, newAPI func(t *testing.T) API, cfg Config) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := newAPI(t)
			cfg, err := withMembership(t.Context(), api, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.fn(t.Context(), api, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCleanRooms runs the suite outside go test and returns the first
// failure.
func TestCleanRooms(ctx context.Context, api API, cfg Config) error {
	cfg, err := withMembership(ctx, api, cfg)
	if err != nil {
		return err
	}
	for _, c := range cases {
		if err := c.fn(ctx, api, cfg); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

func withMembership(ctx context.Context, api API, cfg Config) (Config, error) {
	if cfg.MembershipID != "" {
		return cfg, nil
	}
	m, err := NewMembership(ctx, api)
	if err != nil {
		return cfg, fmt.Errorf("creating a membership: %w", err)
	}
	cfg.MembershipID = m
	return cfg, nil
}

var cases = []struct {
	name string
	fn   func(context.Context, API, Config) error
}{
	{"TableLifecycle", tableLifecycle},
	{"OneRulePerTable", oneRulePerTable},
	{"RuleValidation", ruleValidation},
	{"NotFound", notFoundCases},
	{"Associations", associations},
	{"CollaborationAccessDenied", collaborationAccessDenied},
	{"EnsureIsIdempotent", ensureIdempotent},
	{"CollaborationLifecycle", collaborationLifecycle},
	{"AnalysisTemplates", analysisTemplates},
	{"ProtectedQueries", protectedQueries},
	{"Schemas", schemas},
}

const missingID = "00000000-0000-4000-8000-00000000dead"

func newTable(ctx context.Context, api API, cfg Config, suffix string) (*types.ConfiguredTable, func(), error) {
	out, err := api.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{
		Name:           aws.String(cfg.Name + " " + suffix),
		TableReference: &types.TableReferenceMemberGlue{Value: types.GlueTableReference{DatabaseName: aws.String(cfg.Database), TableName: aws.String(cfg.Table)}},
		AllowedColumns: []string{"hashed_email", "segment"},
		AnalysisMethod: types.AnalysisMethodDirectQuery,
		Tags:           map[string]string{cleanroom.DefaultTagKey: "conformance-" + suffix},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create configured table: %w", err)
	}
	t := out.ConfiguredTable
	cleanup := func() {
		ctx := context.WithoutCancel(ctx)
		for _, rt := range []types.ConfiguredTableAnalysisRuleType{types.ConfiguredTableAnalysisRuleTypeAggregation, types.ConfiguredTableAnalysisRuleTypeList, types.ConfiguredTableAnalysisRuleTypeCustom} {
			_, _ = api.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: t.Id, AnalysisRuleType: rt})
		}
		_, _ = api.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: t.Id})
	}
	return t, cleanup, nil
}

func overlapRule() cleanroom.Aggregation {
	return cleanroom.Aggregation{
		Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
		JoinColumns:       []string{"hashed_email"},
		DimensionColumns:  []string{"segment"},
		OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
	}
}

func tableLifecycle(ctx context.Context, api API, cfg Config) error {
	t, cleanup, err := newTable(ctx, api, cfg, "lifecycle")
	if err != nil {
		return err
	}
	defer cleanup()
	got, err := api.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: t.Id})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if aws.ToString(got.ConfiguredTable.Name) != aws.ToString(t.Name) || len(got.ConfiguredTable.AllowedColumns) != 2 {
		return errors.New("get returned a different table")
	}
	found := false
	var token *string
	for {
		page, err := api.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{NextToken: token, MaxResults: aws.Int32(100)})
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		found = found || slices.ContainsFunc(page.ConfiguredTableSummaries, func(s types.ConfiguredTableSummary) bool { return aws.ToString(s.Id) == *t.Id })
		if token = page.NextToken; token == nil || *token == "" {
			break
		}
	}
	if !found {
		return errors.New("list does not include the new table")
	}
	tags, err := api.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: t.Arn})
	if err != nil {
		return fmt.Errorf("list tags: %w", err)
	}
	if tags.Tags[cleanroom.DefaultTagKey] != "conformance-lifecycle" {
		return errors.New("tag not stored")
	}
	up, err := api.UpdateConfiguredTable(ctx, &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: t.Id, AllowedColumns: []string{"hashed_email", "segment", "spend"}})
	if err != nil {
		return fmt.Errorf("update allowed columns: %w", err)
	}
	if len(up.ConfiguredTable.AllowedColumns) != 3 {
		return errors.New("update did not change allowed columns")
	}
	return nil
}

func oneRulePerTable(ctx context.Context, api API, cfg Config) error {
	t, cleanup, err := newTable(ctx, api, cfg, "one-rule")
	if err != nil {
		return err
	}
	defer cleanup()
	r := overlapRule()
	if _, err := api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: t.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()}); err != nil {
		return fmt.Errorf("create rule: %w", err)
	}
	got, err := api.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: t.Id, AnalysisRuleType: r.Type()})
	if err != nil {
		return fmt.Errorf("get rule: %w", err)
	}
	v1, ok := got.AnalysisRule.Policy.(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok {
		return fmt.Errorf("get rule: policy is %T", got.AnalysisRule.Policy)
	}
	agg, ok := v1.Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation)
	if !ok || len(agg.Value.OutputConstraints) != 1 || aws.ToInt32(agg.Value.OutputConstraints[0].Minimum) != 100 {
		return errors.New("get rule: policy not as created")
	}
	l := cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"segment"}}
	_, err = api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: t.Id, AnalysisRuleType: l.Type(), AnalysisRulePolicy: l.Policy()})
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		return fmt.Errorf("second rule: want ConflictException, got %v", err)
	}
	return nil
}

func ruleValidation(ctx context.Context, api API, cfg Config) error {
	t, cleanup, err := newTable(ctx, api, cfg, "validation")
	if err != nil {
		return err
	}
	defer cleanup()
	r := overlapRule()
	r.OutputConstraints[0].Minimum = 1 // below the model's minimum of 2
	_, err = api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: t.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		return fmt.Errorf("minimum 1: want ValidationException, got %v", err)
	}
	if ve.Reason != types.ValidationExceptionReasonFieldValidationFailed {
		return fmt.Errorf("minimum 1: reason %q", ve.Reason)
	}
	if len(ve.FieldList) == 0 {
		return errors.New("minimum 1: ValidationException without fieldList")
	}
	var ce *cleanroom.Error
	if !errors.Is(cleanroomErr(err), cleanroom.ErrInvalidInput) || !errors.As(cleanroomErr(err), &ce) || len(ce.Fields) != len(ve.FieldList) {
		return errors.New("minimum 1: cleanroom does not classify it as invalid input with the field list")
	}
	return nil
}

// cleanroomErr classifies err the way cleanroom.Client does.
func cleanroomErr(err error) error {
	return cleanroom.Classify("conformance", "", err)
}

func notFoundCases(ctx context.Context, api API, cfg Config) error {
	_, err := api.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(missingID)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("get missing table: want ResourceNotFoundException, got %v", err)
	}
	t, cleanup, err := newTable(ctx, api, cfg, "not-found")
	if err != nil {
		return err
	}
	defer cleanup()
	_, err = api.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{ConfiguredTableIdentifier: t.Id, AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeList})
	if !errors.As(err, &nf) {
		return fmt.Errorf("get missing rule: want ResourceNotFoundException, got %v", err)
	}
	return nil
}

func associations(ctx context.Context, api API, cfg Config) error {
	t, cleanup, err := newTable(ctx, api, cfg, "association")
	if err != nil {
		return err
	}
	defer cleanup()
	r := overlapRule()
	if _, err := api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: t.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()}); err != nil {
		return fmt.Errorf("create rule: %w", err)
	}
	in := &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(cfg.MembershipID), ConfiguredTableIdentifier: t.Id,
		Name: aws.String("cdpkit_conformance"), RoleArn: aws.String(cfg.RoleARN)}
	out, err := api.CreateConfiguredTableAssociation(ctx, in)
	if err != nil {
		return fmt.Errorf("create association: %w", err)
	}
	a := out.ConfiguredTableAssociation
	defer func() {
		ctx := context.WithoutCancel(ctx)
		_, _ = api.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
			MembershipIdentifier: a.MembershipId, ConfiguredTableAssociationIdentifier: a.Id, AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeAggregation})
		_, _ = api.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: a.MembershipId, ConfiguredTableAssociationIdentifier: a.Id})
	}()
	_, err = api.CreateConfiguredTableAssociation(ctx, in)
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		return fmt.Errorf("duplicate association name: want ConflictException, got %v", err)
	}
	ar := cleanroom.AssociationRule{Type: types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, ResultReceivers: []string{}}
	if _, err := api.CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
		MembershipIdentifier: a.MembershipId, ConfiguredTableAssociationIdentifier: a.Id,
		AnalysisRuleType: ar.Type, AnalysisRulePolicy: ar.Policy()}); err != nil {
		return fmt.Errorf("create association rule: %w", err)
	}
	got, err := api.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{MembershipIdentifier: a.MembershipId, ConfiguredTableAssociationIdentifier: a.Id})
	if err != nil {
		return fmt.Errorf("get association: %w", err)
	}
	if !slices.Contains(got.ConfiguredTableAssociation.AnalysisRuleTypes, ar.Type) {
		return errors.New("association does not list its analysis rule type")
	}
	_, err = api.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(cfg.MembershipID), ConfiguredTableIdentifier: t.Id,
		Name: aws.String("cdpkit_conformance_bad"), RoleArn: aws.String("arn:aws:iam::1:role/x")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		return fmt.Errorf("short role ARN: want ValidationException, got %v", err)
	}
	return nil
}

func collaborationAccessDenied(ctx context.Context, api API, _ Config) error {
	_, err := api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(missingID)})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) {
		return fmt.Errorf("get unknown collaboration: want AccessDeniedException, got %v", err)
	}
	return nil
}

// NewMembership creates a collaboration with the fake's account as creator
// (abilities CAN_QUERY, CAN_RECEIVE_RESULTS) plus the given members, joins it,
// and returns the membership id. It is what a test needs before ensuring
// associations.
func NewMembership(ctx context.Context, api interface {
	CreateCollaboration(context.Context, *cleanrooms.CreateCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateCollaborationOutput, error)
	CreateMembership(context.Context, *cleanrooms.CreateMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateMembershipOutput, error)
}, members ...types.MemberSpecification) (string, error) {
	if members == nil {
		members = []types.MemberSpecification{}
	}
	c, err := api.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name: aws.String("cdpkit test"), Description: aws.String("cdpkit test collaboration"),
		CreatorDisplayName: aws.String("creator"), CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members: members, QueryLogStatus: types.CollaborationQueryLogStatusDisabled,
	})
	if err != nil {
		return "", err
	}
	m, err := api.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{
		CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	if err != nil {
		return "", err
	}
	return aws.ToString(m.Membership.Id), nil
}

// ensureIdempotent applies a full table spec with cleanroom.Client twice:
// the second run must plan no change, and both runs must find the same
// resources (tags make them findable without idempotency tokens).
func ensureIdempotent(ctx context.Context, api API, cfg Config) error {
	spec := cleanroom.TableSpec{
		Key: "cdpkit-conformance-ensure",
		Table: cleanroom.Table{Name: cfg.Name + " ensure", Database: cfg.Database, Table: cfg.Table,
			AllowedColumns: []string{"hashed_email", "segment"}},
		Rule:            overlapRule(),
		Association:     &cleanroom.Association{MembershipID: cfg.MembershipID, Name: "cdpkit_conformance_ensure", RoleARN: cfg.RoleARN},
		AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{}},
	}
	c := cleanroom.New(api)
	first, err := c.Ensure(ctx, spec)
	if first != nil && first.ConfiguredTableID != "" {
		defer func() {
			ctx := context.WithoutCancel(ctx)
			if first.AssociationID != "" {
				_, _ = api.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
					MembershipIdentifier: aws.String(cfg.MembershipID), ConfiguredTableAssociationIdentifier: aws.String(first.AssociationID),
					AnalysisRuleType: types.ConfiguredTableAssociationAnalysisRuleTypeAggregation})
				_, _ = api.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{
					MembershipIdentifier: aws.String(cfg.MembershipID), ConfiguredTableAssociationIdentifier: aws.String(first.AssociationID)})
			}
			_, _ = api.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{
				ConfiguredTableIdentifier: aws.String(first.ConfiguredTableID), AnalysisRuleType: types.ConfiguredTableAnalysisRuleTypeAggregation})
			_, _ = api.DeleteConfiguredTable(ctx, &cleanrooms.DeleteConfiguredTableInput{ConfiguredTableIdentifier: aws.String(first.ConfiguredTableID)})
		}()
	}
	if err != nil {
		return fmt.Errorf("first ensure: %w", err)
	}
	if len(first.Changes) != 4 {
		return fmt.Errorf("first ensure: %d changes, want 4 creates", len(first.Changes))
	}
	again, err := c.Ensure(ctx, spec)
	if err != nil {
		return fmt.Errorf("second ensure: %w", err)
	}
	if len(again.Changes) != 0 {
		return fmt.Errorf("second ensure planned %v, want nothing", again.Changes)
	}
	if again.ConfiguredTableID != first.ConfiguredTableID || again.AssociationID != first.AssociationID {
		return errors.New("second ensure found different resources")
	}
	return nil
}

// collaborationLifecycle: the creator is INVITED until it joins, lists the
// collaboration and its members, joins once (a second membership is a
// ConflictException), and updates its membership's result configuration.
func collaborationLifecycle(ctx context.Context, api API, cfg Config) error {
	c, err := api.CreateCollaboration(ctx, &cleanrooms.CreateCollaborationInput{
		Name: aws.String(cfg.Name + " lifecycle"), Description: aws.String("cdpkit conformance"),
		CreatorDisplayName: aws.String("creator"), CreatorMemberAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:        []types.MemberSpecification{{AccountId: aws.String("999988887777"), DisplayName: aws.String("partner"), MemberAbilities: []types.MemberAbility{}}},
		QueryLogStatus: types.CollaborationQueryLogStatusDisabled,
	})
	if err != nil {
		return fmt.Errorf("create collaboration: %w", err)
	}
	got, err := api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Collaboration.Id})
	if err != nil {
		return fmt.Errorf("get collaboration: %w", err)
	}
	if got.Collaboration.MemberStatus != types.MemberStatusInvited {
		return fmt.Errorf("creator status before joining = %s, want INVITED", got.Collaboration.MemberStatus)
	}
	listed := false
	var token *string
	for {
		page, err := api.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{MemberStatus: types.FilterableMemberStatusInvited, NextToken: token})
		if err != nil {
			return fmt.Errorf("list collaborations: %w", err)
		}
		for _, s := range page.CollaborationList {
			listed = listed || aws.ToString(s.Id) == aws.ToString(c.Collaboration.Id)
		}
		if token = page.NextToken; token == nil {
			break
		}
	}
	if !listed {
		return errors.New("the invitation is not listed with memberStatus INVITED")
	}
	members, err := api.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: c.Collaboration.Id})
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	if len(members.MemberSummaries) != 2 {
		return fmt.Errorf("%d members, want 2 (creator and partner)", len(members.MemberSummaries))
	}
	m, err := api.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	if err != nil {
		return fmt.Errorf("create membership: %w", err)
	}
	_, err = api.CreateMembership(ctx, &cleanrooms.CreateMembershipInput{CollaborationIdentifier: c.Collaboration.Id, QueryLogStatus: types.MembershipQueryLogStatusDisabled})
	var cf *types.ConflictException
	if !errors.As(err, &cf) {
		return fmt.Errorf("second membership: want ConflictException, got %v", err)
	}
	got, err = api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: c.Collaboration.Id})
	if err != nil {
		return err
	}
	if got.Collaboration.MemberStatus != types.MemberStatusActive || aws.ToString(got.Collaboration.MembershipId) != aws.ToString(m.Membership.Id) {
		return errors.New("after joining the collaboration does not show the caller ACTIVE with its membership")
	}
	rc := &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{
		Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(resultBucket(cfg)), ResultFormat: types.ResultFormatParquet}}}
	if _, err := api.UpdateMembership(ctx, &cleanrooms.UpdateMembershipInput{MembershipIdentifier: m.Membership.Id, DefaultResultConfiguration: rc}); err != nil {
		return fmt.Errorf("update membership: %w", err)
	}
	gm, err := api.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: m.Membership.Id})
	if err != nil {
		return err
	}
	if gm.Membership.DefaultResultConfiguration == nil {
		return errors.New("membership lost its default result configuration")
	}
	ms, err := api.ListMemberships(ctx, &cleanrooms.ListMembershipsInput{})
	if err != nil {
		return fmt.Errorf("list memberships: %w", err)
	}
	if !slices.ContainsFunc(ms.MembershipSummaries, func(s types.MembershipSummary) bool { return aws.ToString(s.Id) == aws.ToString(m.Membership.Id) }) {
		return errors.New("the membership is not listed")
	}
	return nil
}

func resultBucket(cfg Config) string {
	if cfg.ResultBucket != "" {
		return cfg.ResultBucket
	}
	return "cdpkit-conformance-results"
}

// analysisTemplates: create, read, list, update the description, a taken
// name, an undeclared parameter, delete.
func analysisTemplates(ctx context.Context, api API, cfg Config) error {
	spec := cleanroom.TemplateSpec{Name: "cdpkit_conformance_template", SQL: "SELECT segment FROM t WHERE segment = :segment",
		Parameters: []cleanroom.TemplateParameter{{Name: "segment", Type: types.ParameterTypeVarchar, Default: aws.String("sports")}}}
	out, err := api.CreateAnalysisTemplate(ctx, spec.CreateInput(cfg.MembershipID, nil))
	if err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	id := out.AnalysisTemplate.Id
	defer func() {
		_, _ = api.DeleteAnalysisTemplate(context.WithoutCancel(ctx), &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: aws.String(cfg.MembershipID), AnalysisTemplateIdentifier: id})
	}()
	if _, err := api.CreateAnalysisTemplate(ctx, spec.CreateInput(cfg.MembershipID, nil)); !errors.As(err, new(*types.ConflictException)) {
		return fmt.Errorf("taken name: want ConflictException, got %v", err)
	}
	bad := spec
	bad.Name, bad.SQL = "cdpkit_conformance_bad", "SELECT :undeclared"
	if _, err := api.CreateAnalysisTemplate(ctx, bad.CreateInput(cfg.MembershipID, nil)); !errors.As(err, new(*types.ValidationException)) {
		return fmt.Errorf("undeclared parameter: want ValidationException, got %v", err)
	}
	if _, err := api.UpdateAnalysisTemplate(ctx, &cleanrooms.UpdateAnalysisTemplateInput{MembershipIdentifier: aws.String(cfg.MembershipID),
		AnalysisTemplateIdentifier: id, Description: aws.String("updated")}); err != nil {
		return fmt.Errorf("update template: %w", err)
	}
	got, err := api.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: aws.String(cfg.MembershipID), AnalysisTemplateIdentifier: id})
	if err != nil {
		return fmt.Errorf("get template: %w", err)
	}
	if src, ok := got.AnalysisTemplate.Source.(*types.AnalysisSourceMemberText); !ok || src.Value != spec.SQL || aws.ToString(got.AnalysisTemplate.Description) != "updated" ||
		len(got.AnalysisTemplate.AnalysisParameters) != 1 {
		return errors.New("get template: not as created and updated")
	}
	list, err := api.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: aws.String(cfg.MembershipID)})
	if err != nil {
		return fmt.Errorf("list templates: %w", err)
	}
	if !slices.ContainsFunc(list.AnalysisTemplateSummaries, func(s types.AnalysisTemplateSummary) bool { return aws.ToString(s.Id) == aws.ToString(id) }) {
		return errors.New("the template is not listed")
	}
	if _, err := api.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: aws.String(cfg.MembershipID), AnalysisTemplateIdentifier: id}); err != nil {
		return fmt.Errorf("delete template: %w", err)
	}
	if _, err := api.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: aws.String(cfg.MembershipID), AnalysisTemplateIdentifier: id}); !errors.As(err, new(*types.ResourceNotFoundException)) {
		return fmt.Errorf("get deleted template: want ResourceNotFoundException, got %v", err)
	}
	return nil
}

// protectedQueries: a query naming a table that is not in the
// collaboration ends FAILED with an error code and message; a query can
// be cancelled (or has already ended: ConflictException); both are listed,
// newest first; an unknown query is ResourceNotFoundException.
func protectedQueries(ctx context.Context, api API, cfg Config) error {
	c := cleanroom.New(api, func(o *cleanroom.Options) {
		if cfg.PollInterval > 0 {
			o.PollInterval = cfg.PollInterval
		}
	})
	out := &cleanroom.S3Output{Bucket: resultBucket(cfg), KeyPrefix: "cdpkit-conformance"}
	_, err := c.RunQuery(ctx, cleanroom.QueryInput{MembershipID: cfg.MembershipID, SQL: "SELECT COUNT(DISTINCT hashed_email) FROM cdpkit_no_such_table", Output: out})
	var ce *cleanroom.Error
	if !errors.Is(err, cleanroom.ErrQueryFailed) || !errors.As(err, &ce) || ce.Reason == "" || ce.Message == "" {
		return fmt.Errorf("query on an unknown table: want ErrQueryFailed with a code and message, got %v", err)
	}
	q2, err := c.StartQuery(ctx, cleanroom.QueryInput{MembershipID: cfg.MembershipID, SQL: "SELECT COUNT(DISTINCT hashed_email) FROM cdpkit_other_table", Output: out})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	err = c.CancelQuery(ctx, cfg.MembershipID, q2.ID)
	switch {
	case err == nil:
		if _, err := c.WaitQuery(ctx, cfg.MembershipID, q2.ID); !errors.Is(err, cleanroom.ErrQueryCanceled) && !errors.Is(err, cleanroom.ErrQueryFailed) {
			return fmt.Errorf("cancelled query: want ErrQueryCanceled, got %v", err)
		}
	case !errors.Is(err, cleanroom.ErrConflict):
		return fmt.Errorf("cancel: %w", err)
	}
	var ids []string
	for s, err := range c.Queries(ctx, cfg.MembershipID, "") {
		if err != nil {
			return fmt.Errorf("list queries: %w", err)
		}
		ids = append(ids, s.ID)
	}
	i1, i2 := slices.Index(ids, ce.QueryID), slices.Index(ids, q2.ID)
	if i1 < 0 || i2 < 0 || i2 > i1 {
		return errors.New("queries not listed newest first")
	}
	if _, err := c.GetQuery(ctx, cfg.MembershipID, missingID); !errors.Is(err, cleanroom.ErrNotFound) {
		return fmt.Errorf("unknown query: want ErrNotFound, got %v", err)
	}
	return nil
}

// schemas reads an associated table as a schema of the collaboration
// (ListSchemas, GetSchema, BatchGetSchema, GetSchemaAnalysisRule,
// BatchGetSchemaAnalysisRule) and, when there is one, an ID mapping table
// with its ID_MAPPING_TABLE rule, which must read back through
// cleanroom.IDMappingRuleFromSchema as a valid rule.
func schemas(ctx context.Context, api API, cfg Config) error {
	m, err := api.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(cfg.MembershipID)})
	if err != nil {
		return fmt.Errorf("get membership: %w", err)
	}
	collab := m.Membership.CollaborationId
	t, cleanup, err := newTable(ctx, api, cfg, "schema")
	if err != nil {
		return err
	}
	defer cleanup()
	r := overlapRule()
	if _, err := api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: t.Id, AnalysisRuleType: r.Type(), AnalysisRulePolicy: r.Policy()}); err != nil {
		return fmt.Errorf("create rule: %w", err)
	}
	const name = "cdpkit_conformance_schema"
	out, err := api.CreateConfiguredTableAssociation(ctx, &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier: aws.String(cfg.MembershipID), ConfiguredTableIdentifier: t.Id,
		Name: aws.String(name), RoleArn: aws.String(cfg.RoleARN)})
	if err != nil {
		return fmt.Errorf("create association: %w", err)
	}
	a := out.ConfiguredTableAssociation
	defer func() {
		_, _ = api.DeleteConfiguredTableAssociation(context.WithoutCancel(ctx), &cleanrooms.DeleteConfiguredTableAssociationInput{MembershipIdentifier: a.MembershipId, ConfiguredTableAssociationIdentifier: a.Id})
	}()

	var listed []types.SchemaSummary
	for p := cleanrooms.NewListSchemasPaginator(api, &cleanrooms.ListSchemasInput{CollaborationIdentifier: collab}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list schemas: %w", err)
		}
		listed = append(listed, page.SchemaSummaries...)
	}
	i := slices.IndexFunc(listed, func(s types.SchemaSummary) bool { return aws.ToString(s.Name) == name })
	if i < 0 {
		return errors.New("list schemas: the associated table is not listed")
	}
	if listed[i].Type != types.SchemaTypeTable || !slices.Contains(listed[i].AnalysisRuleTypes, types.AnalysisRuleTypeAggregation) {
		return fmt.Errorf("list schemas: type %s, rule types %v; want TABLE with AGGREGATION", listed[i].Type, listed[i].AnalysisRuleTypes)
	}
	s, err := api.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: collab, Name: aws.String(name)})
	if err != nil {
		return fmt.Errorf("get schema: %w", err)
	}
	var cols []string
	for _, c := range s.Schema.Columns {
		cols = append(cols, aws.ToString(c.Name))
	}
	if !slices.Contains(cols, "hashed_email") || !slices.Contains(cols, "segment") {
		return fmt.Errorf("get schema: columns %v, want the allowed columns", cols)
	}
	ar, err := api.GetSchemaAnalysisRule(ctx, &cleanrooms.GetSchemaAnalysisRuleInput{CollaborationIdentifier: collab, Name: aws.String(name), Type: types.AnalysisRuleTypeAggregation})
	if err != nil {
		return fmt.Errorf("get schema analysis rule: %w", err)
	}
	if p, ok := ar.AnalysisRule.Policy.(*types.AnalysisRulePolicyMemberV1); !ok {
		return fmt.Errorf("get schema analysis rule: policy %T", ar.AnalysisRule.Policy)
	} else if _, ok := p.Value.(*types.AnalysisRulePolicyV1MemberAggregation); !ok {
		return fmt.Errorf("get schema analysis rule: policy v1 %T, want aggregation", p.Value)
	}
	const missing = "cdpkit_conformance_missing"
	bs, err := api.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: collab, Names: []string{name, missing}})
	if err != nil {
		return fmt.Errorf("batch get schema: %w", err)
	}
	if len(bs.Schemas) != 1 || len(bs.Errors) != 1 || aws.ToString(bs.Errors[0].Name) != missing {
		return fmt.Errorf("batch get schema: %d schemas and %d errors, want the table and the missing name", len(bs.Schemas), len(bs.Errors))
	}

	idmt, remove, err := conformanceIDMappingTable(ctx, api, cfg)
	if err != nil || idmt == "" {
		return err
	}
	defer remove()
	s, err = api.GetSchema(ctx, &cleanrooms.GetSchemaInput{CollaborationIdentifier: collab, Name: aws.String(idmt)})
	if err != nil {
		return fmt.Errorf("get schema of the ID mapping table: %w", err)
	}
	if s.Schema.Type != types.SchemaTypeIdMappingTable {
		return fmt.Errorf("get schema of the ID mapping table: type %s", s.Schema.Type)
	}
	br, err := api.BatchGetSchemaAnalysisRule(ctx, &cleanrooms.BatchGetSchemaAnalysisRuleInput{CollaborationIdentifier: collab, SchemaAnalysisRuleRequests: []types.SchemaAnalysisRuleRequest{
		{Name: aws.String(name), Type: types.AnalysisRuleTypeAggregation}, {Name: aws.String(idmt), Type: types.AnalysisRuleTypeIdMappingTable}}})
	if err != nil {
		return fmt.Errorf("batch get schema analysis rule: %w", err)
	}
	var rule *cleanroom.IDMappingRule
	for _, r := range br.AnalysisRules {
		if got, ok := cleanroom.IDMappingRuleFromSchema(r); ok && r.Type == types.AnalysisRuleTypeIdMappingTable {
			rule = &got
		}
	}
	if rule == nil || len(br.AnalysisRules) != 2 {
		return fmt.Errorf("batch get schema analysis rule: %d rules, no ID_MAPPING_TABLE rule read back", len(br.AnalysisRules))
	}
	if ps := rule.Validate().Errors(); len(ps) > 0 {
		return fmt.Errorf("the ID mapping table's rule: %v", ps)
	}
	if rule.Name != idmt {
		return errors.New("the ID mapping table's rule is not named after its schema")
	}
	return nil
}

// conformanceIDMappingTable returns the name of the ID mapping table the
// Schemas case reads, adding one through an IDMappingTableAdder (the
// returned func deletes it), or "" when there is none.
func conformanceIDMappingTable(ctx context.Context, api API, cfg Config) (string, func(), error) {
	if cfg.IDMappingTable != "" {
		return cfg.IDMappingTable, func() {}, nil
	}
	adder, ok := api.(IDMappingTableAdder)
	if !ok {
		return "", nil, nil
	}
	const name = "cdpkit_conformance_id_map"
	t, err := adder.AddIDMappingTable(ctx, cfg.MembershipID, IDMappingTable{Name: name, Rows: [][]any{{"a", "b"}}, Rule: cleanroom.IDMappingRule{
		JoinColumns: []string{"source_id", "target_id"}, QueryConstraints: []cleanroom.IDMappingConstraint{{RequireOverlap: []string{"source_id"}}}}})
	if err != nil {
		return "", nil, fmt.Errorf("add an ID mapping table: %w", err)
	}
	got, err := api.ListIdMappingTables(ctx, &cleanrooms.ListIdMappingTablesInput{MembershipIdentifier: aws.String(cfg.MembershipID)})
	if err != nil {
		return "", nil, fmt.Errorf("list ID mapping tables: %w", err)
	}
	if !slices.ContainsFunc(got.IdMappingTableSummaries, func(s types.IdMappingTableSummary) bool { return aws.ToString(s.Id) == aws.ToString(t.Id) }) {
		return "", nil, errors.New("list ID mapping tables: the added table is not listed")
	}
	if _, err := api.GetIdMappingTable(ctx, &cleanrooms.GetIdMappingTableInput{MembershipIdentifier: aws.String(cfg.MembershipID), IdMappingTableIdentifier: t.Id}); err != nil {
		return "", nil, fmt.Errorf("get ID mapping table: %w", err)
	}
	return name, func() {
		_, _ = api.DeleteIdMappingTable(context.WithoutCancel(ctx), &cleanrooms.DeleteIdMappingTableInput{MembershipIdentifier: aws.String(cfg.MembershipID), IdMappingTableIdentifier: t.Id})
	}, nil
}
