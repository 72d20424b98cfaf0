package catalogtest

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/smithy-go"
)

// Lake Formation limits the fake enforces.
const (
	MaxBatchPermissions  = 20   // entries per BatchGrant/BatchRevokePermissions
	MaxTagValuesPerCall  = 50   // values per CreateLFTag/UpdateLFTag list
	MaxTagsPerResource   = 50   // LF-tags assigned to one resource
	MaxTagsPerCall       = 50   // LFTagPair items per Add/RemoveLFTagsToResource
	MaxDataLakeAdmins    = 30   // DataLakeAdmins and ReadOnlyAdmins
	MaxRowFilterLength   = 2048 // FilterExpression bytes
	MaxPermissionsPage   = 1000 // ListPermissions MaxResults
	DefaultAccount       = "123456789012"
	DefaultInvitationTTL = 12 * time.Hour
)

// LakeFormationOptions configures NewLakeFormation.
type LakeFormationOptions struct {
	// Account is the account (and Data Catalog id) the returned fake acts
	// as; "" means DefaultAccount.
	Account string
	// Glue is that account's Data Catalog: Lake Formation checks the
	// databases, tables and columns named in grants, tags and filters
	// against it. nil means a new, empty NewGlue().
	Glue *Glue
	// Now is the clock (invitation times and expiry, LastUpdated); nil
	// means time.Now.
	Now func() time.Time
	// Organizations maps an organization or OU principal ARN to its member
	// accounts, for grants to organizations.
	Organizations map[string][]string
	// InvitationTTL is how long a RAM invitation stays PENDING before it
	// expires; zero means DefaultInvitationTTL.
	InvitationTTL time.Duration
}

// LakeFormation is an in-memory AWS Lake Formation (with the RAM
// invitations its cross-account grants create) implementing the calls
// package catalog/govern makes, with the service's semantics (see the
// package doc, # Fidelity). A *LakeFormation acts as one account; accounts
// added with AddAccount share one world, so grants from one account to
// another, RAM invitations and resource links behave across them. It is safe
// for concurrent use.
type LakeFormation struct {
	w    *lfWorld
	acct string
}

type lfWorld struct {
	mu        sync.Mutex
	opts      LakeFormationOptions
	accounts  map[string]*lfAccount
	shares    map[[2]string]*share // [owner, recipient] (an account or an org ARN)
	calls     []Call
	injectors []Injector
	seq       int
}

type lfAccount struct {
	id        string
	glue      *Glue
	settings  types.DataLakeSettings
	tags      map[string]map[string]bool       // key -> values
	assigned  map[string]map[string]string     // "db\x00table\x00column" -> key -> value
	grants    map[string]*grantRec             // principal + "\x02" + rkey.sortKey()
	filters   map[string]types.DataCellsFilter // "db\x00table\x00name"
	locations map[string]types.ResourceInfo

	// sorted caches the sorted keys of grants and filters for listings;
	// nil when stale.
	sortedGrants, sortedFilters []string
}

// changed drops the cached listing orders.
func (a *lfAccount) changed() { a.sortedGrants, a.sortedFilters = nil, nil }

func (a *lfAccount) grantIDs() []string {
	if a.sortedGrants == nil {
		a.sortedGrants = slices.Sorted(maps.Keys(a.grants))
	}
	return a.sortedGrants
}

func (a *lfAccount) filterKeys() []string {
	if a.sortedFilters == nil {
		a.sortedFilters = slices.Sorted(maps.Keys(a.filters))
	}
	return a.sortedFilters
}

type grantRec struct {
	principal string
	key       rkey
	perms     perms
	grantable perms
	grantor   string // the account that made the grant
	updated   time.Time
}

// NewLakeFormation returns a fake acting as opts.Account, in a new world
// with that one account.
func NewLakeFormation(optFns ...func(*LakeFormationOptions)) *LakeFormation {
	var o LakeFormationOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.InvitationTTL <= 0 {
		o.InvitationTTL = DefaultInvitationTTL
	}
	o.Organizations = maps.Clone(o.Organizations)
	w := &lfWorld{opts: o, accounts: map[string]*lfAccount{}, shares: map[[2]string]*share{}}
	w.addAccount(o.Account, o.Glue)
	return &LakeFormation{w: w, acct: o.Account}
}

