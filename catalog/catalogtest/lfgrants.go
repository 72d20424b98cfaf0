package catalogtest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/smithy-go"
)

func grantID(principal string, k rkey) string { return principal + "\x02" + k.sortKey() }

// ownerOf returns the account owning the catalog of k, or an
// EntityNotFoundException.
func (w *lfWorld) ownerOf(k rkey) (*lfAccount, error) {
	o := w.accounts[k.catalog]
	if o == nil {
		return nil, notFoundLF("Catalog not found")
	}
	return o, nil
}

// checkExists checks that the resource k names exists in its catalog.
func (w *lfWorld) checkExists(o *lfAccount, k rkey) error {
	switch k.kind {
	case rDatabase:
		if !o.glue.hasDatabase(k.db) {
			return notFoundLF("Database not found")
		}
	case rTable:
		if k.table == "*" {
			if !o.glue.hasDatabase(k.db) {
				return notFoundLF("Database not found")
			}
			return nil
		}
		if _, _, ok := o.glue.tableColumns(k.db, k.table); !ok {
			return notFoundLF("Table not found")
		}
	case rColumns:
		cols, _, ok := o.glue.tableColumns(k.db, k.table)
		if !ok {
			return notFoundLF("Table not found")
		}
		for _, c := range append(split(k.cols), split(k.excl)...) {
			if !slices.Contains(cols, c) {
				return invalidLF("Column not found in table")
			}
		}
	case rFilter:
		if _, ok := o.filters[k.db+"\x00"+k.table+"\x00"+k.name]; !ok {
			return notFoundLF("Data cells filter not found")
		}
	case rLocation:
		if _, ok := o.locations[k.name]; !ok {
			return invalidLF("register the S3 path before granting data location access")
		}
	case rTag:
		vals := o.tags[k.name]
		if vals == nil {
			return notFoundLF("Tag key does not exist")
		}
		for _, v := range split(k.cols) {
			if v != "*" && !vals[v] {
				return notFoundLF("Tag value does not exist")
			}
		}
	case rPolicy:
		for key, vs := range parseExpr(k.cols) {
			vals := o.tags[key]
			if vals == nil {
				return notFoundLF("Tag key does not exist")
			}
			for _, v := range vs {
				if v != "*" && !vals[v] {
					return notFoundLF("Tag value does not exist")
				}
			}
		}
	}
	return nil
}

// covers says whether a grant on g includes the resource k.
func covers(g, k rkey) bool {
	if g == k {
		return true
	}
	if g.catalog != k.catalog || g.db != k.db {
		return false
	}
	switch g.kind {
	case rTable:
		if k.kind != rTable && k.kind != rColumns && k.kind != rFilter {
			return false
		}
		return g.table == "*" || g.table == k.table
	case rColumns:
		return g.wild && g.excl == "" && g.table == k.table && (k.kind == rTable || k.kind == rColumns || k.kind == rFilter)
	}
	return false
}

// accepted says whether the RAM share from owner to the recipient account is
// usable: an accepted invitation, or an organization share that includes
// it.
func (w *lfWorld) accepted(owner, account string) bool {
	if owner == account {
		return true
	}
	if s := w.shares[[2]string{owner, account}]; s != nil && s.invitation != nil && w.status(s.invitation) == invitationAccepted {
		return true
	}
	for org, members := range w.opts.Organizations {
		if slices.Contains(members, account) && w.shares[[2]string{owner, org}] != nil {
			return true
		}
	}
	return false
}

// holdsGrantable says whether account a may grant ps on k, a resource of
// another account: it holds them with the grant option through a grant to
// the account (or its organization) on a covering resource, over an
// accepted share.
func (w *lfWorld) holdsGrantable(a string, k rkey, ps []types.Permission) bool {
	o := w.accounts[k.catalog]
	if o == nil || !w.accepted(o.id, a) {
		return false
	}
	need := permSet(ps)
	for _, g := range o.grants {
		if !covers(g.key, k) || !(g.principal == a || slices.Contains(w.opts.Organizations[g.principal], a)) {
			continue
		}
		for p := range need {
			if g.grantable[p] || g.grantable[types.PermissionAll] {
				delete(need, p)
			}
		}
	}
	return len(need) == 0
}

