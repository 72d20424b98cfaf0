package govern

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ram"

	"github.com/cdpkit/cdpkit/catalog"
)

// Result is what Apply did.
type Result struct {
	// Writes counts the mutating calls made (Lake Formation, RAM, Glue),
	// retries included. A plan without changes makes none.
	Writes int
	// Applied counts the actions applied.
	Applied int
}

type applier struct {
	g      *Governor
	cat    *string
	name   string // the owner in the spec's marks
	writes int
}

// Apply runs the plan's actions in order: settings, invitations, LF-tags,
// locations, databases and tables, tag assignments, filters, links, grants
// (batched by 20), revocations (batched by 20), filter deletions, then the
// pruning of orphans the plan includes. It stops at the first error; the
// Result says how far it got, and planning again picks up from there. A
// plan with conflicts is refused as a whole (ErrConflict) before any call.
func (g *Governor) Apply(ctx context.Context, plan *Plan) (Result, error) {
	var conflicts []string
	for _, act := range plan.Actions {
		if act.Kind == Conflict {
			conflicts = append(conflicts, act.Resource)
		}
	}
	if len(conflicts) > 0 {
		return Result{}, &Error{Op: "apply", Resource: conflicts[0], Kind: ErrConflict,
			Err: errors.New("the plan has " + strconv.Itoa(len(conflicts)) + " conflicts (resources that exist and are not the spec's): resolve them and plan again")}
	}
	a := &applier{g: g, cat: aws.String(plan.spec.CatalogID), name: specName(&plan.spec)}
	var res Result
	var grants, revokes []*entry
	flush := func() error {
		if err := a.batch(ctx, "grant", grants); err != nil {
			return err
		}
		res.Applied += len(grants)
		grants = nil
		if err := a.batch(ctx, "revoke", revokes); err != nil {
			return err
		}
		res.Applied += len(revokes)
		revokes = nil
		return nil
	}
	for _, act := range plan.Actions {
		switch {
		case act.Kind == NoOp:
		case act.grant != nil:
			grants = append(grants, act.grant)
		case act.revoke != nil:
			revokes = append(revokes, act.revoke)
		case act.run != nil:
			if len(grants)+len(revokes) > 0 {
				if err := flush(); err != nil {
					res.Writes = a.writes
					return res, err
				}
			}
			if err := act.run(ctx, a); err != nil {
				res.Writes = a.writes
				return res, err
			}
			res.Applied++
		}
	}
	err := flush()
	res.Writes = a.writes
	return res, err
}

// call runs one mutating call with retries, counting every attempt.
func (a *applier) call(ctx context.Context, op string, fn func() error) error {
	return a.g.retry(ctx, op, func() error {
		a.writes++
		return fn()
	})
}

// putSettings reads the settings again and writes them back with the
// changes merged in: PutDataLakeSettings replaces the whole structure, so a
// blind write would reset every field the spec does not mention.
func (a *applier) putSettings(ctx context.Context, admins []string, version int, clearDefaults bool) error {
	var out *lakeformation.GetDataLakeSettingsOutput
	err := a.g.retry(ctx, "GetDataLakeSettings", func() (err error) {
		out, err = a.g.lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{CatalogId: a.cat})
		return err
	})
	if err != nil {
		return newError("apply", "data lake settings", err)
	}
	s := types.DataLakeSettings{}
	if out.DataLakeSettings != nil {
		s = *out.DataLakeSettings
	}
	for _, ad := range admins {
		if !slices.ContainsFunc(s.DataLakeAdmins, func(p types.DataLakePrincipal) bool { return aws.ToString(p.DataLakePrincipalIdentifier) == ad }) {
			s.DataLakeAdmins = append(s.DataLakeAdmins, types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(ad)})
		}
	}
	if version > 0 {
		cur, _ := strconv.Atoi(s.Parameters["CROSS_ACCOUNT_VERSION"])
		if version > cur {
			params := map[string]string{}
			for k, v := range s.Parameters {
				params[k] = v
			}
			params["CROSS_ACCOUNT_VERSION"] = strconv.Itoa(version)
			s.Parameters = params
		}
	}
	if clearDefaults {
		s.CreateDatabaseDefaultPermissions = []types.PrincipalPermissions{}
		s.CreateTableDefaultPermissions = []types.PrincipalPermissions{}
	}
	err = a.call(ctx, "PutDataLakeSettings", func() error {
		_, err := a.g.lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{CatalogId: a.cat, DataLakeSettings: &s})
		return err
	})
	return newError("apply", "data lake settings", err)
}

