package cleanroom

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// CleanRoomsAPI is the part of *cleanrooms.Client that Client uses, with the
// SDK's exact signatures. cleanroomtest.CleanRooms implements it in memory.
type CleanRoomsAPI interface {
	CreateConfiguredTable(context.Context, *cleanrooms.CreateConfiguredTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableOutput, error)
	GetConfiguredTable(context.Context, *cleanrooms.GetConfiguredTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableOutput, error)
	UpdateConfiguredTable(context.Context, *cleanrooms.UpdateConfiguredTableInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableOutput, error)
	ListConfiguredTables(context.Context, *cleanrooms.ListConfiguredTablesInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTablesOutput, error)

	CreateConfiguredTableAnalysisRule(context.Context, *cleanrooms.CreateConfiguredTableAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAnalysisRuleOutput, error)
	GetConfiguredTableAnalysisRule(context.Context, *cleanrooms.GetConfiguredTableAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAnalysisRuleOutput, error)
	UpdateConfiguredTableAnalysisRule(context.Context, *cleanrooms.UpdateConfiguredTableAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAnalysisRuleOutput, error)
	DeleteConfiguredTableAnalysisRule(context.Context, *cleanrooms.DeleteConfiguredTableAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAnalysisRuleOutput, error)

	CreateConfiguredTableAssociation(context.Context, *cleanrooms.CreateConfiguredTableAssociationInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAssociationOutput, error)
	GetConfiguredTableAssociation(context.Context, *cleanrooms.GetConfiguredTableAssociationInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationOutput, error)
	UpdateConfiguredTableAssociation(context.Context, *cleanrooms.UpdateConfiguredTableAssociationInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAssociationOutput, error)
	ListConfiguredTableAssociations(context.Context, *cleanrooms.ListConfiguredTableAssociationsInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTableAssociationsOutput, error)
	DeleteConfiguredTableAssociation(context.Context, *cleanrooms.DeleteConfiguredTableAssociationInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAssociationOutput, error)

	CreateConfiguredTableAssociationAnalysisRule(context.Context, *cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAssociationAnalysisRuleOutput, error)
	GetConfiguredTableAssociationAnalysisRule(context.Context, *cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationAnalysisRuleOutput, error)
	UpdateConfiguredTableAssociationAnalysisRule(context.Context, *cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleOutput, error)
	DeleteConfiguredTableAssociationAnalysisRule(context.Context, *cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleOutput, error)

	ListTagsForResource(context.Context, *cleanrooms.ListTagsForResourceInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListTagsForResourceOutput, error)

	CreateCollaboration(context.Context, *cleanrooms.CreateCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateCollaborationOutput, error)
	GetCollaboration(context.Context, *cleanrooms.GetCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetCollaborationOutput, error)
	ListCollaborations(context.Context, *cleanrooms.ListCollaborationsInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListCollaborationsOutput, error)
	UpdateCollaboration(context.Context, *cleanrooms.UpdateCollaborationInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateCollaborationOutput, error)
	CreateMembership(context.Context, *cleanrooms.CreateMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateMembershipOutput, error)
	UpdateMembership(context.Context, *cleanrooms.UpdateMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateMembershipOutput, error)

	CreateAnalysisTemplate(context.Context, *cleanrooms.CreateAnalysisTemplateInput, ...func(*cleanrooms.Options)) (*cleanrooms.CreateAnalysisTemplateOutput, error)
	GetAnalysisTemplate(context.Context, *cleanrooms.GetAnalysisTemplateInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetAnalysisTemplateOutput, error)
	UpdateAnalysisTemplate(context.Context, *cleanrooms.UpdateAnalysisTemplateInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateAnalysisTemplateOutput, error)
	DeleteAnalysisTemplate(context.Context, *cleanrooms.DeleteAnalysisTemplateInput, ...func(*cleanrooms.Options)) (*cleanrooms.DeleteAnalysisTemplateOutput, error)
	ListAnalysisTemplates(context.Context, *cleanrooms.ListAnalysisTemplatesInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListAnalysisTemplatesOutput, error)

	StartProtectedQuery(context.Context, *cleanrooms.StartProtectedQueryInput, ...func(*cleanrooms.Options)) (*cleanrooms.StartProtectedQueryOutput, error)
	GetProtectedQuery(context.Context, *cleanrooms.GetProtectedQueryInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetProtectedQueryOutput, error)
	UpdateProtectedQuery(context.Context, *cleanrooms.UpdateProtectedQueryInput, ...func(*cleanrooms.Options)) (*cleanrooms.UpdateProtectedQueryOutput, error)
	ListProtectedQueries(context.Context, *cleanrooms.ListProtectedQueriesInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListProtectedQueriesOutput, error)

	GetMembership(context.Context, *cleanrooms.GetMembershipInput, ...func(*cleanrooms.Options)) (*cleanrooms.GetMembershipOutput, error)
	ListMembers(context.Context, *cleanrooms.ListMembersInput, ...func(*cleanrooms.Options)) (*cleanrooms.ListMembersOutput, error)
}