func (w *lfWorld) addAccount(id string, g *Glue) *lfAccount {
	if g == nil {
		g = NewGlue()
	}
	a := &lfAccount{
		id:   id,
		glue: g,
		settings: types.DataLakeSettings{
			DataLakeAdmins: []types.DataLakePrincipal{},
			// A fresh account: IAM-only defaults and cross-account version 1.
			CreateDatabaseDefaultPermissions: []types.PrincipalPermissions{{Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("IAM_ALLOWED_PRINCIPALS")}, Permissions: []types.Permission{types.PermissionAll}}},
			CreateTableDefaultPermissions:    []types.PrincipalPermissions{{Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("IAM_ALLOWED_PRINCIPALS")}, Permissions: []types.Permission{types.PermissionAll}}},
			Parameters:                       map[string]string{"CROSS_ACCOUNT_VERSION": "1", "SET_CONTEXT": "TRUE"},
		},
		tags:      map[string]map[string]bool{},
		assigned:  map[string]map[string]string{},
		grants:    map[string]*grantRec{},
		filters:   map[string]types.DataCellsFilter{},
		locations: map[string]types.ResourceInfo{},
	}
	w.accounts[id] = a
	return a
}

// AddAccount adds account id, with Data Catalog g (nil for an empty one), to
// f's world and returns the fake acting as it. Adding an existing account
// returns it unchanged.
func (f *LakeFormation) AddAccount(id string, g *Glue) *LakeFormation {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	if f.w.accounts[id] == nil {
		f.w.addAccount(id, g)
	}
	return &LakeFormation{w: f.w, acct: id}
}

// As returns the fake acting as account id of f's world (added with
// AddAccount), or nil if there is no such account.
func (f *LakeFormation) As(id string) *LakeFormation {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	if f.w.accounts[id] == nil {
		return nil
	}
	return &LakeFormation{w: f.w, acct: id}
}

// Account is the account f acts as.
func (f *LakeFormation) Account() string { return f.acct }

// Glue is the Data Catalog of f's account.
func (f *LakeFormation) Glue() *Glue {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	return f.w.accounts[f.acct].glue
}

// Inject adds fault injectors, consulted in order before every Lake
// Formation and RAM call of any account in f's world.
func (f *LakeFormation) Inject(in ...Injector) {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	f.w.injectors = append(f.w.injectors, in...)
}

// ClearInjectors removes every injector.
func (f *LakeFormation) ClearInjectors() {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	f.w.injectors = nil
}

// Calls returns the Lake Formation and RAM calls received so far, by every
// account of the world, in order.
func (f *LakeFormation) Calls() []Call {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	return slices.Clone(f.w.calls)
}