// accept accepts a RAM invitation; one accepted meanwhile is done.
func (a *applier) accept(ctx context.Context, what, arn string) error {
	err := a.call(ctx, "AcceptResourceShareInvitation", func() error {
		_, err := a.g.opts.RAM.AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: aws.String(arn)})
		return err
	})
	if isCode(err, "ResourceShareInvitationAlreadyAcceptedException", "") {
		return nil
	}
	return newError("apply", what, err)
}

func chunks(xs []string, n int) [][]string {
	var out [][]string
	for len(xs) > n {
		out = append(out, xs[:n])
		xs = xs[n:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}

// createTag creates an LF-tag with its first 50 values and adds the rest.
// A key that exists meanwhile (the service answers AlreadyExistsException
// or InvalidInputException "already exists") is read and extended.
func (a *applier) createTag(ctx context.Context, key string, values []string) error {
	parts := chunks(values, TagValuesPerCall)
	err := a.call(ctx, "CreateLFTag", func() error {
		_, err := a.g.lf.CreateLFTag(ctx, &lakeformation.CreateLFTagInput{CatalogId: a.cat, TagKey: aws.String(key), TagValues: parts[0]})
		return err
	})
	if isCode(err, "AlreadyExistsException", "") || isCode(err, "InvalidInputException", "already exists") {
		var out *lakeformation.GetLFTagOutput
		if err := a.g.retry(ctx, "GetLFTag", func() (err error) {
			out, err = a.g.lf.GetLFTag(ctx, &lakeformation.GetLFTagInput{CatalogId: a.cat, TagKey: aws.String(key)})
			return err
		}); err != nil {
			return newError("apply", "lf-tag "+key, err)
		}
		var missing []string
		for _, v := range values {
			if !slices.ContainsFunc(out.TagValues, func(h string) bool { return equalFold(h, v) }) {
				missing = append(missing, v)
			}
		}
		return a.addTagValues(ctx, key, missing)
	}
	if err != nil {
		return newError("apply", "lf-tag "+key, err)
	}
	return a.addTagValues(ctx, key, slices.Concat(parts[1:]...))
}

func (a *applier) addTagValues(ctx context.Context, key string, values []string) error {
	for _, part := range chunks(values, TagValuesPerCall) {
		err := a.call(ctx, "UpdateLFTag", func() error {
			_, err := a.g.lf.UpdateLFTag(ctx, &lakeformation.UpdateLFTagInput{CatalogId: a.cat, TagKey: aws.String(key), TagValuesToAdd: part})
			return err
		})
		if err != nil {
			return newError("apply", "lf-tag "+key, err)
		}
	}
	return nil
}

// register registers a data location; one registered meanwhile is done.
func (a *applier) register(ctx context.Context, what, arn, role string) error {
	in := &lakeformation.RegisterResourceInput{ResourceArn: aws.String(arn)}
	if role != "" {
		in.RoleArn = aws.String(role)
	} else {
		in.UseServiceLinkedRole = aws.Bool(true)
	}
	err := a.call(ctx, "RegisterResource", func() error {
		_, err := a.g.lf.RegisterResource(ctx, in)
		return err
	})
	if isCode(err, "AlreadyExistsException", "") {
		return nil
	}
	return newError("apply", what, err)
}

func catalogDatabase(db, desc string, m mark) catalog.Database {
	return catalog.Database{Name: db, Description: desc, Parameters: m.params(nil)}
}

func (a *applier) catalogOpt(o *catalog.Options) { o.CatalogID = aws.ToString(a.cat) }

func (a *applier) ensureTable(ctx context.Context, db, name string, s catalog.Schema) error {
	ch, err := a.g.reg.EnsureTable(ctx, db, name, s, a.catalogOpt)
	if ch.Created || ch.Updated {
		a.writes++
	}
	return newError("apply", "table "+db+"."+name, err)
}

// assignTags adds and removes LF-tags on one resource. The calls answer
// HTTP 200 with a Failures list: any failure is a *BatchError.
func (a *applier) assignTags(ctx context.Context, what string, t tagTarget, add, remove []types.LFTagPair) error {
	r := &types.Resource{Database: &types.DatabaseResource{CatalogId: a.cat, Name: aws.String(t.db)}}
	switch {
	case t.col != "":
		r = &types.Resource{TableWithColumns: &types.TableWithColumnsResource{CatalogId: a.cat, DatabaseName: aws.String(t.db), Name: aws.String(t.table), ColumnNames: []string{t.col}}}
	case t.table != "":
		r = &types.Resource{Table: &types.TableResource{CatalogId: a.cat, DatabaseName: aws.String(t.db), Name: aws.String(t.table)}}
	}
	failures := func(fs []types.LFTagError) error {
		if len(fs) == 0 {
			return nil
		}
		be := &BatchError{Op: "assign lf-tags"}
		for _, f := range fs {
			ef := EntryFailure{Entry: what}
			if f.LFTag != nil {
				ef.Entry = what + " " + aws.ToString(f.LFTag.TagKey)
			}
			if f.Error != nil {
				ef.Code, ef.Message = aws.ToString(f.Error.ErrorCode), aws.ToString(f.Error.ErrorMessage)
			}
			be.Failures = append(be.Failures, ef)
		}
		return be
	}
	if len(add) > 0 {
		var out *lakeformation.AddLFTagsToResourceOutput
		err := a.call(ctx, "AddLFTagsToResource", func() (err error) {
			out, err = a.g.lf.AddLFTagsToResource(ctx, &lakeformation.AddLFTagsToResourceInput{CatalogId: a.cat, Resource: r, LFTags: add})
			return err
		})
		if err == nil {
			err = failures(out.Failures)
		}
		if err != nil {
			return newError("apply", what, err)
		}
	}
	if len(remove) > 0 {
		var out *lakeformation.RemoveLFTagsFromResourceOutput
		err := a.call(ctx, "RemoveLFTagsFromResource", func() (err error) {
			out, err = a.g.lf.RemoveLFTagsFromResource(ctx, &lakeformation.RemoveLFTagsFromResourceInput{CatalogId: a.cat, Resource: r, LFTags: remove})
			return err
		})
		if err == nil {
			err = failures(out.Failures)
		}
		if err != nil {
			return newError("apply", what, err)
		}
	}
	return nil
}

func (w filterWant) sdk(r res) *types.DataCellsFilter {
	f := &types.DataCellsFilter{TableCatalogId: aws.String(r.catalog), DatabaseName: aws.String(r.db), TableName: aws.String(r.table), Name: aws.String(r.name)}
	if len(w.cols) > 0 {
		f.ColumnNames = w.cols
	} else {
		f.ColumnWildcard = &types.ColumnWildcard{ExcludedColumnNames: w.excl}
	}
	if w.expr == "" {
		f.RowFilter = &types.RowFilter{AllRowsWildcard: &types.AllRowsWildcard{}}
	} else {
		f.RowFilter = &types.RowFilter{FilterExpression: aws.String(w.expr)}
	}
	return f
}

// putFilter creates a filter, or updates it when it exists (also when it
// was created meanwhile: AlreadyExistsException is read, compared and
// updated if it differs).
func (a *applier) putFilter(ctx context.Context, what string, r res, w filterWant) error {
	err := a.call(ctx, "CreateDataCellsFilter", func() error {
		_, err := a.g.lf.CreateDataCellsFilter(ctx, &lakeformation.CreateDataCellsFilterInput{TableData: w.sdk(r)})
		return err
	})
	if !isCode(err, "AlreadyExistsException", "") {
		return newError("apply", what, err)
	}
	var out *lakeformation.GetDataCellsFilterOutput
	if err := a.g.retry(ctx, "GetDataCellsFilter", func() (err error) {
		out, err = a.g.lf.GetDataCellsFilter(ctx, &lakeformation.GetDataCellsFilterInput{TableCatalogId: aws.String(r.catalog), DatabaseName: aws.String(r.db), TableName: aws.String(r.table), Name: aws.String(r.name)})
		return err
	}); err != nil {
		return newError("apply", what, err)
	}
	cur := filterWant{cols: lowerSorted(out.DataCellsFilter.ColumnNames)}
	if cw := out.DataCellsFilter.ColumnWildcard; cw != nil || len(cur.cols) == 0 {
		cur.wild = true
		if cw != nil {
			cur.excl = lowerSorted(cw.ExcludedColumnNames)
		}
	}
	if rf := out.DataCellsFilter.RowFilter; rf != nil {
		cur.expr = aws.ToString(rf.FilterExpression)
	}
	if sameFilter(cur, w) {
		return nil
	}
	err = a.call(ctx, "UpdateDataCellsFilter", func() error {
		_, err := a.g.lf.UpdateDataCellsFilter(ctx, &lakeformation.UpdateDataCellsFilterInput{TableData: w.sdk(r)})
		return err
	})
	return newError("apply", what, err)
}

func (a *applier) deleteFilter(ctx context.Context, what string, r res) error {
	err := a.call(ctx, "DeleteDataCellsFilter", func() error {
		_, err := a.g.lf.DeleteDataCellsFilter(ctx, &lakeformation.DeleteDataCellsFilterInput{TableCatalogId: aws.String(r.catalog), DatabaseName: aws.String(r.db), TableName: aws.String(r.table), Name: aws.String(r.name)})
		return err
	})
	if isCode(err, "EntityNotFoundException", "") {
		return nil
	}
	return newError("apply", what, err)
}

// createLink creates a resource link (deleting the old one first when
// replace is set). A link created meanwhile is compared: the same target is
// done, another one is a conflict.
func (a *applier) createLink(ctx context.Context, what, db, name string, target gluetypes.TableIdentifier, m mark, replace bool) error {
	if replace {
		err := a.call(ctx, "DeleteTable", func() error {
			_, err := a.g.glue.DeleteTable(ctx, &glue.DeleteTableInput{CatalogId: a.cat, DatabaseName: aws.String(db), Name: aws.String(name)})
			return err
		})
		if err != nil && !isCode(err, "EntityNotFoundException", "") {
			return newError("apply", what, err)
		}
	}
	err := a.call(ctx, "CreateTable", func() error {
		_, err := a.g.glue.CreateTable(ctx, &glue.CreateTableInput{CatalogId: a.cat, DatabaseName: aws.String(db), TableInput: &gluetypes.TableInput{Name: aws.String(name), TargetTable: &target, Parameters: m.params(nil)}})
		return err
	})
	if isCode(err, "AlreadyExistsException", "") {
		out, gerr := a.g.getTable(ctx, a.cat, db, name)
		if gerr != nil {
			return newError("apply", what, gerr)
		}
		if out.Table.TargetTable != nil && sameTarget(out.Table.TargetTable, &target) {
			return nil
		}
		return &Error{Op: "apply", Resource: what, Kind: ErrConflict, Err: errors.New("created meanwhile with another target")}
	}
	return newError("apply", what, err)
}

// batch grants or revokes entries, 20 per call. Entries the service
// reports in Failures with a transient code (concurrent modification, a
// principal not yet visible) are sent again with backoff; "No permissions
// revoked" on a revoke is done; any other failure is a *BatchError naming
// the entries.
func (a *applier) batch(ctx context.Context, op string, entries []*entry) error {
	for start := 0; start < len(entries); start += BatchSize {
		part := entries[start:min(start+BatchSize, len(entries))]
		if err := a.batchPart(ctx, op, part); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) batchPart(ctx context.Context, op string, part []*entry) error {
	pending := part
	for n := 1; ; n++ {
		reqs := make([]types.BatchPermissionsRequestEntry, len(pending))
		byID := map[string]*entry{}
		for i, e := range pending {
			id := strconv.Itoa(i)
			byID[id] = e
			reqs[i] = types.BatchPermissionsRequestEntry{
				Id:                         aws.String(id),
				Principal:                  &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(e.key.principal)},
				Resource:                   e.key.res.sdk(),
				Permissions:                e.perms,
				PermissionsWithGrantOption: e.grantable,
			}
		}
		var fails []types.BatchPermissionsFailureEntry
		err := a.call(ctx, "Batch"+op, func() error {
			if op == "grant" {
				out, err := a.g.lf.BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{CatalogId: a.cat, Entries: reqs})
				if err == nil {
					fails = out.Failures
				}
				return err
			}
			out, err := a.g.lf.BatchRevokePermissions(ctx, &lakeformation.BatchRevokePermissionsInput{CatalogId: a.cat, Entries: reqs})
			if err == nil {
				fails = out.Failures
			}
			return err
		})
		if err != nil {
			return newError(op, strconv.Itoa(len(pending))+" grants", err)
		}
		var retry []*entry
		be := &BatchError{Op: op}
		for _, f := range fails {
			var e *entry
			if f.RequestEntry != nil {
				e = byID[aws.ToString(f.RequestEntry.Id)]
			}
			code, msg := "", ""
			if f.Error != nil {
				code, msg = aws.ToString(f.Error.ErrorCode), aws.ToString(f.Error.ErrorMessage)
			}
			name := "unknown entry"
			if e != nil {
				name = e.key.String()
			}
			switch {
			case op == "revoke" && code == "InvalidInputException" && contains(msg, "No permissions revoked"):
				// Already revoked: done.
			case e != nil && retryableCode(code, msg) && n < a.g.opts.MaxAttempts:
				retry = append(retry, e)
			default:
				be.Failures = append(be.Failures, EntryFailure{Entry: name, Code: code, Message: msg})
			}
		}
		if len(be.Failures) > 0 {
			return &Error{Op: op, Resource: strconv.Itoa(len(be.Failures)) + " of " + strconv.Itoa(len(pending)) + " entries", Kind: ErrPartialFailure, Err: be}
		}
		if len(retry) == 0 {
			return nil
		}
		pending = retry
		a.g.opts.Logger.DebugContext(ctx, "govern: retrying failed batch entries", "op", op, "entries", len(retry), "attempt", n)
		if err := sleep(ctx, a.g.opts.Backoff(n)); err != nil {
			return err
		}
	}
}