// DefaultTagKey is the tag Client puts on every resource it creates; its
// value is the TableSpec key. The API has no idempotency tokens and names are
// not unique, so this tag is how a rerun finds what an earlier run made.
const DefaultTagKey = "cdpkit:id"

// Options configure a Client. The zero value is the default.
type Options struct {
	// TagKey overrides DefaultTagKey.
	TagKey string
	// AllowReplace lets Ensure delete and recreate a rule or association
	// whose immutable fields changed. Without it Ensure returns
	// ErrReplacementRequired and writes nothing. Replacing an association
	// deletes its analysis rules with it; only the spec's AssociationRule
	// is recreated. Other members' SQL naming the old association name
	// stops working.
	AllowReplace bool
	// DryRun computes the changes without making any write call.
	DryRun bool
	// Strict treats validation warnings as errors.
	Strict bool
	// IAMRetries is how many times a write failing with
	// IAM_SYNCHRONIZATION_DELAY is retried (default 8; negative: never).
	IAMRetries int
	// IAMBackoff is the first retry delay, doubled per retry up to
	// IAMMaxBackoff (defaults 1s and 30s).
	IAMBackoff    time.Duration
	IAMMaxBackoff time.Duration
	// PollInterval is WaitQuery's first delay between polls, doubled per
	// poll up to MaxPollInterval, each with jitter (defaults 1s and 30s;
	// StartQuery backs off the same way between retries).
	PollInterval, MaxPollInterval time.Duration
	// StartRetries is how many times StartQuery retries a start whose
	// outcome is unknown (default 3; negative: never).
	StartRetries int
	// AdoptWindow is how far back StartQuery looks for a query a lost
	// response started (default 2 minutes, for clock skew).
	AdoptWindow time.Duration
	// Logger receives debug records of each change (no identifier values).
	// Nil: silent.
	Logger *slog.Logger
}

// problems checks the options the service sees: TagKey is a tag key
// (1–128 code points).
func (o Options) problems() Problems {
	var c collector
	if n := runeLen(o.TagKey); n > maxTagKey {
		c.err("options.tagKey", ReasonTooLong)
	}
	return c.ps
}

func (o Options) tagKey() string {
	if o.TagKey == "" {
		return DefaultTagKey
	}
	return o.TagKey
}

// Client ensures configured tables, their analysis rules, associations and
// association analysis rules exist as specified.
type Client struct {
	api  CleanRoomsAPI
	opts Options
}

// New returns a Client over api (a *cleanrooms.Client or a fake).
func New(api CleanRoomsAPI, optFns ...func(*Options)) *Client {
	c := &Client{api: api}
	for _, f := range optFns {
		f(&c.opts)
	}
	return c
}

// Resource names a kind of resource Ensure manages.
type Resource string

// Resources managed by Ensure, EnsureCollaboration and EnsureMembership.
const (
	ResourceTable           Resource = "configured table"
	ResourceRule            Resource = "analysis rule"
	ResourceAssociation     Resource = "association"
	ResourceAssociationRule Resource = "association analysis rule"
	ResourceCollaboration   Resource = "collaboration"
	ResourceMembership      Resource = "membership"
	ResourceTemplate        Resource = "analysis template"
)

// Action is what Ensure does (or would do) to a resource.
type Action string

// Actions.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionReplace Action = "replace"
	// ActionNone: the resource is as specified (collaboration plans list
	// every resource, no-ops included).
	ActionNone Action = "no-op"
)

// Change is one planned or applied change; Fields lists the wire names of
// the fields that differ (for a replacement: those that cannot be updated).
// Key names the resource within a plan when there are several of its kind
// (an analysis template's key); Reason says why, in words.
type Change struct {
	Resource Resource
	Action   Action
	Fields   []string
	Key      string
	Reason   string
}