// Count returns how many calls of op were received.
func (f *LakeFormation) Count(op string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Writes returns how many calls that can change state were received.
func (f *LakeFormation) Writes() int {
	n := 0
	for _, c := range f.Calls() {
		if c.Write {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls.
func (f *LakeFormation) ResetCalls() {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	f.w.calls = nil
}

func (w *lfWorld) now() time.Time {
	if w.opts.Now != nil {
		return w.opts.Now()
	}
	return time.Now()
}

// begin records a call and runs the injectors (outside the lock).
func (f *LakeFormation) begin(ctx context.Context, service string, c Call) error {
	f.w.mu.Lock()
	f.w.calls = append(f.w.calls, c)
	inj := slices.Clone(f.w.injectors)
	f.w.mu.Unlock()
	check := func() error {
		if err := ctx.Err(); err != nil {
			return svcOpError(service, c.Op, &smithy.CanceledError{Err: err})
		}
		return nil
	}
	if err := check(); err != nil {
		return err
	}
	for _, in := range inj {
		if err := in(ctx, c); err != nil {
			return svcOpError(service, c.Op, err)
		}
	}
	return check()
}

// lock takes the world lock and returns the caller's account.
func (f *LakeFormation) lock() *lfAccount {
	f.w.mu.Lock()
	return f.w.accounts[f.acct]
}

func svcOpError(service, op string, err error) error {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return err
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: err}
}

func lfError(op string, err error) error { return svcOpError("LakeFormation", op, err) }

func invalidLF(msg string) error {
	return &types.InvalidInputException{Message: aws.String(msg)}
}

func notFoundLF(msg string) error {
	return &types.EntityNotFoundException{Message: aws.String(msg)}
}

func existsLF(msg string) error {
	return &types.AlreadyExistsException{Message: aws.String(msg)}
}

func deniedLF(msg string) error {
	return &types.AccessDeniedException{Message: aws.String(msg)}
}

func catalogOf(id *string, def string) string {
	if id == nil || *id == "" {
		return def
	}
	return *id
}

// ---- settings ----

// GetDataLakeSettings returns the caller's settings.
func (f *LakeFormation) GetDataLakeSettings(ctx context.Context, in *lakeformation.GetDataLakeSettingsInput, _ ...func(*lakeformation.Options)) (*lakeformation.GetDataLakeSettingsOutput, error) {
	const op = "GetDataLakeSettings"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.GetDataLakeSettingsInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if c := catalogOf(in.CatalogId, a.id); c != a.id {
		return nil, lfError(op, deniedLF("settings of another account cannot be read"))
	}
	s := cloneSettings(a.settings)
	return &lakeformation.GetDataLakeSettingsOutput{DataLakeSettings: &s}, nil
}

// PutDataLakeSettings replaces the caller's settings as a whole, as the
// service does: fields left out are reset.
func (f *LakeFormation) PutDataLakeSettings(ctx context.Context, in *lakeformation.PutDataLakeSettingsInput, _ ...func(*lakeformation.Options)) (*lakeformation.PutDataLakeSettingsOutput, error) {
	const op = "PutDataLakeSettings"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || in.DataLakeSettings == nil {
		return nil, lfError(op, invalidLF("DataLakeSettings is required"))
	}
	s := cloneSettings(*in.DataLakeSettings)
	if len(s.DataLakeAdmins) > MaxDataLakeAdmins || len(s.ReadOnlyAdmins) > MaxDataLakeAdmins {
		return nil, lfError(op, invalidLF("too many data lake administrators"))
	}
	for _, p := range append(slices.Clone(s.DataLakeAdmins), s.ReadOnlyAdmins...) {
		if k, _, ok := principalKind(aws.ToString(p.DataLakePrincipalIdentifier)); !ok || k != "iam" {
			return nil, lfError(op, invalidLF("Invalid principal"))
		}
	}
	for _, d := range [][]types.PrincipalPermissions{s.CreateDatabaseDefaultPermissions, s.CreateTableDefaultPermissions} {
		if len(d) == 0 {
			continue
		}
		if len(d) != 1 || aws.ToString(d[0].Principal.DataLakePrincipalIdentifier) != "IAM_ALLOWED_PRINCIPALS" || !slices.Equal(d[0].Permissions, []types.Permission{types.PermissionAll}) {
			return nil, lfError(op, invalidLF("Create Database Default not supported for principal"))
		}
	}
	if v, ok := s.Parameters["CROSS_ACCOUNT_VERSION"]; ok {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 5 {
			return nil, lfError(op, invalidLF("CROSS_ACCOUNT_VERSION must be 1 to 5"))
		}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if s.DataLakeAdmins == nil {
		s.DataLakeAdmins = []types.DataLakePrincipal{}
	}
	a.settings = s
	return &lakeformation.PutDataLakeSettingsOutput{}, nil
}

func cloneSettings(s types.DataLakeSettings) types.DataLakeSettings {
	c := s
	c.DataLakeAdmins = slices.Clone(s.DataLakeAdmins)
	c.ReadOnlyAdmins = slices.Clone(s.ReadOnlyAdmins)
	c.ExternalDataFilteringAllowList = slices.Clone(s.ExternalDataFilteringAllowList)
	c.TrustedResourceOwners = slices.Clone(s.TrustedResourceOwners)
	c.AuthorizedSessionTagValueList = slices.Clone(s.AuthorizedSessionTagValueList)
	c.Parameters = maps.Clone(s.Parameters)
	for _, p := range []*[]types.PrincipalPermissions{&c.CreateDatabaseDefaultPermissions, &c.CreateTableDefaultPermissions} {
		if *p == nil {
			continue
		}
		out := make([]types.PrincipalPermissions, len(*p))
		for i, pp := range *p {
			out[i] = types.PrincipalPermissions{Permissions: slices.Clone(pp.Permissions)}
			if pp.Principal != nil {
				out[i].Principal = &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(aws.ToString(pp.Principal.DataLakePrincipalIdentifier))}
			}
		}
		*p = out
	}
	return c
}

func (a *lfAccount) crossAccountVersion() int {
	n, _ := strconv.Atoi(a.settings.Parameters["CROSS_ACCOUNT_VERSION"])
	return max(n, 1)
}

// ---- data locations ----

// RegisterResource registers an S3 location with Lake Formation.
func (f *LakeFormation) RegisterResource(ctx context.Context, in *lakeformation.RegisterResourceInput, _ ...func(*lakeformation.Options)) (*lakeformation.RegisterResourceOutput, error) {
	const op = "RegisterResource"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.ResourceArn) == "" {
		return nil, lfError(op, invalidLF("ResourceArn is required"))
	}
	if in.RoleArn != nil && !principalIAM.MatchString(*in.RoleArn) {
		return nil, lfError(op, invalidLF("RoleArn is not a role ARN"))
	}
	if in.RoleArn == nil && !aws.ToBool(in.UseServiceLinkedRole) {
		return nil, lfError(op, invalidLF("either RoleArn or UseServiceLinkedRole is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	arn := *in.ResourceArn
	if _, ok := a.locations[arn]; ok {
		return nil, lfError(op, existsLF("Resource is already registered"))
	}
	a.locations[arn] = types.ResourceInfo{ResourceArn: aws.String(arn), RoleArn: in.RoleArn, HybridAccessEnabled: in.HybridAccessEnabled, WithFederation: in.WithFederation, LastModified: aws.Time(f.w.now())}
	return &lakeformation.RegisterResourceOutput{}, nil
}

// DescribeResource returns a registered location.
func (f *LakeFormation) DescribeResource(ctx context.Context, in *lakeformation.DescribeResourceInput, _ ...func(*lakeformation.Options)) (*lakeformation.DescribeResourceOutput, error) {
	const op = "DescribeResource"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.ResourceArn) == "" {
		return nil, lfError(op, invalidLF("ResourceArn is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	info, ok := a.locations[*in.ResourceArn]
	if !ok {
		return nil, lfError(op, notFoundLF("Entity not found"))
	}
	return &lakeformation.DescribeResourceOutput{ResourceInfo: &info}, nil
}

// DeregisterResource removes a registered location.
func (f *LakeFormation) DeregisterResource(ctx context.Context, in *lakeformation.DeregisterResourceInput, _ ...func(*lakeformation.Options)) (*lakeformation.DeregisterResourceOutput, error) {
	const op = "DeregisterResource"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.ResourceArn) == "" {
		return nil, lfError(op, invalidLF("ResourceArn is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if _, ok := a.locations[*in.ResourceArn]; !ok {
		return nil, lfError(op, notFoundLF("Entity not found"))
	}
	delete(a.locations, *in.ResourceArn)
	return &lakeformation.DeregisterResourceOutput{}, nil
}

// ---- paging ----

func pageToken(i int) *string {
	return aws.String(base64.RawURLEncoding.EncodeToString([]byte("lf:" + strconv.Itoa(i))))
}

func pageStart(tok *string) (int, error) {
	if tok == nil || *tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	if err != nil || !strings.HasPrefix(string(b), "lf:") {
		return 0, invalidLF("invalid NextToken")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "lf:"))
	if err != nil || n < 0 {
		return 0, invalidLF("invalid NextToken")
	}
	return n, nil
}

func pageSize(max *int32, def, limit int) (int, error) {
	if max == nil {
		return def, nil
	}
	if *max < 1 || int(*max) > limit {
		return 0, invalidLF("MaxResults out of range")
	}
	return int(*max), nil
}

// page cuts items[start:start+n] and the token of the next page.
func lfPage[T any](items []T, tok *string, max *int32, def, limit int) ([]T, *string, error) {
	start, err := pageStart(tok)
	if err != nil {
		return nil, nil, err
	}
	n, err := pageSize(max, def, limit)
	if err != nil {
		return nil, nil, err
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = pageToken(end)
	}
	return slices.Clone(items[start:end]), next, nil
}
