package cleanroomtest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// CleanRoomsOptions configure a CleanRooms fake. The zero value is the
// default.
type CleanRoomsOptions struct {
	// AccountID is the caller's account (default "111122223333").
	AccountID string
	// Region is used in ARNs (default "us-east-1").
	Region string
	// Now stamps create/update times (default time.Now).
	Now func() time.Time
	// MaxConfiguredTables is the "Configured tables per account" quota
	// (default 250).
	MaxConfiguredTables int
	// QueryQueued and QueryRuns are how long a protected query stays
	// SUBMITTED and then STARTED by Now (defaults 1s and 2s).
	QueryQueued, QueryRuns time.Duration
	// Results is where query results are written (default: an in-memory
	// S3 on the clock Now, see CleanRooms.S3). An *S3 made by NewS3
	// without a clock of its own takes Now as its clock.
	Results ResultSink
	// ResultFileRows, when positive, splits results into files of at most
	// this many rows, as the service writes large results in parts.
	ResultFileRows int
	// PageSize, when positive, caps every list page at this many items
	// whatever maxResults asks for, as the service may return a nextToken
	// before maxResults is met. Zero: pages of maxResults (default 100).
	PageSize int
}

// CleanRooms is an in-memory AWS Clean Rooms for one account: configured
// tables and their analysis rules, collaborations, memberships,
// configured table associations and their analysis rules, and tags. It
// implements cleanroom.CleanRoomsAPI with the SDK's signatures and returns
// the SDK's error types: *types.ValidationException (reason
// FIELD_VALIDATION_FAILED and a fieldList of JSON paths) for every
// model-level (E) problem cleanroom's validators find, *types.ConflictException
// for a second rule on a table or a taken association name,
// *types.ResourceNotFoundException for unknown ids and
// *types.AccessDeniedException for collaborations the account is not in.
// It is safe for concurrent use and honours context cancellation.
type CleanRooms struct {
	*world
	// account is the caller this view acts as (see As).
	account string
}

// world is the state every account's view shares.
type world struct {
	mu     sync.Mutex
	opts   CleanRoomsOptions
	seq    int
	tables map[string]*tableRec
	// collaborations and memberships by id
	collabs     map[string]*collabRec
	memberships map[string]*types.Membership
	assocs      map[string]*assocRec
	templates   map[string]*types.AnalysisTemplate
	queries     map[string]*queryRec
	data        map[dataKey]TableData
	idmts       map[string]*idmtRec          // ID mapping tables by id
	tags        map[string]map[string]string // by ARN
	calls       map[string]int
	writes      int
	faults      map[string][]error
}

type tableRec struct {
	t     types.ConfiguredTable
	rules map[types.ConfiguredTableAnalysisRuleType]types.ConfiguredTableAnalysisRule
}

type assocRec struct {
	a     types.ConfiguredTableAssociation
	rules map[types.ConfiguredTableAssociationAnalysisRuleType]types.ConfiguredTableAssociationAnalysisRule
}

// NewCleanRooms returns an empty fake acting as Options.AccountID.
func NewCleanRooms(optFns ...func(*CleanRoomsOptions)) *CleanRooms {
	w := &world{
		tables: map[string]*tableRec{}, collabs: map[string]*collabRec{},
		memberships: map[string]*types.Membership{}, assocs: map[string]*assocRec{},
		templates: map[string]*types.AnalysisTemplate{}, queries: map[string]*queryRec{}, data: map[dataKey]TableData{},
		idmts: map[string]*idmtRec{},
		tags:  map[string]map[string]string{}, calls: map[string]int{}, faults: map[string][]error{},
	}
	for _, fn := range optFns {
		fn(&w.opts)
	}
	if w.opts.AccountID == "" {
		w.opts.AccountID = "111122223333"
	}
	if w.opts.Region == "" {
		w.opts.Region = "us-east-1"
	}
	if w.opts.Now == nil {
		w.opts.Now = time.Now
	}
	if w.opts.MaxConfiguredTables == 0 {
		w.opts.MaxConfiguredTables = 250
	}
	switch s := w.opts.Results.(type) {
	case nil:
		w.opts.Results = NewS3(func(o *S3Options) { o.Now = w.opts.Now })
	case *S3:
		s.adoptClock(w.opts.Now)
	}
	return &CleanRooms{world: w, account: w.opts.AccountID}
}

