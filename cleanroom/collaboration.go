package cleanroom

import (
	"context"
	"log/slog"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// MemberSpec is an invited member of a collaboration. Being listed is the
// invitation: the member joins with its own membership (EnsureMembership).
type MemberSpec struct {
	AccountID   string
	DisplayName string
	// Abilities: CAN_QUERY and/or CAN_RECEIVE_RESULTS (CAN_RUN_JOB).
	Abilities []types.MemberAbility
	// Payment, when set, says whether the member pays for queries.
	Payment *types.PaymentConfiguration
}

// ResultConfiguration is a membership's default result location: the S3
// bucket and prefix query results go to, their format (CSV by default),
// and the role the service writes them with.
type ResultConfiguration struct {
	Bucket    string
	KeyPrefix string
	Format    types.ResultFormat
	RoleARN   string
}

func (r *ResultConfiguration) sdk() *types.MembershipProtectedQueryResultConfiguration {
	if r == nil {
		return nil
	}
	f := r.Format
	if f == "" {
		f = types.ResultFormatCsv
	}
	s3 := types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String(r.Bucket), ResultFormat: f}
	if r.KeyPrefix != "" {
		s3.KeyPrefix = aws.String(r.KeyPrefix)
	}
	out := &types.MembershipProtectedQueryResultConfiguration{OutputConfiguration: &types.MembershipProtectedQueryOutputConfigurationMemberS3{Value: s3}}
	if r.RoleARN != "" {
		out.RoleArn = aws.String(r.RoleARN)
	}
	return out
}

// MembershipSpec is the caller's own membership in a collaboration.
type MembershipSpec struct {
	// QueryLogStatus defaults to DISABLED.
	QueryLogStatus types.MembershipQueryLogStatus
	// Results is the default result configuration (required to receive
	// results of queries other members run).
	Results *ResultConfiguration
}

func (m MembershipSpec) logStatus() types.MembershipQueryLogStatus {
	if m.QueryLogStatus == "" {
		return types.MembershipQueryLogStatusDisabled
	}
	return m.QueryLogStatus
}

// CollaborationSpec is the desired state of a collaboration the caller
// creates, of the caller's membership in it, and of the analysis templates
// in that membership. Key is the stable identity: every resource created
// is tagged with it (templates with Key + "/" + the template's key).
type CollaborationSpec struct {
	Key                string
	Name               string
	Description        string
	CreatorDisplayName string
	CreatorAbilities   []types.MemberAbility
	CreatorPayment     *types.PaymentConfiguration
	Members            []MemberSpec
	// QueryLogStatus defaults to DISABLED.
	QueryLogStatus  types.CollaborationQueryLogStatus
	AnalyticsEngine types.AnalyticsEngine
	// DataEncryption is the C3R settings (required for C3R tables).
	DataEncryption *types.DataEncryptionMetadata
	// Membership is the creator's own membership; nil: the creator does not
	// join (its status stays INVITED).
	Membership *MembershipSpec
	// Templates are created in the creator's membership (which they need).
	Templates []TemplateSpec
}

// CreateInput is the CreateCollaboration request for s with tags.
func (s CollaborationSpec) CreateInput(tags map[string]string) *cleanrooms.CreateCollaborationInput {
	in := &cleanrooms.CreateCollaborationInput{
		Name: aws.String(s.Name), Description: aws.String(s.Description),
		CreatorDisplayName: aws.String(s.CreatorDisplayName), CreatorMemberAbilities: s.CreatorAbilities,
		CreatorPaymentConfiguration: s.CreatorPayment, Members: []types.MemberSpecification{},
		QueryLogStatus: s.logStatus(), AnalyticsEngine: s.AnalyticsEngine, DataEncryptionMetadata: s.DataEncryption,
		Tags: tags,
	}
	if in.CreatorMemberAbilities == nil {
		in.CreatorMemberAbilities = []types.MemberAbility{}
	}
	for _, m := range s.Members {
		ab := m.Abilities
		if ab == nil {
			ab = []types.MemberAbility{}
		}
		in.Members = append(in.Members, types.MemberSpecification{AccountId: aws.String(m.AccountID), DisplayName: aws.String(m.DisplayName),
			MemberAbilities: ab, PaymentConfiguration: m.Payment})
	}
	return in
}