// storageKeys returns where a grant of ps on k is stored: SELECT on a named
// table is kept as SELECT on all of its columns, the way the service
// reports it, and the other permissions on the table.
// ALL on a named table also lists an implicit SELECT on all columns.
func storageKeys(k rkey, ps perms) map[rkey]perms {
	if k.kind != rTable || k.table == "*" || !ps[types.PermissionSelect] && !ps[types.PermissionAll] {
		return map[rkey]perms{k: ps}
	}
	rest := maps.Clone(ps)
	delete(rest, types.PermissionSelect)
	cols := rkey{kind: rColumns, catalog: k.catalog, db: k.db, table: k.table, wild: true}
	out := map[rkey]perms{cols: {types.PermissionSelect: true}}
	if len(rest) > 0 {
		out[k] = rest
	}
	return out
}

func restrict(ps, to perms) perms {
	out := perms{}
	for p := range ps {
		if to[p] {
			out[p] = true
		}
	}
	return out
}

// grant applies one grant made by account a (under the world lock).
func (w *lfWorld) grant(a *lfAccount, principal string, r *types.Resource, ps, gs []types.Permission) error {
	pk, pacct, ok := principalKind(principal)
	if !ok {
		return invalidLF("Invalid principal")
	}
	k, err := resourceKey(r, a.id)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return invalidLF("Permissions is required")
	}
	all := permSet(ps)
	for _, g := range gs {
		if !all[g] {
			return invalidLF("PermissionsWithGrantOption must be a subset of Permissions")
		}
	}
	if k.kind == rColumns {
		for p := range all {
			if p != types.PermissionSelect {
				return invalidLF("Permissions modification is invalid: only SELECT can be granted on columns")
			}
		}
	}
	o, err := w.ownerOf(k)
	if err != nil {
		return err
	}
	if err := w.checkExists(o, k); err != nil {
		return err
	}
	if o.id != a.id {
		// A re-grant of a shared resource: to the caller's own principals
		// only (sharing is not transitive), with the grant option held.
		if pk == "org" || pacct != a.id {
			return invalidLF("a shared resource can only be granted to principals of the recipient account")
		}
		if !w.holdsGrantable(a.id, k, ps) {
			return deniedLF("Insufficient Lake Formation permission(s) on the resource")
		}
	} else if pk == "org" || pacct != a.id && pacct != "" {
		if k.kind == rLocation {
			return invalidLF("data locations cannot be shared with another account")
		}
		if pk == "iam" && a.crossAccountVersion() < 3 {
			return invalidLF("cross-account version 3 or higher is required to grant to an IAM principal of another account")
		}
		if k.kind == rPolicy && a.crossAccountVersion() < 3 {
			return invalidLF("catalogtest models LF-tag grants to other accounts from cross-account version 3 only")
		}
		recipient := pacct
		if pk == "org" {
			recipient = principal
		}
		w.ensureShare(o.id, recipient, pk == "org")
	}
	a.changed()
	now := w.now()
	for sk, sp := range storageKeys(k, all) {
		id := grantID(principal, sk)
		g := a.grants[id]
		if g == nil {
			g = &grantRec{principal: principal, key: sk, perms: perms{}, grantable: perms{}, grantor: a.id}
			a.grants[id] = g
		}
		maps.Copy(g.perms, sp)
		maps.Copy(g.grantable, restrict(permSet(gs), sp))
		g.updated = now
	}
	return nil
}

// revoke removes permissions; revoking what the principal does not hold is
// an InvalidInputException "No permissions revoked", as the service
// answers.
func (w *lfWorld) revoke(a *lfAccount, principal string, r *types.Resource, ps, gs []types.Permission) error {
	if _, _, ok := principalKind(principal); !ok {
		return invalidLF("Invalid principal")
	}
	k, err := resourceKey(r, a.id)
	if err != nil {
		return err
	}
	if len(ps) == 0 && len(gs) == 0 {
		return invalidLF("Permissions is required")
	}
	if slices.Contains(ps, types.PermissionAll) {
		ps = append(slices.Clone(ps), types.PermissionSelect) // with its implicit SELECT
	}
	a.changed()
	revoked := false
	for sk, sp := range storageKeys(k, permSet(append(slices.Clone(ps), gs...))) {
		g := a.grants[grantID(principal, sk)]
		if g == nil {
			continue
		}
		for p := range sp {
			if slices.Contains(ps, p) && g.perms[p] {
				delete(g.perms, p)
				delete(g.grantable, p)
				revoked = true
			}
			if slices.Contains(gs, p) && g.grantable[p] {
				delete(g.grantable, p)
				revoked = true
			}
		}
		if len(g.perms) == 0 {
			delete(a.grants, grantID(principal, sk))
		}
	}
	if !revoked {
		return invalidLF("No permissions revoked. Grantee has no " + strings.Join(permStrings(ps), ",") + " permission on the resource")
	}
	return nil
}