// As returns a view of the same fake acting as another AWS account: the
// collaboration creator and an invited member are two views of one fake.
// Configured tables, memberships and tags belong to the account that
// created them; collaborations are visible to their members.
func (f *CleanRooms) As(accountID string) *CleanRooms {
	return &CleanRooms{world: f.world, account: accountID}
}

var _ cleanroom.CleanRoomsAPI = (*CleanRooms)(nil)

// AccountID is the fake's own account id.
func (f *CleanRooms) AccountID() string { return f.account }

// Writes is the number of write calls (Create*, Update*, Delete*, Tag*,
// Untag*) received so far, failed ones included.
func (f *CleanRooms) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

// Calls is the number of calls of the named operation (e.g.
// "CreateConfiguredTable") received so far.
func (f *CleanRooms) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// FailNext makes the next len(errs) calls of op fail with errs in order
// (e.g. IAMDelay() to simulate IAM eventual consistency).
func (f *CleanRooms) FailNext(op string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], errs...)
}

// IAMDelay is the ValidationException the service returns while a role is
// not yet visible to it.
func IAMDelay() error {
	return &types.ValidationException{
		Message: aws.String("Unable to assume role; IAM changes may still be propagating"),
		Reason:  types.ValidationExceptionReasonIamSynchronizationDelay,
	}
}

// enter records a call and returns an injected fault or context error.
// The caller must hold f.mu.
func (f *CleanRooms) enter(ctx context.Context, op string, write bool) error {
	f.calls[op]++
	if write {
		f.writes++
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if q := f.faults[op]; len(q) > 0 {
		f.faults[op] = q[1:]
		return q[0]
	}
	return nil
}

func (f *CleanRooms) newID() string {
	f.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", f.seq, f.seq)
}

func (f *CleanRooms) arn(resource string) string {
	return "arn:aws:cleanrooms:" + f.opts.Region + ":" + f.account + ":" + resource
}

func (f *CleanRooms) now() *time.Time {
	t := f.opts.Now().UTC().Truncate(time.Millisecond)
	return &t
}

// clone deep-copies an SDK value through its wire form, as a round trip
// through the service would. Shapes the wire codec does not know (which
// validation rejects before anything is stored) are returned as they are.
func clone[T any](v T) T {
	var out T
	b, err := wire.Marshal(v)
	if err != nil {
		return v
	}
	if err := wire.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

func validation(ps cleanroom.Problems) error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	ve := &types.ValidationException{Reason: types.ValidationExceptionReasonFieldValidationFailed}
	msgs := make([]string, len(errs))
	for i, p := range errs {
		ve.FieldList = append(ve.FieldList, types.ValidationExceptionField{Name: aws.String(p.Path), Message: aws.String(string(p.Reason))})
		msgs[i] = p.Path + ": " + string(p.Reason)
	}
	ve.Message = aws.String(strconv.Itoa(len(errs)) + " validation error(s) detected: " + strings.Join(msgs, "; "))
	return ve
}

func notFound(rt types.ResourceType, id string) error {
	return &types.ResourceNotFoundException{Message: aws.String("resource not found"), ResourceType: rt, ResourceId: aws.String(id)}
}

func conflict(rt types.ResourceType, id string, reason types.ConflictExceptionReason, msg string) error {
	return &types.ConflictException{Message: aws.String(msg), ResourceType: rt, ResourceId: aws.String(id), Reason: reason}
}

func badID(field string) error {
	return validation(cleanroom.Problems{{Path: field, Reason: cleanroom.ReasonPattern, Severity: cleanroom.SeverityError}})
}

func isUUID(p *string) bool {
	return p != nil && len(*p) == 36 && strings.Count(*p, "-") == 4 && strings.ToLower(*p) == *p
}

// ---- configured tables ----

// CreateConfiguredTable implements the operation.
func (f *CleanRooms) CreateConfiguredTable(ctx context.Context, in *cleanrooms.CreateConfiguredTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateConfiguredTable", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateCreateTable(in)); err != nil {
		return nil, err
	}
	if f.ownedTables() >= f.opts.MaxConfiguredTables {
		return nil, &types.ServiceQuotaExceededException{Message: aws.String("quota exceeded"),
			QuotaName: aws.String("Configured tables per account"), QuotaValue: aws.Float64(float64(f.opts.MaxConfiguredTables))}
	}
	id := f.newID()
	now := f.now()
	t := types.ConfiguredTable{
		Arn: aws.String(f.arn("configuredtable/" + id)), Id: aws.String(id), Name: in.Name, Description: in.Description,
		TableReference: in.TableReference, AllowedColumns: in.AllowedColumns, AnalysisMethod: in.AnalysisMethod,
		SelectedAnalysisMethods: in.SelectedAnalysisMethods, AnalysisRuleTypes: []types.ConfiguredTableAnalysisRuleType{},
		CreateTime: now, UpdateTime: now,
	}
	t = clone(t)
	f.tables[id] = &tableRec{t: t, rules: map[types.ConfiguredTableAnalysisRuleType]types.ConfiguredTableAnalysisRule{}}
	f.tags[*t.Arn] = clone(in.Tags)
	return &cleanrooms.CreateConfiguredTableOutput{ConfiguredTable: ptr(clone(t))}, nil
}