func (s CollaborationSpec) logStatus() types.CollaborationQueryLogStatus {
	if s.QueryLogStatus == "" {
		return types.CollaborationQueryLogStatusDisabled
	}
	return s.QueryLogStatus
}

// Validate checks the collaboration request, the membership's result
// configuration and every template (paths "collaboration.",
// "membership.", "templates[i].").
func (s CollaborationSpec) Validate() Problems {
	var c collector
	if s.Key == "" {
		c.err("key", ReasonRequired)
	} else if runeLen(s.Key) > maxTagValue-64 {
		c.err("key", ReasonTooLong)
	}
	prefix(&c, "collaboration.", ValidateCreateCollaboration(s.CreateInput(nil)))
	if s.Membership != nil {
		prefix(&c, "membership.", ValidateMembershipResults(s.Membership.Results.sdk()))
	}
	if len(s.Templates) > 0 && s.Membership == nil {
		c.err("membership", ReasonRequired)
	}
	keys, names := map[string]bool{}, map[string]bool{}
	for i, t := range s.Templates {
		p := "templates" + idx(i) + "."
		if t.Key == "" {
			c.err(p+"key", ReasonRequired)
		} else if keys[t.Key] {
			c.err(p+"key", ReasonDuplicate)
		}
		keys[t.Key] = true
		if names[t.Name] {
			c.err(p+"name", ReasonDuplicate)
		}
		names[t.Name] = true
		prefix(&c, p, ValidateCreateTemplate(t.CreateInput("00000000-0000-0000-0000-000000000000", nil)))
	}
	return c.ps
}

// CollaborationResult is the outcome of EnsureCollaboration.
type CollaborationResult struct {
	CollaborationID, CollaborationARN string
	MembershipID, MembershipARN       string
	// Templates maps each template key to its ARN (for Custom rules'
	// AllowedAnalyses).
	Templates map[string]string
	// Plan lists every resource with its action, no-ops included.
	Plan []Change
	// Warnings are the validation warnings of the spec.
	Warnings Problems
}

// TemplateARNs returns the ARNs of the templates with the given keys, in
// order, for a Custom rule's AllowedAnalyses (keys of templates not yet
// created, as in a dry run, are left out).
func (r *CollaborationResult) TemplateARNs(keys ...string) []string {
	out := []string{}
	for _, k := range keys {
		if arn := r.Templates[k]; arn != "" {
			out = append(out, arn)
		}
	}
	return out
}

// Changes returns the plan's entries that write.
func (r *CollaborationResult) Changes() []Change {
	var out []Change
	for _, c := range r.Plan {
		if c.Action != ActionNone {
			out = append(out, c)
		}
	}
	return out
}

type collabState struct {
	collab    *types.Collaboration
	members   []types.MemberSummary
	member    *types.Membership
	templates map[string]*types.AnalysisTemplate // by template key
}

// EnsureCollaboration makes the collaboration, the caller's membership and
// the analysis templates match spec. It validates everything first, finds
// existing resources by tag, plans, and writes only what differs: a rerun
// of an unchanged spec makes no write call.
//
// In place: the collaboration's name, description and analytics engine;
// the membership's query logging and default result configuration; a
// template's description. Everything else about a collaboration (creator
// display name and abilities, members, query logging, encryption settings)
// cannot change once created: such differences are ErrReplacementRequired,
// always, since replacing a collaboration removes every member's
// memberships and associations — delete it by hand if that is meant. A
// template whose SQL, parameters or name changed is replaced (deleted and
// created, which gives it a new ARN that owners' Custom rules must list)
// only with Options.AllowReplace. Options.DryRun (PlanCollaboration)
// returns the plan, replacements included, without writing.
func (c *Client) EnsureCollaboration(ctx context.Context, spec CollaborationSpec, optFns ...func(*Options)) (*CollaborationResult, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	const op = "ensure collaboration"
	ps := append(o.problems(), spec.Validate()...)
	if len(ps.Errors()) > 0 || (o.Strict && len(ps) > 0) {
		return nil, &Error{Op: op, Key: spec.Key, Kind: ErrInvalidInput, Problems: ps}
	}
	res := &CollaborationResult{Warnings: ps.Warnings(), Templates: map[string]string{}}
	st, err := c.readCollaboration(ctx, spec, o)
	if err != nil {
		return nil, err
	}
	res.Plan = planCollaboration(spec, st)
	var replace []Change
	for _, ch := range res.Plan {
		if ch.Action == ActionReplace && (ch.Resource != ResourceTemplate || !o.AllowReplace) {
			replace = append(replace, ch)
		}
	}
	fill := func() {
		if st.collab != nil {
			res.CollaborationID, res.CollaborationARN = deref(st.collab.Id), deref(st.collab.Arn)
		}
		if st.member != nil {
			res.MembershipID, res.MembershipARN = deref(st.member.Id), deref(st.member.Arn)
		}
		for k, t := range st.templates {
			res.Templates[k] = deref(t.Arn)
		}
	}
	fill()
	if o.DryRun {
		return res, nil
	}
	if len(replace) > 0 {
		return nil, &Error{Op: op, Key: spec.Key, Kind: ErrReplacementRequired, Changes: replace}
	}
	if len(res.Changes()) == 0 {
		return res, nil
	}
	err = c.applyCollaboration(ctx, spec, st, res.Plan, o)
	fill()
	return res, err
}