func (c Change) String() string {
	s := string(c.Action) + " " + string(c.Resource)
	if c.Key != "" {
		s += " " + strconv.Quote(c.Key)
	}
	if len(c.Fields) > 0 {
		s += " (" + strings.Join(c.Fields, ", ") + ")"
	}
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

// Result is the outcome of Ensure.
type Result struct {
	ConfiguredTableID, ConfiguredTableARN string
	AssociationID, AssociationARN         string
	// Changes made (or, with DryRun, that would be made). Empty when the
	// setup was already as specified.
	Changes []Change
	// Warnings are the validation warnings of the spec.
	Warnings Problems
}

// state is what Ensure read before deciding.
type state struct {
	table     *types.ConfiguredTable
	rule      *types.ConfiguredTableAnalysisRule
	assoc     *types.ConfiguredTableAssociation
	assocRule *types.ConfiguredTableAssociationAnalysisRule
}

// Ensure makes the configured table, its analysis rule and (when given)
// the association and its analysis rule match spec, creating what is
// missing and updating in place what differs. It validates spec completely
// before any call, reads everything before the first write, and makes no
// write call when nothing differs. Changes that need a replacement (§2.2:
// rule type, association name or table) fail with ErrReplacementRequired
// unless Options.AllowReplace is set.
//
// The rule never names a column the table does not allow (A6): when
// allowed columns are removed while the rule changes, the table first
// allows old and new columns, and the removed ones go in one more update
// after the rule's (the Change is still one table update).
//
// When a write fails, Ensure returns the error together with the Result
// (the planned changes and the ids known so far). Nothing is rolled back: a
// rerun reads again, finds what was created by its tag, and does only what
// is still missing.
func (c *Client) Ensure(ctx context.Context, spec TableSpec, optFns ...func(*Options)) (*Result, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	op := "ensure"
	// Everything local first, so an invalid spec makes no call at all; the
	// receivers are then checked against the collaboration's members.
	ps := append(o.problems(), spec.validate(nil)...)
	if len(ps.Errors()) == 0 && spec.Association != nil && spec.AssociationRule != nil && len(spec.AssociationRule.ResultReceivers) > 0 {
		members, err := c.members(ctx, spec.Key, spec.Association.MembershipID)
		if err != nil {
			return nil, err
		}
		if members != nil {
			ps = append(o.problems(), spec.validate(members)...)
		}
	}
	if len(ps.Errors()) > 0 || (o.Strict && len(ps) > 0) {
		return nil, &Error{Op: op, Key: spec.Key, Kind: ErrInvalidInput, Problems: ps}
	}
	res := &Result{Warnings: ps.Warnings()}

	st, err := c.read(ctx, spec, o)
	if err != nil {
		return nil, err
	}
	changes := plan(spec, st)
	var replace []Change
	for _, ch := range changes {
		if ch.Action == ActionReplace {
			replace = append(replace, ch)
		}
	}
	if len(replace) > 0 && !o.AllowReplace {
		return nil, &Error{Op: op, Key: spec.Key, Kind: ErrReplacementRequired, Changes: replace}
	}
	res.Changes = changes
	if st.table != nil {
		res.ConfiguredTableID, res.ConfiguredTableARN = deref(st.table.Id), deref(st.table.Arn)
	}
	if st.assoc != nil {
		res.AssociationID, res.AssociationARN = deref(st.assoc.Id), deref(st.assoc.Arn)
	}
	if o.DryRun || len(changes) == 0 {
		return res, nil
	}
	if err := c.apply(ctx, spec, st, changes, o, res); err != nil {
		return res, err
	}
	return res, nil
}

// SetupResult is the outcome of EnsureAll, one Result per table in order.
type SetupResult struct {
	Tables []*Result
}

// EnsureAll validates the whole setup (every table and the rules spanning
// tables) before any write, then ensures the tables one after another. On
// failure it returns the results of the tables already ensured.
func (c *Client) EnsureAll(ctx context.Context, setup Setup, optFns ...func(*Options)) (*SetupResult, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	ps := append(o.problems(), setup.Validate()...)
	if len(ps.Errors()) > 0 || (o.Strict && len(ps) > 0) {
		return nil, &Error{Op: "ensure all", Kind: ErrInvalidInput, Problems: ps}
	}
	res := &SetupResult{}
	for _, spec := range setup.Tables {
		r, err := c.Ensure(ctx, spec, optFns...)
		if err != nil {
			return res, err
		}
		res.Tables = append(res.Tables, r)
	}
	return res, nil
}

func (c *Client) members(ctx context.Context, key, membershipID string) ([]Member, error) {
	m, err := c.api.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(membershipID)})
	if err != nil {
		return nil, fromAPI("get membership", key, err)
	}
	if m == nil || m.Membership == nil || m.Membership.CollaborationId == nil {
		return nil, emptyResponse("get membership", key)
	}
	var out []Member
	var token *string
	for {
		page, err := c.api.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: m.Membership.CollaborationId, NextToken: token})
		if err != nil {
			return nil, fromAPI("list members", key, err)
		}
		if page == nil {
			return nil, emptyResponse("list members", key)
		}
		for _, s := range page.MemberSummaries {
			out = append(out, Member{AccountID: deref(s.AccountId), Abilities: s.Abilities})
		}
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