func (f *CleanRooms) table(id *string) (*tableRec, error) {
	if !isUUID(id) {
		return nil, badID("configuredTableIdentifier")
	}
	t, ok := f.tables[*id]
	if !ok || !f.owns(t.t.Arn) {
		return nil, notFound(types.ResourceTypeConfiguredTable, *id)
	}
	return t, nil
}

// GetConfiguredTable implements the operation.
func (f *CleanRooms) GetConfiguredTable(ctx context.Context, in *cleanrooms.GetConfiguredTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetConfiguredTable", false); err != nil {
		return nil, err
	}
	t, err := f.table(in.ConfiguredTableIdentifier)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetConfiguredTableOutput{ConfiguredTable: ptr(clone(t.t))}, nil
}

// UpdateConfiguredTable implements the operation (every field in place).
func (f *CleanRooms) UpdateConfiguredTable(ctx context.Context, in *cleanrooms.UpdateConfiguredTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateConfiguredTable", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateUpdateTable(in)); err != nil {
		return nil, err
	}
	t, err := f.table(in.ConfiguredTableIdentifier)
	if err != nil {
		return nil, err
	}
	c := clone(*in)
	if c.AllowedColumns != nil {
		for _, r := range t.rules {
			if err := validation(cleanroom.ValidateRuleColumns(c.AllowedColumns, r.Policy)); err != nil {
				return nil, err // the rule would name a column no longer allowed
			}
		}
	}
	if c.Name != nil {
		t.t.Name = c.Name
	}
	if c.Description != nil {
		t.t.Description = c.Description
		if *c.Description == "" {
			t.t.Description = nil
		}
	}
	if c.TableReference != nil {
		t.t.TableReference = c.TableReference
	}
	if c.AllowedColumns != nil {
		t.t.AllowedColumns = c.AllowedColumns
	}
	if c.AnalysisMethod != "" {
		t.t.AnalysisMethod = c.AnalysisMethod
	}
	if c.SelectedAnalysisMethods != nil {
		t.t.SelectedAnalysisMethods = c.SelectedAnalysisMethods
	}
	t.t.UpdateTime = f.now()
	return &cleanrooms.UpdateConfiguredTableOutput{ConfiguredTable: ptr(clone(t.t))}, nil
}

// ListConfiguredTables implements the operation, paginated by MaxResults
// (1–100, default 100) and NextToken.
func (f *CleanRooms) ListConfiguredTables(ctx context.Context, in *cleanrooms.ListConfiguredTablesInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTablesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListConfiguredTables", false); err != nil {
		return nil, err
	}
	var all []types.ConfiguredTableSummary
	for _, t := range f.tables {
		if !f.owns(t.t.Arn) {
			continue
		}
		all = append(all, types.ConfiguredTableSummary{
			Arn: t.t.Arn, Id: t.t.Id, Name: t.t.Name, AnalysisMethod: t.t.AnalysisMethod,
			AnalysisRuleTypes: t.t.AnalysisRuleTypes, SelectedAnalysisMethods: t.t.SelectedAnalysisMethods,
			CreateTime: t.t.CreateTime, UpdateTime: t.t.UpdateTime})
	}
	slices.SortFunc(all, func(a, b types.ConfiguredTableSummary) int { return strings.Compare(*a.Id, *b.Id) })
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListConfiguredTablesOutput{ConfiguredTableSummaries: page, NextToken: next}, nil
}