// PlanCollaboration is EnsureCollaboration with Options.DryRun: it reads
// and returns the plan (every resource with create, update, replace or
// no-op and a reason) without writing, replacements included (applying
// them is what fails with ErrReplacementRequired).
func (c *Client) PlanCollaboration(ctx context.Context, spec CollaborationSpec, optFns ...func(*Options)) (*CollaborationResult, error) {
	return c.EnsureCollaboration(ctx, spec, append(slices.Clone(optFns), func(o *Options) { o.DryRun = true })...)
}

func (c *Client) readCollaboration(ctx context.Context, spec CollaborationSpec, o Options) (*collabState, error) {
	st := &collabState{templates: map[string]*types.AnalysisTemplate{}}
	var same, other []types.CollaborationSummary
	var token *string
	for {
		page, err := c.api.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{NextToken: token})
		if err != nil {
			return nil, fromAPI("list collaborations", spec.Key, err)
		}
		if page == nil {
			return nil, emptyResponse("list collaborations", spec.Key)
		}
		for _, s := range page.CollaborationList {
			if deref(s.Name) == spec.Name {
				same = append(same, s)
			} else {
				other = append(other, s)
			}
		}
		if token = page.NextToken; token == nil || *token == "" {
			break
		}
	}
	var found []types.CollaborationSummary
	for _, group := range [][]types.CollaborationSummary{same, other} {
		for _, s := range group {
			ok, err := c.taggedOwn(ctx, deref(s.Arn), spec.Key, o)
			if err != nil {
				return nil, err
			}
			if ok {
				found = append(found, s)
			}
		}
		if len(found) > 0 {
			break
		}
	}
	switch len(found) {
	case 0:
		return st, nil
	case 1:
	default:
		return nil, &Error{Op: "ensure collaboration", Key: spec.Key, Kind: ErrConflict, Reason: "DUPLICATE_MANAGED_RESOURCES", ResourceType: string(types.ResourceTypeCollaboration)}
	}
	out, err := c.api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: found[0].Id})
	if err != nil {
		return nil, fromAPI("get collaboration", spec.Key, err)
	}
	if out == nil || out.Collaboration == nil || out.Collaboration.Id == nil {
		return nil, emptyResponse("get collaboration", spec.Key)
	}
	st.collab = out.Collaboration
	if st.members, err = c.listMembers(ctx, spec.Key, st.collab.Id); err != nil {
		return nil, err
	}
	if st.collab.MembershipId != nil && *st.collab.MembershipId != "" {
		if st.member, err = c.getMembership(ctx, spec.Key, *st.collab.MembershipId); err != nil {
			return nil, err
		}
		if err := c.readTemplates(ctx, spec, st, o); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// taggedOwn is tagged for resources that may belong to another account
// (a collaboration someone else created): AccessDenied means not ours.
func (c *Client) taggedOwn(ctx context.Context, arn, key string, o Options) (bool, error) {
	ok, err := c.tagged(ctx, arn, key, o)
	if err != nil {
		if ce, isCE := err.(*Error); isCE && (ce.Kind == ErrAccessDenied || ce.Kind == ErrNotFound) {
			return false, nil
		}
	}
	return ok, err
}

func (c *Client) listMembers(ctx context.Context, key string, collabID *string) ([]types.MemberSummary, error) {
	var out []types.MemberSummary
	var token *string
	for {
		page, err := c.api.ListMembers(ctx, &cleanrooms.ListMembersInput{CollaborationIdentifier: collabID, NextToken: token})
		if err != nil {
			return nil, fromAPI("list members", key, err)
		}
		if page == nil {
			return nil, emptyResponse("list members", key)
		}
		out = append(out, page.MemberSummaries...)
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

func (c *Client) getMembership(ctx context.Context, key, id string) (*types.Membership, error) {
	out, err := c.api.GetMembership(ctx, &cleanrooms.GetMembershipInput{MembershipIdentifier: aws.String(id)})
	if err != nil {
		return nil, fromAPI("get membership", key, err)
	}
	if out == nil || out.Membership == nil || out.Membership.Id == nil {
		return nil, emptyResponse("get membership", key)
	}
	return out.Membership, nil
}

func templateTag(specKey, templateKey string) string { return specKey + "/" + templateKey }

func (c *Client) readTemplates(ctx context.Context, spec CollaborationSpec, st *collabState, o Options) error {
	want := map[string]string{} // tag value → template key
	for _, t := range spec.Templates {
		want[templateTag(spec.Key, t.Key)] = t.Key
	}
	var token *string
	for {
		page, err := c.api.ListAnalysisTemplates(ctx, &cleanrooms.ListAnalysisTemplatesInput{MembershipIdentifier: st.member.Id, NextToken: token})
		if err != nil {
			return fromAPI("list analysis templates", spec.Key, err)
		}
		if page == nil {
			return emptyResponse("list analysis templates", spec.Key)
		}
		for _, s := range page.AnalysisTemplateSummaries {
			tags, err := c.api.ListTagsForResource(ctx, &cleanrooms.ListTagsForResourceInput{ResourceArn: s.Arn})
			if err != nil {
				return fromAPI("list tags", spec.Key, err)
			}
			if tags == nil {
				return emptyResponse("list tags", spec.Key)
			}
			k, ok := want[tags.Tags[o.tagKey()]]
			if !ok {
				continue
			}
			if st.templates[k] != nil {
				return &Error{Op: "ensure analysis template", Key: spec.Key, Kind: ErrConflict, Reason: "DUPLICATE_MANAGED_RESOURCES"}
			}
			out, err := c.api.GetAnalysisTemplate(ctx, &cleanrooms.GetAnalysisTemplateInput{MembershipIdentifier: st.member.Id, AnalysisTemplateIdentifier: s.Id})
			if err != nil {
				return fromAPI("get analysis template", spec.Key, err)
			}
			if out == nil || out.AnalysisTemplate == nil || out.AnalysisTemplate.Id == nil {
				return emptyResponse("get analysis template", spec.Key)
			}
			st.templates[k] = out.AnalysisTemplate
		}
		if token = page.NextToken; token == nil || *token == "" {
			return nil
		}
	}
}

// planCollaboration compares the spec with what exists (reference §2.2:
// what changes in place, what needs a replacement).
func planCollaboration(spec CollaborationSpec, st *collabState) []Change {
	var plan []Change
	add := func(r Resource, a Action, key, reason string, fields ...string) {
		plan = append(plan, Change{Resource: r, Action: a, Key: key, Reason: reason, Fields: fields})
	}
	if st.collab == nil {
		add(ResourceCollaboration, ActionCreate, "", "no collaboration carries the key's tag")
		if spec.Membership != nil {
			add(ResourceMembership, ActionCreate, "", "the creator has not joined")
		}
		for _, t := range spec.Templates {
			add(ResourceTemplate, ActionCreate, t.Key, "new membership")
		}
		return plan
	}
	col := st.collab
	var imm []string
	if deref(col.CreatorDisplayName) != spec.CreatorDisplayName {
		imm = append(imm, "creatorDisplayName")
	}
	if col.QueryLogStatus != spec.logStatus() {
		imm = append(imm, "queryLogStatus")
	}
	if !sameEncryption(col.DataEncryptionMetadata, spec.DataEncryption) {
		imm = append(imm, "dataEncryptionMetadata")
	}
	creator := deref(col.CreatorAccountId)
	byAccount := map[string]types.MemberSummary{}
	for _, m := range st.members {
		byAccount[deref(m.AccountId)] = m
	}
	if cm, ok := byAccount[creator]; ok && !sameSet(cm.Abilities, spec.CreatorAbilities) {
		imm = append(imm, "creatorMemberAbilities")
	}
	if !samePayment(byAccount[creator].PaymentConfiguration, spec.CreatorPayment) {
		imm = append(imm, "creatorPaymentConfiguration")
	}
	wantMembers := map[string]MemberSpec{}
	for _, m := range spec.Members {
		wantMembers[m.AccountID] = m
	}
	membersDiffer := len(st.members)-1 != len(spec.Members)
	for acct, m := range byAccount {
		if acct == creator {
			continue
		}
		w, ok := wantMembers[acct]
		if !ok || deref(m.DisplayName) != w.DisplayName || !sameSet(m.Abilities, w.Abilities) || !samePayment(m.PaymentConfiguration, w.Payment) {
			membersDiffer = true
		}
	}
	if membersDiffer {
		imm = append(imm, "members")
	}
	var upd []string
	if deref(col.Name) != spec.Name {
		upd = append(upd, "name")
	}
	if deref(col.Description) != spec.Description {
		upd = append(upd, "description")
	}
	if spec.AnalyticsEngine != "" && col.AnalyticsEngine != spec.AnalyticsEngine {
		upd = append(upd, "analyticsEngine")
	}
	switch {
	case len(imm) > 0:
		add(ResourceCollaboration, ActionReplace, "", "fixed when the collaboration was created (members change only through change requests)", imm...)
	case len(upd) > 0:
		add(ResourceCollaboration, ActionUpdate, "", "updatable in place", upd...)
	default:
		add(ResourceCollaboration, ActionNone, "", "as specified")
	}
	if spec.Membership == nil {
		return plan
	}
	if st.member == nil {
		add(ResourceMembership, ActionCreate, "", "the creator has not joined")
		for _, t := range spec.Templates {
			add(ResourceTemplate, ActionCreate, t.Key, "new membership")
		}
		return plan
	}
	if f := membershipDiff(st.member, *spec.Membership); len(f) > 0 {
		add(ResourceMembership, ActionUpdate, "", "updatable in place", f...)
	} else {
		add(ResourceMembership, ActionNone, "", "as specified")
	}
	for _, t := range spec.Templates {
		cur := st.templates[t.Key]
		if cur == nil {
			add(ResourceTemplate, ActionCreate, t.Key, "no template carries the key's tag")
			continue
		}
		var imm []string
		if deref(cur.Name) != t.Name {
			imm = append(imm, "name")
		}
		if src, _ := cur.Source.(*types.AnalysisSourceMemberText); src == nil || src.Value != t.SQL || cur.Format != types.AnalysisFormatSql {
			imm = append(imm, "source")
		}
		if !sameParameters(cur.AnalysisParameters, t.Parameters) {
			imm = append(imm, "analysisParameters")
		}
		switch {
		case len(imm) > 0:
			add(ResourceTemplate, ActionReplace, t.Key, "only the description changes in place; a new template has a new ARN that every Custom rule listing the old one must list", imm...)
		case deref(cur.Description) != t.Description:
			add(ResourceTemplate, ActionUpdate, t.Key, "updatable in place", "description")
		default:
			add(ResourceTemplate, ActionNone, t.Key, "as specified")
		}
	}
	return plan
}

func membershipDiff(cur *types.Membership, want MembershipSpec) []string {
	var f []string
	if cur.QueryLogStatus != want.logStatus() {
		f = append(f, "queryLogStatus")
	}
	w := want.Results.sdk()
	if (cur.DefaultResultConfiguration == nil) != (w == nil) || (w != nil && !samePolicy(cur.DefaultResultConfiguration, w)) {
		f = append(f, "defaultResultConfiguration")
	}
	return f
}

func sameEncryption(a, b *types.DataEncryptionMetadata) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return aws.ToBool(a.AllowCleartext) == aws.ToBool(b.AllowCleartext) && aws.ToBool(a.AllowDuplicates) == aws.ToBool(b.AllowDuplicates) &&
		aws.ToBool(a.AllowJoinsOnColumnsWithDifferentNames) == aws.ToBool(b.AllowJoinsOnColumnsWithDifferentNames) &&
		aws.ToBool(a.PreserveNulls) == aws.ToBool(b.PreserveNulls)
}

func samePayment(a, b *types.PaymentConfiguration) bool {
	pays := func(p *types.PaymentConfiguration) bool {
		return p != nil && p.QueryCompute != nil && aws.ToBool(p.QueryCompute.IsResponsible)
	}
	return pays(a) == pays(b)
}

func sameParameters(cur []types.AnalysisParameter, want []TemplateParameter) bool {
	if len(cur) != len(want) {
		return false
	}
	for i, p := range want {
		c := cur[i]
		if deref(c.Name) != p.Name || c.Type != p.Type || (c.DefaultValue == nil) != (p.Default == nil) ||
			(p.Default != nil && *c.DefaultValue != *p.Default) {
			return false
		}
	}
	return true
}

func (c *Client) applyCollaboration(ctx context.Context, spec CollaborationSpec, st *collabState, plan []Change, o Options) error {
	tags := map[string]string{o.tagKey(): spec.Key}
	for _, ch := range plan {
		if ch.Action == ActionNone {
			continue
		}
		if o.Logger != nil {
			o.Logger.LogAttrs(ctx, slog.LevelDebug, "cleanroom: "+ch.String(), slog.String("key", spec.Key))
		}
		var err error
		switch ch.Resource {
		case ResourceCollaboration:
			err = c.applyCollab(ctx, spec, st, ch, tags, o)
		case ResourceMembership:
			err = c.applyMembership(ctx, spec.Key, deref(st.collab.Id), st, *spec.Membership, ch, tags, nil, o)
		case ResourceTemplate:
			i := slices.IndexFunc(spec.Templates, func(t TemplateSpec) bool { return t.Key == ch.Key })
			err = c.applyTemplate(ctx, spec.Key, spec.Templates[i], st, ch, o)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) applyCollab(ctx context.Context, spec CollaborationSpec, st *collabState, ch Change, tags map[string]string, o Options) error {
	if ch.Action == ActionCreate {
		var out *cleanrooms.CreateCollaborationOutput
		err := c.write(ctx, o, func() (err error) {
			out, err = c.api.CreateCollaboration(ctx, spec.CreateInput(tags))
			return err
		})
		if err != nil {
			return fromAPI("create collaboration", spec.Key, err)
		}
		if out == nil || out.Collaboration == nil || out.Collaboration.Id == nil {
			return emptyResponse("create collaboration", spec.Key)
		}
		st.collab = out.Collaboration
		return nil
	}
	in := &cleanrooms.UpdateCollaborationInput{CollaborationIdentifier: st.collab.Id}
	for _, f := range ch.Fields {
		switch f {
		case "name":
			in.Name = aws.String(spec.Name)
		case "description":
			in.Description = aws.String(spec.Description)
		case "analyticsEngine":
			in.AnalyticsEngine = spec.AnalyticsEngine
		}
	}
	out, err := c.api.UpdateCollaboration(ctx, in)
	if err != nil {
		return fromAPI("update collaboration", spec.Key, err)
	}
	if out == nil || out.Collaboration == nil {
		return emptyResponse("update collaboration", spec.Key)
	}
	st.collab = out.Collaboration
	return nil
}

// applyMembership creates or updates the caller's membership. payment is
// the creator's choice for the caller, echoed on create when known.
func (c *Client) applyMembership(ctx context.Context, key, collabID string, st *collabState, m MembershipSpec, ch Change, tags map[string]string, payment *bool, o Options) error {
	if ch.Action == ActionCreate {
		in := &cleanrooms.CreateMembershipInput{CollaborationIdentifier: aws.String(collabID), QueryLogStatus: m.logStatus(),
			DefaultResultConfiguration: m.Results.sdk(), Tags: tags}
		if payment != nil {
			in.PaymentConfiguration = &types.MembershipPaymentConfiguration{QueryCompute: &types.MembershipQueryComputePaymentConfig{IsResponsible: payment}}
		}
		var out *cleanrooms.CreateMembershipOutput
		err := c.write(ctx, o, func() (err error) {
			out, err = c.api.CreateMembership(ctx, in)
			return err
		})
		if err != nil {
			return fromAPI("create membership", key, err)
		}
		if out == nil || out.Membership == nil || out.Membership.Id == nil {
			return emptyResponse("create membership", key)
		}
		st.member = out.Membership
		return nil
	}
	in := &cleanrooms.UpdateMembershipInput{MembershipIdentifier: st.member.Id}
	for _, f := range ch.Fields {
		switch f {
		case "queryLogStatus":
			in.QueryLogStatus = m.logStatus()
		case "defaultResultConfiguration":
			in.DefaultResultConfiguration = m.Results.sdk()
		}
	}
	var out *cleanrooms.UpdateMembershipOutput
	err := c.write(ctx, o, func() (err error) {
		out, err = c.api.UpdateMembership(ctx, in)
		return err
	})
	if err != nil {
		return fromAPI("update membership", key, err)
	}
	if out == nil || out.Membership == nil {
		return emptyResponse("update membership", key)
	}
	st.member = out.Membership
	return nil
}

func (c *Client) applyTemplate(ctx context.Context, key string, t TemplateSpec, st *collabState, ch Change, o Options) error {
	switch ch.Action {
	case ActionUpdate:
		out, err := c.api.UpdateAnalysisTemplate(ctx, &cleanrooms.UpdateAnalysisTemplateInput{MembershipIdentifier: st.member.Id,
			AnalysisTemplateIdentifier: st.templates[t.Key].Id, Description: aws.String(t.Description)})
		if err != nil {
			return fromAPI("update analysis template", key, err)
		}
		if out == nil || out.AnalysisTemplate == nil {
			return emptyResponse("update analysis template", key)
		}
		st.templates[t.Key] = out.AnalysisTemplate
		return nil
	case ActionReplace:
		_, err := c.api.DeleteAnalysisTemplate(ctx, &cleanrooms.DeleteAnalysisTemplateInput{MembershipIdentifier: st.member.Id,
			AnalysisTemplateIdentifier: st.templates[t.Key].Id})
		if err != nil {
			return fromAPI("delete analysis template", key, err)
		}
		delete(st.templates, t.Key)
	}
	var out *cleanrooms.CreateAnalysisTemplateOutput
	err := c.write(ctx, o, func() (err error) {
		out, err = c.api.CreateAnalysisTemplate(ctx, t.CreateInput(deref(st.member.Id), map[string]string{o.tagKey(): templateTag(key, t.Key)}))
		return err
	})
	if err != nil {
		return fromAPI("create analysis template", key, err)
	}
	if out == nil || out.AnalysisTemplate == nil || out.AnalysisTemplate.Id == nil {
		return emptyResponse("create analysis template", key)
	}
	st.templates[t.Key] = out.AnalysisTemplate
	return nil
}

// JoinSpec is an invited member's side: the collaboration it was invited
// to and its membership there. The collaboration is found by ID, or else by
// name and creator account among the caller's invitations and
// collaborations.
type JoinSpec struct {
	// Key tags the membership.
	Key               string
	CollaborationID   string
	CollaborationName string
	CreatorAccountID  string
	// AccountID is the caller's account; needed only when the creator made
	// a member the payer and several members are still invited (the
	// membership must then say whether the caller pays).
	AccountID  string
	Membership MembershipSpec
}

// MembershipResult is the outcome of EnsureMembership.
type MembershipResult struct {
	CollaborationID             string
	MembershipID, MembershipARN string
	Plan                        []Change
}

// EnsureMembership makes the caller a member of the collaboration it was
// invited to (being listed is the invitation: CreateMembership accepts it)
// with the given settings, updating them in place on later runs; a rerun
// of an unchanged spec writes nothing. An account has at most one
// membership per collaboration, so the membership is found through the
// collaboration (a membership created by hand is adopted, not duplicated).
// The payment configuration sent echoes the creator's choice for the
// caller, as the service requires.
func (c *Client) EnsureMembership(ctx context.Context, spec JoinSpec, optFns ...func(*Options)) (*MembershipResult, error) {
	o := c.opts
	for _, f := range optFns {
		f(&o)
	}
	const op = "ensure membership"
	var v collector
	if spec.Key == "" {
		v.err("key", ReasonRequired)
	}
	if spec.CollaborationID == "" && (spec.CollaborationName == "" || spec.CreatorAccountID == "") {
		v.err("collaborationId", ReasonRequired)
	}
	prefix(&v, "membership.", ValidateMembershipResults(spec.Membership.Results.sdk()))
	if len(v.ps.Errors()) > 0 {
		return nil, &Error{Op: op, Key: spec.Key, Kind: ErrInvalidInput, Problems: v.ps}
	}
	id := spec.CollaborationID
	if id == "" {
		var token *string
		for id == "" {
			page, err := c.api.ListCollaborations(ctx, &cleanrooms.ListCollaborationsInput{NextToken: token})
			if err != nil {
				return nil, fromAPI("list collaborations", spec.Key, err)
			}
			if page == nil {
				return nil, emptyResponse("list collaborations", spec.Key)
			}
			for _, s := range page.CollaborationList {
				if deref(s.Name) == spec.CollaborationName && deref(s.CreatorAccountId) == spec.CreatorAccountID {
					if id != "" {
						return nil, &Error{Op: op, Key: spec.Key, Kind: ErrConflict, Reason: "AMBIGUOUS_COLLABORATION", ResourceType: string(types.ResourceTypeCollaboration)}
					}
					id = deref(s.Id)
				}
			}
			if token = page.NextToken; token == nil || *token == "" {
				break
			}
		}
		if id == "" {
			return nil, &Error{Op: op, Key: spec.Key, Kind: ErrNotFound, ResourceType: string(types.ResourceTypeCollaboration)}
		}
	}
	out, err := c.api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(id)})
	if err != nil {
		return nil, fromAPI("get collaboration", spec.Key, err)
	}
	if out == nil || out.Collaboration == nil {
		return nil, emptyResponse("get collaboration", spec.Key)
	}
	st := &collabState{collab: out.Collaboration}
	res := &MembershipResult{CollaborationID: id}
	var payment *bool
	if mid := deref(st.collab.MembershipId); mid != "" {
		if st.member, err = c.getMembership(ctx, spec.Key, mid); err != nil {
			return nil, err
		}
		if f := membershipDiff(st.member, spec.Membership); len(f) > 0 {
			res.Plan = append(res.Plan, Change{Resource: ResourceMembership, Action: ActionUpdate, Fields: f, Reason: "updatable in place"})
		} else {
			res.Plan = append(res.Plan, Change{Resource: ResourceMembership, Action: ActionNone, Reason: "as specified"})
		}
	} else {
		members, err := c.listMembers(ctx, spec.Key, st.collab.Id)
		if err != nil {
			return nil, err
		}
		payment = echoPayment(members, spec.AccountID)
		res.Plan = append(res.Plan, Change{Resource: ResourceMembership, Action: ActionCreate, Reason: "invited, not yet joined"})
	}
	if !o.DryRun && res.Plan[0].Action != ActionNone {
		if err := c.applyMembership(ctx, spec.Key, id, st, spec.Membership, res.Plan[0], map[string]string{o.tagKey(): spec.Key}, payment, o); err != nil {
			return res, err
		}
	}
	if st.member != nil {
		res.MembershipID, res.MembershipARN = deref(st.member.Id), deref(st.member.Arn)
	}
	return res, nil
}

// echoPayment is what CreateMembership must say about paying for
// queries: nil when no member was made the payer explicitly, else whether
// the caller (account, when known; else the only invited member) is that
// member.
func echoPayment(members []types.MemberSummary, account string) *bool {
	var payer string
	var invited []string
	for _, m := range members {
		if m.PaymentConfiguration != nil && m.PaymentConfiguration.QueryCompute != nil && aws.ToBool(m.PaymentConfiguration.QueryCompute.IsResponsible) {
			payer = deref(m.AccountId)
		}
		if m.Status == types.MemberStatusInvited {
			invited = append(invited, deref(m.AccountId))
		}
	}
	switch {
	case payer == "":
		return nil
	case account != "":
		return aws.Bool(account == payer)
	case len(invited) == 1:
		return aws.Bool(invited[0] == payer)
	}
	return nil
}