// read finds the managed resources by tag and fetches their current state.
func (c *Client) read(ctx context.Context, spec TableSpec, o Options) (*state, error) {
	st := &state{}
	arn, err := c.findTable(ctx, spec, o)
	if err != nil {
		return nil, err
	}
	if arn != "" {
		id := arn[strings.LastIndexByte(arn, '/')+1:]
		out, err := c.api.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: aws.String(id)})
		if err != nil {
			return nil, fromAPI("get configured table", spec.Key, err)
		}
		if out == nil || out.ConfiguredTable == nil || out.ConfiguredTable.Id == nil {
			return nil, emptyResponse("get configured table", spec.Key)
		}
		st.table = out.ConfiguredTable
	}
	if st.table != nil && len(st.table.AnalysisRuleTypes) > 0 {
		// One rule per table: read the desired type if present, else the one there is.
		t := st.table.AnalysisRuleTypes[0]
		if spec.Rule != nil && slices.Contains(st.table.AnalysisRuleTypes, spec.Rule.Type()) {
			t = spec.Rule.Type()
		}
		out, err := c.api.GetConfiguredTableAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAnalysisRuleInput{
			ConfiguredTableIdentifier: st.table.Id, AnalysisRuleType: t})
		if err != nil {
			return nil, fromAPI("get analysis rule", spec.Key, err)
		}
		if out == nil || out.AnalysisRule == nil {
			return nil, emptyResponse("get analysis rule", spec.Key)
		}
		st.rule = out.AnalysisRule
	}
	if spec.Association == nil {
		return st, nil
	}
	if err := c.findAssociation(ctx, spec, o, st); err != nil {
		return nil, err
	}
	if st.assoc != nil && len(st.assoc.AnalysisRuleTypes) > 0 {
		t := st.assoc.AnalysisRuleTypes[0]
		if spec.AssociationRule != nil {
			if want := spec.associationRule().Type; slices.Contains(st.assoc.AnalysisRuleTypes, want) {
				t = want
			}
		}
		out, err := c.api.GetConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput{
			MembershipIdentifier: st.assoc.MembershipId, ConfiguredTableAssociationIdentifier: st.assoc.Id, AnalysisRuleType: t})
		if err != nil {
			return nil, fromAPI("get association analysis rule", spec.Key, err)
		}
		if out == nil || out.AnalysisRule == nil {
			return nil, emptyResponse("get association analysis rule", spec.Key)
		}
		st.assocRule = out.AnalysisRule
	}
	return st, nil
}

// findTable returns the ARN of the configured table tagged with spec.Key.
// Tables with the desired name are checked first, so the common case costs
// one tag lookup per same-named table; only when none carries the tag (a
// first run, or a rename) are all other tables' tags read. Two tables with
// the tag among those read are ErrConflict, never one picked.
func (c *Client) findTable(ctx context.Context, spec TableSpec, o Options) (string, error) {
	var same, other []string
	var token *string
	for {
		page, err := c.api.ListConfiguredTables(ctx, &cleanrooms.ListConfiguredTablesInput{NextToken: token})
		if err != nil {
			return "", fromAPI("list configured tables", spec.Key, err)
		}
		if page == nil {
			return "", emptyResponse("list configured tables", spec.Key)
		}
		for _, s := range page.ConfiguredTableSummaries {
			if deref(s.Name) == spec.Table.Name {
				same = append(same, deref(s.Arn))
			} else {
				other = append(other, deref(s.Arn))
			}
		}
		if token = page.NextToken; token == nil || *token == "" {
			break
		}
	}
	// Every same-named table is checked, so a duplicate left by an earlier
	// interrupted run or by hand is reported instead of silently picked.
	var found []string
	for _, arn := range same {
		ok, err := c.tagged(ctx, arn, spec.Key, o)
		if err != nil {
			return "", err
		}
		if ok {
			found = append(found, arn)
		}
	}
	if len(found) == 0 {
		// Renamed since the last run: look at all the others.
		for _, arn := range other {
			ok, err := c.tagged(ctx, arn, spec.Key, o)
			if err != nil {
				return "", err
			}
			if ok {
				found = append(found, arn)
			}
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", &Error{Op: "ensure configured table", Key: spec.Key, Kind: ErrConflict,
		Reason: "DUPLICATE_MANAGED_RESOURCES", ResourceType: string(types.ResourceTypeConfiguredTable)}
}

func (c *Client) tagged(ctx context.Context, arn, key string, o Options) (bool, error) {
	out, err := c.api.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return false, fromAPI("list tags", key, err)
	}
	if out == nil {
		return false, emptyResponse("list tags", key)
	}
	return out.Tags[o.tagKey()] == key, nil
}