// DeleteConfiguredTable implements the operation. A table with
// associations is ConflictException SUBRESOURCES_EXIST.
func (f *CleanRooms) DeleteConfiguredTable(ctx context.Context, in *cleanrooms.DeleteConfiguredTableInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteConfiguredTable", true); err != nil {
		return nil, err
	}
	t, err := f.table(in.ConfiguredTableIdentifier)
	if err != nil {
		return nil, err
	}
	for _, a := range f.assocs {
		if aws.ToString(a.a.ConfiguredTableId) == *t.t.Id {
			return nil, conflict(types.ResourceTypeConfiguredTable, *t.t.Id, types.ConflictExceptionReasonSubresourcesExist, "configured table has associations")
		}
	}
	delete(f.tables, *t.t.Id)
	delete(f.tags, *t.t.Arn)
	return &cleanrooms.DeleteConfiguredTableOutput{}, nil
}

// ---- configured table analysis rules ----

// CreateConfiguredTableAnalysisRule implements the operation: one rule per
// table (ConflictException ALREADY_EXISTS otherwise).
func (f *CleanRooms) CreateConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.CreateConfiguredTableAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateConfiguredTableAnalysisRule", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateRule(in.AnalysisRuleType, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	t, err := f.table(in.ConfiguredTableIdentifier)
	if err != nil {
		return nil, err
	}
	if len(t.rules) > 0 {
		return nil, conflict(types.ResourceTypeConfiguredTable, *t.t.Id, types.ConflictExceptionReasonAlreadyExists, "an analysis rule already exists for this configured table")
	}
	if err := validation(cleanroom.ValidateRuleColumns(t.t.AllowedColumns, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	now := f.now()
	r := clone(types.ConfiguredTableAnalysisRule{
		ConfiguredTableArn: t.t.Arn, ConfiguredTableId: t.t.Id, Type: in.AnalysisRuleType,
		Policy: in.AnalysisRulePolicy, CreateTime: now, UpdateTime: now})
	t.rules[in.AnalysisRuleType] = r
	t.t.AnalysisRuleTypes = append(t.t.AnalysisRuleTypes, in.AnalysisRuleType)
	t.t.UpdateTime = now
	return &cleanrooms.CreateConfiguredTableAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

func (f *CleanRooms) tableRule(id *string, rt types.ConfiguredTableAnalysisRuleType) (*tableRec, types.ConfiguredTableAnalysisRule, error) {
	t, err := f.table(id)
	if err != nil {
		return nil, types.ConfiguredTableAnalysisRule{}, err
	}
	r, ok := t.rules[rt]
	if !ok {
		return nil, r, notFound(types.ResourceTypeConfiguredTable, *t.t.Id)
	}
	return t, r, nil
}

// GetConfiguredTableAnalysisRule implements the operation.
func (f *CleanRooms) GetConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.GetConfiguredTableAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetConfiguredTableAnalysisRule", false); err != nil {
		return nil, err
	}
	_, r, err := f.tableRule(in.ConfiguredTableIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetConfiguredTableAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

// UpdateConfiguredTableAnalysisRule implements the operation (policy only;
// the type is the rule's identity).
func (f *CleanRooms) UpdateConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.UpdateConfiguredTableAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateConfiguredTableAnalysisRule", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateRule(in.AnalysisRuleType, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	t, r, err := f.tableRule(in.ConfiguredTableIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateRuleColumns(t.t.AllowedColumns, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	r.Policy = clone(in.AnalysisRulePolicy)
	r.UpdateTime = f.now()
	t.rules[in.AnalysisRuleType] = r
	return &cleanrooms.UpdateConfiguredTableAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

// DeleteConfiguredTableAnalysisRule implements the operation.
func (f *CleanRooms) DeleteConfiguredTableAnalysisRule(ctx context.Context, in *cleanrooms.DeleteConfiguredTableAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteConfiguredTableAnalysisRule", true); err != nil {
		return nil, err
	}
	t, _, err := f.tableRule(in.ConfiguredTableIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	delete(t.rules, in.AnalysisRuleType)
	t.t.AnalysisRuleTypes = slices.DeleteFunc(t.t.AnalysisRuleTypes, func(x types.ConfiguredTableAnalysisRuleType) bool { return x == in.AnalysisRuleType })
	return &cleanrooms.DeleteConfiguredTableAnalysisRuleOutput{}, nil
}

// ---- associations ----

// CreateConfiguredTableAssociation implements the operation. The name is
// unique per membership, and not the name of an ID mapping table of the
// collaboration (ConflictException ALREADY_EXISTS).
func (f *CleanRooms) CreateConfiguredTableAssociation(ctx context.Context, in *cleanrooms.CreateConfiguredTableAssociationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAssociationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateConfiguredTableAssociation", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateCreateAssociation(in)); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	t, err := f.table(in.ConfiguredTableIdentifier)
	if err != nil {
		return nil, err
	}
	for _, a := range f.assocs {
		if aws.ToString(a.a.MembershipId) == *m.Id && aws.ToString(a.a.Name) == *in.Name {
			return nil, conflict(types.ResourceTypeConfiguredTableAssociation, *a.a.Id, types.ConflictExceptionReasonAlreadyExists, "an association with this name already exists in the membership")
		}
	}
	for _, t := range f.collabIDMappingTables(aws.ToString(m.CollaborationId)) {
		if strings.EqualFold(aws.ToString(t.t.Name), *in.Name) {
			return nil, conflict(types.ResourceTypeConfiguredTableAssociation, *t.t.Id, types.ConflictExceptionReasonAlreadyExists, "an ID mapping table with this name already exists in the collaboration")
		}
	}
	id := f.newID()
	now := f.now()
	a := clone(types.ConfiguredTableAssociation{
		Arn: aws.String(f.arn("configuredtableassociation/" + *m.Id + "/" + id)), Id: aws.String(id),
		ConfiguredTableArn: t.t.Arn, ConfiguredTableId: t.t.Id, MembershipArn: m.Arn, MembershipId: m.Id,
		Name: in.Name, Description: in.Description, RoleArn: in.RoleArn,
		AnalysisRuleTypes: []types.ConfiguredTableAssociationAnalysisRuleType{}, CreateTime: now, UpdateTime: now})
	f.assocs[id] = &assocRec{a: a, rules: map[types.ConfiguredTableAssociationAnalysisRuleType]types.ConfiguredTableAssociationAnalysisRule{}}
	f.tags[*a.Arn] = clone(in.Tags)
	return &cleanrooms.CreateConfiguredTableAssociationOutput{ConfiguredTableAssociation: ptr(clone(a))}, nil
}

func (f *CleanRooms) assoc(membershipID, id *string) (*assocRec, error) {
	m, err := f.membership(membershipID)
	if err != nil {
		return nil, err
	}
	if !isUUID(id) {
		return nil, badID("configuredTableAssociationIdentifier")
	}
	a, ok := f.assocs[*id]
	if !ok || aws.ToString(a.a.MembershipId) != *m.Id {
		return nil, notFound(types.ResourceTypeConfiguredTableAssociation, *id)
	}
	return a, nil
}

// GetConfiguredTableAssociation implements the operation.
func (f *CleanRooms) GetConfiguredTableAssociation(ctx context.Context, in *cleanrooms.GetConfiguredTableAssociationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetConfiguredTableAssociation", false); err != nil {
		return nil, err
	}
	a, err := f.assoc(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetConfiguredTableAssociationOutput{ConfiguredTableAssociation: ptr(clone(a.a))}, nil
}

// UpdateConfiguredTableAssociation implements the operation (description
// and role ARN).
func (f *CleanRooms) UpdateConfiguredTableAssociation(ctx context.Context, in *cleanrooms.UpdateConfiguredTableAssociationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAssociationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateConfiguredTableAssociation", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateUpdateAssociation(in)); err != nil {
		return nil, err
	}
	a, err := f.assoc(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		a.a.Description = aws.String(*in.Description)
		if *in.Description == "" {
			a.a.Description = nil
		}
	}
	if in.RoleArn != nil {
		a.a.RoleArn = aws.String(*in.RoleArn)
	}
	a.a.UpdateTime = f.now()
	return &cleanrooms.UpdateConfiguredTableAssociationOutput{ConfiguredTableAssociation: ptr(clone(a.a))}, nil
}

// ListConfiguredTableAssociations implements the operation.
func (f *CleanRooms) ListConfiguredTableAssociations(ctx context.Context, in *cleanrooms.ListConfiguredTableAssociationsInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListConfiguredTableAssociationsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListConfiguredTableAssociations", false); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	var all []types.ConfiguredTableAssociationSummary
	for _, a := range f.assocs {
		if aws.ToString(a.a.MembershipId) != *m.Id {
			continue
		}
		all = append(all, types.ConfiguredTableAssociationSummary{
			Arn: a.a.Arn, Id: a.a.Id, Name: a.a.Name, ConfiguredTableId: a.a.ConfiguredTableId,
			MembershipArn: a.a.MembershipArn, MembershipId: a.a.MembershipId, AnalysisRuleTypes: a.a.AnalysisRuleTypes,
			CreateTime: a.a.CreateTime, UpdateTime: a.a.UpdateTime})
	}
	slices.SortFunc(all, func(a, b types.ConfiguredTableAssociationSummary) int { return strings.Compare(*a.Id, *b.Id) })
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListConfiguredTableAssociationsOutput{ConfiguredTableAssociationSummaries: page, NextToken: next}, nil
}

// DeleteConfiguredTableAssociation implements the operation. An
// association with analysis rules is ConflictException SUBRESOURCES_EXIST.
func (f *CleanRooms) DeleteConfiguredTableAssociation(ctx context.Context, in *cleanrooms.DeleteConfiguredTableAssociationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAssociationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteConfiguredTableAssociation", true); err != nil {
		return nil, err
	}
	a, err := f.assoc(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier)
	if err != nil {
		return nil, err
	}
	if len(a.rules) > 0 {
		return nil, conflict(types.ResourceTypeConfiguredTableAssociation, *a.a.Id, types.ConflictExceptionReasonSubresourcesExist, "association has analysis rules")
	}
	delete(f.assocs, *a.a.Id)
	delete(f.tags, *a.a.Arn)
	return &cleanrooms.DeleteConfiguredTableAssociationOutput{}, nil
}