func permStrings(ps []types.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func principalID(p *types.DataLakePrincipal) string {
	if p == nil {
		return ""
	}
	return aws.ToString(p.DataLakePrincipalIdentifier)
}

// GrantPermissions grants permissions on a resource.
func (f *LakeFormation) GrantPermissions(ctx context.Context, in *lakeformation.GrantPermissionsInput, _ ...func(*lakeformation.Options)) (*lakeformation.GrantPermissionsOutput, error) {
	const op = "GrantPermissions"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, lfError(op, invalidLF("Principal is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if err := f.w.grant(a, principalID(in.Principal), in.Resource, in.Permissions, in.PermissionsWithGrantOption); err != nil {
		return nil, lfError(op, err)
	}
	return &lakeformation.GrantPermissionsOutput{}, nil
}

// RevokePermissions revokes permissions on a resource.
func (f *LakeFormation) RevokePermissions(ctx context.Context, in *lakeformation.RevokePermissionsInput, _ ...func(*lakeformation.Options)) (*lakeformation.RevokePermissionsOutput, error) {
	const op = "RevokePermissions"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, lfError(op, invalidLF("Principal is required"))
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if err := f.w.revoke(a, principalID(in.Principal), in.Resource, in.Permissions, in.PermissionsWithGrantOption); err != nil {
		return nil, lfError(op, err)
	}
	return &lakeformation.RevokePermissionsOutput{}, nil
}

func failure(e types.BatchPermissionsRequestEntry, err error) types.BatchPermissionsFailureEntry {
	code, msg := "InternalServiceException", "internal failure"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	return types.BatchPermissionsFailureEntry{RequestEntry: &e, Error: &types.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)}}
}

func checkBatch(entries []types.BatchPermissionsRequestEntry) error {
	if len(entries) == 0 || len(entries) > MaxBatchPermissions {
		return invalidLF("Entries must have 1 to 20 items")
	}
	seen := map[string]bool{}
	for _, e := range entries {
		id := aws.ToString(e.Id)
		if id == "" || len(id) > 255 || seen[id] {
			return invalidLF("every entry needs a distinct Id of 1 to 255 characters")
		}
		seen[id] = true
	}
	return nil
}

// BatchGrantPermissions grants up to 20 entries. An entry that fails is
// reported in Failures with HTTP 200 and the others are applied: the
// service's partial success.
func (f *LakeFormation) BatchGrantPermissions(ctx context.Context, in *lakeformation.BatchGrantPermissionsInput, _ ...func(*lakeformation.Options)) (*lakeformation.BatchGrantPermissionsOutput, error) {
	const op = "BatchGrantPermissions"
	if in == nil {
		in = &lakeformation.BatchGrantPermissionsInput{}
	}
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true, Items: len(in.Entries)}); err != nil {
		return nil, err
	}
	if err := checkBatch(in.Entries); err != nil {
		return nil, lfError(op, err)
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	out := &lakeformation.BatchGrantPermissionsOutput{Failures: []types.BatchPermissionsFailureEntry{}}
	for _, e := range in.Entries {
		if err := f.w.grant(a, principalID(e.Principal), e.Resource, e.Permissions, e.PermissionsWithGrantOption); err != nil {
			out.Failures = append(out.Failures, failure(e, err))
		}
	}
	return out, nil
}