// findAssociation finds the association tagged with spec.Key in the
// membership. An untagged association holding the desired name is not
// adopted: that is ErrAlreadyExists.
func (c *Client) findAssociation(ctx context.Context, spec TableSpec, o Options, st *state) error {
	a := spec.Association
	var summaries []types.ConfiguredTableAssociationSummary
	var token *string
	for {
		page, err := c.api.ListConfiguredTableAssociations(ctx, &cleanrooms.ListConfiguredTableAssociationsInput{
			MembershipIdentifier: aws.String(a.MembershipID), NextToken: token})
		if err != nil {
			return fromAPI("list associations", spec.Key, err)
		}
		if page == nil {
			return emptyResponse("list associations", spec.Key)
		}
		summaries = append(summaries, page.ConfiguredTableAssociationSummaries...)
		if token = page.NextToken; token == nil || *token == "" {
			break
		}
	}
	// Most likely ours: same name, then same table, then the rest.
	slices.SortStableFunc(summaries, func(x, y types.ConfiguredTableAssociationSummary) int {
		rank := func(s types.ConfiguredTableAssociationSummary) int {
			switch {
			case deref(s.Name) == a.Name:
				return 0
			case st.table != nil && deref(s.ConfiguredTableId) == deref(st.table.Id):
				return 1
			}
			return 2
		}
		return rank(x) - rank(y)
	})
	nameTaken := false
	for _, s := range summaries {
		ok, err := c.tagged(ctx, deref(s.Arn), spec.Key, o)
		if err != nil {
			return err
		}
		if ok {
			out, err := c.api.GetConfiguredTableAssociation(ctx, &cleanrooms.GetConfiguredTableAssociationInput{
				MembershipIdentifier: s.MembershipId, ConfiguredTableAssociationIdentifier: s.Id})
			if err != nil {
				return fromAPI("get association", spec.Key, err)
			}
			if out == nil || out.ConfiguredTableAssociation == nil || out.ConfiguredTableAssociation.Id == nil {
				return emptyResponse("get association", spec.Key)
			}
			st.assoc = out.ConfiguredTableAssociation
			return nil
		}
		if deref(s.Name) == a.Name {
			nameTaken = true
		}
	}
	if nameTaken {
		return &Error{Op: "ensure association", Key: spec.Key, Kind: ErrAlreadyExists,
			ResourceType: string(types.ResourceTypeConfiguredTableAssociation)}
	}
	return nil
}

// plan compares the desired spec with the current state.
func plan(spec TableSpec, st *state) []Change {
	var out []Change
	add := func(r Resource, a Action, fields ...string) {
		out = append(out, Change{Resource: r, Action: a, Fields: fields})
	}
	if st.table == nil {
		add(ResourceTable, ActionCreate)
	} else if f := tableDiff(spec.Table, st.table); len(f) > 0 {
		add(ResourceTable, ActionUpdate, f...)
	}
	if spec.Rule != nil {
		switch {
		case st.rule == nil:
			add(ResourceRule, ActionCreate)
		case st.rule.Type != spec.Rule.Type():
			add(ResourceRule, ActionReplace, "analysisRuleType")
		case !samePolicy(st.rule.Policy, spec.Rule.Policy()):
			add(ResourceRule, ActionUpdate, "analysisRulePolicy")
		}
	}
	if a := spec.Association; a != nil {
		replaced := false
		switch {
		case st.assoc == nil:
			add(ResourceAssociation, ActionCreate)
		default:
			var imm []string
			if deref(st.assoc.Name) != a.Name {
				imm = append(imm, "name")
			}
			if st.table == nil || deref(st.assoc.ConfiguredTableId) != deref(st.table.Id) {
				imm = append(imm, "configuredTableIdentifier")
			}
			if len(imm) > 0 {
				add(ResourceAssociation, ActionReplace, imm...)
				replaced = true
				break
			}
			var f []string
			if deref(st.assoc.Description) != a.Description {
				f = append(f, "description")
			}
			if deref(st.assoc.RoleArn) != a.RoleARN {
				f = append(f, "roleArn")
			}
			if len(f) > 0 {
				add(ResourceAssociation, ActionUpdate, f...)
			}
		}
		if spec.AssociationRule != nil {
			r := spec.associationRule()
			switch {
			case st.assocRule == nil || replaced:
				add(ResourceAssociationRule, ActionCreate)
			case st.assocRule.Type != r.Type:
				add(ResourceAssociationRule, ActionReplace, "analysisRuleType")
			case !samePolicy(st.assocRule.Policy, r.Policy()):
				add(ResourceAssociationRule, ActionUpdate, "analysisRulePolicy")
			}
		}
	}
	return out
}