// ---- association analysis rules ----

// CreateConfiguredTableAssociationAnalysisRule implements the operation.
func (f *CleanRooms) CreateConfiguredTableAssociationAnalysisRule(ctx context.Context, in *cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateConfiguredTableAssociationAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateConfiguredTableAssociationAnalysisRule", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateAssociationRule(in.AnalysisRuleType, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	a, err := f.assoc(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier)
	if err != nil {
		return nil, err
	}
	if _, ok := a.rules[in.AnalysisRuleType]; ok {
		return nil, conflict(types.ResourceTypeConfiguredTableAssociation, *a.a.Id, types.ConflictExceptionReasonAlreadyExists, "the association already has an analysis rule of this type")
	}
	now := f.now()
	r := clone(types.ConfiguredTableAssociationAnalysisRule{
		ConfiguredTableAssociationArn: a.a.Arn, ConfiguredTableAssociationId: a.a.Id, MembershipIdentifier: a.a.MembershipId,
		Type: in.AnalysisRuleType, Policy: in.AnalysisRulePolicy, CreateTime: now, UpdateTime: now})
	a.rules[in.AnalysisRuleType] = r
	a.a.AnalysisRuleTypes = append(a.a.AnalysisRuleTypes, in.AnalysisRuleType)
	return &cleanrooms.CreateConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

func (f *CleanRooms) assocRule(mid, aid *string, rt types.ConfiguredTableAssociationAnalysisRuleType) (*assocRec, types.ConfiguredTableAssociationAnalysisRule, error) {
	a, err := f.assoc(mid, aid)
	if err != nil {
		return nil, types.ConfiguredTableAssociationAnalysisRule{}, err
	}
	r, ok := a.rules[rt]
	if !ok {
		return nil, r, notFound(types.ResourceTypeConfiguredTableAssociation, *a.a.Id)
	}
	return a, r, nil
}

// GetConfiguredTableAssociationAnalysisRule implements the operation.
func (f *CleanRooms) GetConfiguredTableAssociationAnalysisRule(ctx context.Context, in *cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetConfiguredTableAssociationAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetConfiguredTableAssociationAnalysisRule", false); err != nil {
		return nil, err
	}
	_, r, err := f.assocRule(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

// UpdateConfiguredTableAssociationAnalysisRule implements the operation.
func (f *CleanRooms) UpdateConfiguredTableAssociationAnalysisRule(ctx context.Context, in *cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateConfiguredTableAssociationAnalysisRule", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateAssociationRule(in.AnalysisRuleType, in.AnalysisRulePolicy)); err != nil {
		return nil, err
	}
	a, r, err := f.assocRule(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	r.Policy = clone(in.AnalysisRulePolicy)
	r.UpdateTime = f.now()
	a.rules[in.AnalysisRuleType] = r
	return &cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleOutput{AnalysisRule: ptr(clone(r))}, nil
}

// DeleteConfiguredTableAssociationAnalysisRule implements the operation.
func (f *CleanRooms) DeleteConfiguredTableAssociationAnalysisRule(ctx context.Context, in *cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteConfiguredTableAssociationAnalysisRule", true); err != nil {
		return nil, err
	}
	a, _, err := f.assocRule(in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier, in.AnalysisRuleType)
	if err != nil {
		return nil, err
	}
	delete(a.rules, in.AnalysisRuleType)
	a.a.AnalysisRuleTypes = slices.DeleteFunc(a.a.AnalysisRuleTypes, func(x types.ConfiguredTableAssociationAnalysisRuleType) bool { return x == in.AnalysisRuleType })
	return &cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleOutput{}, nil
}

// ---- tags ----

// ListTagsForResource implements the operation.
func (f *CleanRooms) ListTagsForResource(ctx context.Context, in *cleanrooms.ListTagsForResourceInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListTagsForResourceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListTagsForResource", false); err != nil {
		return nil, err
	}
	tags, ok := f.tags[aws.ToString(in.ResourceArn)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("resource not found")}
	}
	if !f.owns(in.ResourceArn) {
		return nil, &types.AccessDeniedException{Message: aws.String("access denied")}
	}
	out := clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	return &cleanrooms.ListTagsForResourceOutput{Tags: out}, nil
}