// BatchRevokePermissions revokes up to 20 entries, reporting failed entries
// (including "No permissions revoked") in Failures with HTTP 200.
func (f *LakeFormation) BatchRevokePermissions(ctx context.Context, in *lakeformation.BatchRevokePermissionsInput, _ ...func(*lakeformation.Options)) (*lakeformation.BatchRevokePermissionsOutput, error) {
	const op = "BatchRevokePermissions"
	if in == nil {
		in = &lakeformation.BatchRevokePermissionsInput{}
	}
	if err := f.begin(ctx, "LakeFormation", Call{Op: op, Write: true, Items: len(in.Entries)}); err != nil {
		return nil, err
	}
	if err := checkBatch(in.Entries); err != nil {
		return nil, lfError(op, err)
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	out := &lakeformation.BatchRevokePermissionsOutput{Failures: []types.BatchPermissionsFailureEntry{}}
	for _, e := range in.Entries {
		if err := f.w.revoke(a, principalID(e.Principal), e.Resource, e.Permissions, e.PermissionsWithGrantOption); err != nil {
			out.Failures = append(out.Failures, failure(e, err))
		}
	}
	return out, nil
}

func typeMatches(t types.DataLakeResourceType, k rkey) bool {
	switch t {
	case "":
		return true
	case types.DataLakeResourceTypeCatalog:
		return k.kind == rCatalog
	case types.DataLakeResourceTypeDatabase:
		return k.kind == rDatabase
	case types.DataLakeResourceTypeTable:
		return k.kind == rTable || k.kind == rColumns || k.kind == rFilter
	case types.DataLakeResourceTypeDataLocation:
		return k.kind == rLocation
	case types.DataLakeResourceTypeLfTag:
		return k.kind == rTag
	case types.DataLakeResourceTypeLfTagPolicy:
		return k.kind == rPolicy
	case types.DataLakeResourceTypeLfTagPolicyDatabase:
		return k.kind == rPolicy && k.name == string(types.ResourceTypeDatabase)
	case types.DataLakeResourceTypeLfTagPolicyTable:
		return k.kind == rPolicy && k.name == string(types.ResourceTypeTable)
	}
	return false
}

// ListPermissions lists the grants the caller's account made, filtered by
// resource type, resource, and principal (which needs a resource, as in the
// service). A named table also selects the grants on its columns. With both
// Principal and Resource the service computes effective permissions; the
// fake still lists explicit grants.
func (f *LakeFormation) ListPermissions(ctx context.Context, in *lakeformation.ListPermissionsInput, _ ...func(*lakeformation.Options)) (*lakeformation.ListPermissionsOutput, error) {
	const op = "ListPermissions"
	if err := f.begin(ctx, "LakeFormation", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &lakeformation.ListPermissionsInput{}
	}
	a := f.lock()
	defer f.w.mu.Unlock()
	if in.Principal != nil && in.Resource == nil {
		return nil, lfError(op, invalidLF("Resource is mandatory if Principal is set in the input."))
	}
	var filter *rkey
	if in.Resource != nil {
		k, err := resourceKey(in.Resource, a.id)
		if err != nil {
			return nil, lfError(op, err)
		}
		filter = &k
	}
	principal := principalID(in.Principal)
	var ids []string
	for _, id := range a.grantIDs() {
		g := a.grants[id]
		if principal != "" && g.principal != principal || !typeMatches(in.ResourceType, g.key) {
			continue
		}
		if filter != nil && g.key != *filter && !(filter.kind == rTable && filter.table != "*" && g.key.kind == rColumns && g.key.catalog == filter.catalog && g.key.db == filter.db && g.key.table == filter.table) {
			continue
		}
		ids = append(ids, id)
	}
	ids, next, err := lfPage(ids, in.NextToken, in.MaxResults, 100, MaxPermissionsPage)
	if err != nil {
		return nil, lfError(op, err)
	}
	out := &lakeformation.ListPermissionsOutput{PrincipalResourcePermissions: []types.PrincipalResourcePermissions{}, NextToken: next}
	for _, id := range ids {
		g := a.grants[id]
		p := types.PrincipalResourcePermissions{
			Principal:                  &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(g.principal)},
			Resource:                   g.key.resource(),
			Permissions:                g.perms.list(),
			PermissionsWithGrantOption: g.grantable.list(),
			LastUpdated:                aws.Time(g.updated),
		}
		if s := f.w.shareFor(a.id, g.principal); s != nil {
			p.AdditionalDetails = &types.DetailsMap{ResourceShare: []string{s.arn}}
		}
		out.PrincipalResourcePermissions = append(out.PrincipalResourcePermissions, p)
	}
	return out, nil
}