func tableDiff(t Table, cur *types.ConfiguredTable) []string {
	var f []string
	if deref(cur.Name) != t.Name {
		f = append(f, "name")
	}
	if deref(cur.Description) != t.Description {
		f = append(f, "description")
	}
	if !samePolicy(cur.TableReference, t.reference()) {
		f = append(f, "tableReference")
	}
	if !sameSet(cur.AllowedColumns, t.AllowedColumns) {
		f = append(f, "allowedColumns")
	}
	if cur.AnalysisMethod != t.method() {
		f = append(f, "analysisMethod")
	}
	if !sameSet(cur.SelectedAnalysisMethods, t.SelectedAnalysisMethods) {
		f = append(f, "selectedAnalysisMethods")
	}
	return f
}

// samePolicy compares two SDK values by their wire JSON, treating an empty
// list and an absent one as equal (a service may echo either) and lists of
// strings as sets (every such list in a policy or table reference is one:
// columns, functions, operators, analyses, accounts), so a service that
// returns them in another order does not cause a write on every rerun.
func samePolicy(a, b any) bool {
	x, err1 := canonical(a)
	y, err2 := canonical(b)
	return err1 == nil && err2 == nil && x == y
}

func canonical(v any) (string, error) {
	b, err := wire.Marshal(v)
	if err != nil {
		return "", err
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return "", err
	}
	out, err := json.Marshal(normalize(x))
	return string(out), err
}