// TagResource implements the operation.
func (f *CleanRooms) TagResource(ctx context.Context, in *cleanrooms.TagResourceInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.TagResourceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "TagResource", true); err != nil {
		return nil, err
	}
	tags, ok := f.tags[aws.ToString(in.ResourceArn)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("resource not found")}
	}
	if !f.owns(in.ResourceArn) {
		return nil, &types.AccessDeniedException{Message: aws.String("access denied")}
	}
	if tags == nil {
		tags = map[string]string{}
		f.tags[*in.ResourceArn] = tags
	}
	for k, v := range in.Tags {
		tags[k] = v
	}
	return &cleanrooms.TagResourceOutput{}, nil
}

// paginate returns one page of all (at most Options.PageSize items when
// set); the token is the next offset.
func paginate[T any](f *CleanRooms, all []T, max *int32, token *string) ([]T, *string, error) {
	n := 100
	if max != nil {
		if *max < 1 || *max > 100 {
			return nil, nil, validation(cleanroom.Problems{{Path: "maxResults", Reason: cleanroom.ReasonOutOfRange, Severity: cleanroom.SeverityError}})
		}
		n = int(*max)
	}
	if f.opts.PageSize > 0 {
		n = min(n, f.opts.PageSize)
	}
	start := 0
	if token != nil && *token != "" {
		i, err := strconv.Atoi(*token)
		if err != nil || i < 0 || i > len(all) {
			return nil, nil, validation(cleanroom.Problems{{Path: "nextToken", Reason: cleanroom.ReasonPattern, Severity: cleanroom.SeverityError}})
		}
		start = i
	}
	end := min(start+n, len(all))
	page := all[start:end]
	if page == nil {
		page = []T{}
	}
	if end < len(all) {
		return page, aws.String(strconv.Itoa(end)), nil
	}
	return page, nil, nil
}

func ptr[T any](v T) *T { return &v }

// owns reports whether the resource ARN belongs to the caller's account.
func (f *CleanRooms) owns(arn *string) bool {
	parts := strings.SplitN(aws.ToString(arn), ":", 6)
	return len(parts) == 6 && parts[4] == f.account
}

func (f *CleanRooms) ownedTables() int {
	n := 0
	for _, t := range f.tables {
		if f.owns(t.t.Arn) {
			n++
		}
	}
	return n
}