// normalize drops empty lists and sorts lists of strings, in place.
func normalize(x any) any {
	switch v := x.(type) {
	case map[string]any:
		for k, e := range v {
			if arr, ok := e.([]any); ok && len(arr) == 0 {
				delete(v, k)
				continue
			}
			v[k] = normalize(e)
		}
	case []any:
		strs := make([]string, 0, len(v))
		for i := range v {
			v[i] = normalize(v[i])
			if s, ok := v[i].(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(v) {
			slices.Sort(strs)
			for i, s := range strs {
				v[i] = s
			}
		}
	}
	return x
}

func sameSet[T ~string](a, b []T) bool {
	x, y := slices.Clone(dedupe(a)), slices.Clone(dedupe(b))
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// apply makes the planned changes in dependency order.
func (c *Client) apply(ctx context.Context, spec TableSpec, st *state, changes []Change, o Options, res *Result) error {
	tags := map[string]string{o.tagKey(): spec.Key}
	find := func(r Resource) (Change, bool) {
		i := slices.IndexFunc(changes, func(ch Change) bool { return ch.Resource == r })
		if i < 0 {
			return Change{}, false
		}
		return changes[i], true
	}
	log := func(ch Change) {
		if o.Logger != nil {
			o.Logger.LogAttrs(ctx, slog.LevelDebug, "cleanroom: "+ch.String(), slog.String("key", spec.Key))
		}
	}
	// narrowTo, when set, is the final allowedColumns, written after the
	// rule changed (see below).
	var narrowTo []string
	if ch, ok := find(ResourceTable); ok {
		log(ch)
		if ch.Action == ActionCreate {
			var out *cleanrooms.CreateConfiguredTableOutput
			err := c.write(ctx, o, func() (err error) {
				out, err = c.api.CreateConfiguredTable(ctx, spec.Table.CreateInput(tags))
				return err
			})
			if err != nil {
				return fromAPI("create configured table", spec.Key, err)
			}
			if out == nil || out.ConfiguredTable == nil || out.ConfiguredTable.Id == nil {
				return emptyResponse("create configured table", spec.Key)
			}
			st.table = out.ConfiguredTable
		} else {
			in := &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: st.table.Id}
			for _, f := range ch.Fields {
				switch f {
				case "name":
					in.Name = aws.String(spec.Table.Name)
				case "description":
					in.Description = aws.String(spec.Table.Description)
				case "tableReference":
					in.TableReference = spec.Table.reference()
				case "allowedColumns":
					in.AllowedColumns = dedupe(spec.Table.AllowedColumns)
					// The current rule may name columns being removed and the
					// new one columns being added; the rule must only name
					// allowed columns (A6). Allow both until the rule has
					// changed, then drop the removed ones.
					if _, ruleChanges := find(ResourceRule); ruleChanges && st.rule != nil {
						var removed []string
						for _, col := range st.table.AllowedColumns {
							if !slices.Contains(in.AllowedColumns, col) {
								removed = append(removed, col)
							}
						}
						if len(removed) > 0 {
							narrowTo = in.AllowedColumns
							in.AllowedColumns = append(slices.Clone(narrowTo), removed...)
						}
					}
				case "analysisMethod":
					in.AnalysisMethod = spec.Table.method()
				case "selectedAnalysisMethods":
					in.AnalysisMethod = spec.Table.method()
					in.SelectedAnalysisMethods = dedupe(spec.Table.SelectedAnalysisMethods)
				}
			}
			var out *cleanrooms.UpdateConfiguredTableOutput
			err := c.write(ctx, o, func() (err error) {
				out, err = c.api.UpdateConfiguredTable(ctx, in)
				return err
			})
			if err != nil {
				return fromAPI("update configured table", spec.Key, err)
			}
			if out == nil || out.ConfiguredTable == nil || out.ConfiguredTable.Id == nil {
				return emptyResponse("update configured table", spec.Key)
			}
			st.table = out.ConfiguredTable
		}
		res.ConfiguredTableID, res.ConfiguredTableARN = deref(st.table.Id), deref(st.table.Arn)
	}
	tableID := st.table.Id
	if ch, ok := find(ResourceRule); ok {
		log(ch)
		if ch.Action == ActionReplace {
			err := c.write(ctx, o, func() error {
				_, err := c.api.DeleteConfiguredTableAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAnalysisRuleInput{
					ConfiguredTableIdentifier: tableID, AnalysisRuleType: st.rule.Type})
				return err
			})
			if err != nil {
				return fromAPI("delete analysis rule", spec.Key, err)
			}
		}
		var err error
		if ch.Action == ActionUpdate {
			err = c.write(ctx, o, func() error {
				_, err := c.api.UpdateConfiguredTableAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAnalysisRuleInput{
					ConfiguredTableIdentifier: tableID, AnalysisRuleType: spec.Rule.Type(), AnalysisRulePolicy: spec.Rule.Policy()})
				return err
			})
		} else {
			err = c.write(ctx, o, func() error {
				_, err := c.api.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
					ConfiguredTableIdentifier: tableID, AnalysisRuleType: spec.Rule.Type(), AnalysisRulePolicy: spec.Rule.Policy()})
				return err
			})
		}
		if err != nil {
			return fromAPI(string(ch.Action)+" analysis rule", spec.Key, err)
		}
	}
	if narrowTo != nil {
		var out *cleanrooms.UpdateConfiguredTableOutput
		err := c.write(ctx, o, func() (err error) {
			out, err = c.api.UpdateConfiguredTable(ctx, &cleanrooms.UpdateConfiguredTableInput{ConfiguredTableIdentifier: tableID, AllowedColumns: narrowTo})
			return err
		})
		if err != nil {
			return fromAPI("update configured table", spec.Key, err)
		}
		if out == nil || out.ConfiguredTable == nil || out.ConfiguredTable.Id == nil {
			return emptyResponse("update configured table", spec.Key)
		}
		st.table = out.ConfiguredTable
	}
	a := spec.Association
	if a == nil {
		return nil
	}
	if ch, ok := find(ResourceAssociation); ok {
		log(ch)
		switch ch.Action {
		case ActionReplace:
			if err := c.deleteAssociation(ctx, spec.Key, st, o); err != nil {
				return err
			}
			fallthrough
		case ActionCreate:
			var out *cleanrooms.CreateConfiguredTableAssociationOutput
			err := c.write(ctx, o, func() (err error) {
				out, err = c.api.CreateConfiguredTableAssociation(ctx, a.CreateInput(deref(tableID), tags))
				return err
			})
			if err != nil {
				return fromAPI("create association", spec.Key, err)
			}
			if out == nil || out.ConfiguredTableAssociation == nil || out.ConfiguredTableAssociation.Id == nil {
				return emptyResponse("create association", spec.Key)
			}
			st.assoc, st.assocRule = out.ConfiguredTableAssociation, nil
		case ActionUpdate:
			in := &cleanrooms.UpdateConfiguredTableAssociationInput{
				MembershipIdentifier: aws.String(a.MembershipID), ConfiguredTableAssociationIdentifier: st.assoc.Id}
			for _, f := range ch.Fields {
				switch f {
				case "description":
					in.Description = aws.String(a.Description)
				case "roleArn":
					in.RoleArn = aws.String(a.RoleARN)
				}
			}
			var out *cleanrooms.UpdateConfiguredTableAssociationOutput
			err := c.write(ctx, o, func() (err error) {
				out, err = c.api.UpdateConfiguredTableAssociation(ctx, in)
				return err
			})
			if err != nil {
				return fromAPI("update association", spec.Key, err)
			}
			if out == nil || out.ConfiguredTableAssociation == nil || out.ConfiguredTableAssociation.Id == nil {
				return emptyResponse("update association", spec.Key)
			}
			st.assoc = out.ConfiguredTableAssociation
		}
		res.AssociationID, res.AssociationARN = deref(st.assoc.Id), deref(st.assoc.Arn)
	}
	if ch, ok := find(ResourceAssociationRule); ok {
		log(ch)
		r := spec.associationRule()
		if ch.Action == ActionReplace {
			err := c.write(ctx, o, func() error {
				_, err := c.api.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
					MembershipIdentifier: aws.String(a.MembershipID), ConfiguredTableAssociationIdentifier: st.assoc.Id, AnalysisRuleType: st.assocRule.Type})
				return err
			})
			if err != nil {
				return fromAPI("delete association analysis rule", spec.Key, err)
			}
		}
		var err error
		if ch.Action == ActionUpdate {
			err = c.write(ctx, o, func() error {
				_, err := c.api.UpdateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput{
					MembershipIdentifier: aws.String(a.MembershipID), ConfiguredTableAssociationIdentifier: st.assoc.Id,
					AnalysisRuleType: r.Type, AnalysisRulePolicy: r.Policy()})
				return err
			})
		} else {
			err = c.write(ctx, o, func() error {
				_, err := c.api.CreateConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput{
					MembershipIdentifier: aws.String(a.MembershipID), ConfiguredTableAssociationIdentifier: st.assoc.Id,
					AnalysisRuleType: r.Type, AnalysisRulePolicy: r.Policy()})
				return err
			})
		}
		if err != nil {
			return fromAPI(string(ch.Action)+" association analysis rule", spec.Key, err)
		}
	}
	return nil
}

func (c *Client) deleteAssociation(ctx context.Context, key string, st *state, o Options) error {
	for _, t := range st.assoc.AnalysisRuleTypes {
		err := c.write(ctx, o, func() error {
			_, err := c.api.DeleteConfiguredTableAssociationAnalysisRule(ctx, &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput{
				MembershipIdentifier: st.assoc.MembershipId, ConfiguredTableAssociationIdentifier: st.assoc.Id, AnalysisRuleType: t})
			return err
		})
		if err != nil {
			return fromAPI("delete association analysis rule", key, err)
		}
	}
	err := c.write(ctx, o, func() error {
		_, err := c.api.DeleteConfiguredTableAssociation(ctx, &cleanrooms.DeleteConfiguredTableAssociationInput{
			MembershipIdentifier: st.assoc.MembershipId, ConfiguredTableAssociationIdentifier: st.assoc.Id})
		return err
	})
	if err != nil {
		return fromAPI("delete association", key, err)
	}
	return nil
}

// write runs a write call, retrying ValidationException
// IAM_SYNCHRONIZATION_DELAY with exponential backoff. It waits on timers
// only, honouring ctx.
func (c *Client) write(ctx context.Context, o Options, call func() error) error {
	retries := o.IAMRetries
	if retries == 0 {
		retries = 8
	}
	delay, maxDelay := o.IAMBackoff, o.IAMMaxBackoff
	if delay <= 0 {
		delay = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 30 * time.Second
	}
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil || !IsRetryableIAMDelay(err) || attempt >= retries {
			return err
		}
		if o.Logger != nil {
			o.Logger.LogAttrs(ctx, slog.LevelDebug, "cleanroom: IAM synchronization delay, retrying",
				slog.Int("attempt", attempt+1), slog.Duration("delay", delay))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, maxDelay)
	}
}

// emptyResponse is the error for an operation that answered without its
// output and without an error (a broken CleanRoomsAPI implementation or
// proxy): Ensure stops rather than guess.
func emptyResponse(op, key string) error {
	return &Error{Op: op, Key: key, Kind: ErrInternal, Reason: "EMPTY_RESPONSE"}
}
