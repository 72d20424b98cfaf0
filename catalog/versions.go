package catalog

import (
	"context"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
)

// PruneTableVersions deletes the archived versions of db.table except the
// keep newest (the current version always stays, so keep < 1 means 1). Use
// it on tables that were updated with archiving (Options.ArchiveVersions,
// or by other tools) before they reach Glue's per-table version quota.
// It reports how many versions it deleted; versions that vanished in the
// meantime are not errors.
func (r *Registrar) PruneTableVersions(ctx context.Context, db, table string, keep int, optFns ...func(*Options)) (deleted int, err error) {
	const op = "prune table versions"
	o := r.options(optFns)
	if err := ValidateName("database", db); err != nil {
		return 0, newError(op, db, table, err)
	}
	if err := ValidateName("table", table); err != nil {
		return 0, newError(op, db, table, err)
	}
	keep = max(keep, 1)
	type version struct {
		id string
		n  int64
	}
	var versions []version
	pg := glue.NewGetTableVersionsPaginator(r.api, &glue.GetTableVersionsInput{DatabaseName: aws.String(db), TableName: aws.String(table), CatalogId: o.catalogID()},
		func(po *glue.GetTableVersionsPaginatorOptions) { po.Limit = 100; po.StopOnDuplicateToken = true })
	for pg.HasMorePages() {
		var out *glue.GetTableVersionsOutput
		err := retry(ctx, o, op, func() error {
			var err error
			out, err = pg.NextPage(ctx)
			return err
		})
		if err != nil {
			return 0, newError(op, db, table, err)
		}
		for _, v := range out.TableVersions {
			id := aws.ToString(v.VersionId)
			n, perr := strconv.ParseInt(id, 10, 64)
			if perr != nil {
				return 0, newError(op, db, table, &InputError{Field: "table version id", Index: -1, Reason: "not an integer"})
			}
			versions = append(versions, version{id, n})
		}
	}
	// Newest first; Glue's version ids are increasing integers.
	slices.SortFunc(versions, func(a, b version) int { return int(b.n - a.n) })
	if len(versions) <= keep {
		return 0, nil
	}
	ids := make([]string, 0, len(versions)-keep)
	for _, v := range versions[keep:] {
		ids = append(ids, v.id)
	}
	for start := 0; start < len(ids); start += MaxVersionDeleteBatch {
		batch := ids[start:min(start+MaxVersionDeleteBatch, len(ids))]
		var out *glue.BatchDeleteTableVersionOutput
		err := retry(ctx, o, op, func() error {
			var err error
			out, err = r.api.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String(db), TableName: aws.String(table), VersionIds: batch, CatalogId: o.catalogID()})
			return err
		})
		if err != nil {
			return deleted, newError(op, db, table, err)
		}
		var fails []BatchFailure
		failed := map[int]bool{}
		for _, e := range out.Errors {
			code, msg := errorDetail(e.ErrorDetail)
			i := slices.Index(batch, aws.ToString(e.VersionId))
			if i >= 0 {
				failed[i] = true
				i += start
			}
			if i >= 0 && kindOfCode(code) == ErrNotFound {
				continue // already gone
			}
			// i is -1 for an id this batch did not send.
			fails = append(fails, BatchFailure{Index: i, Code: code, Message: msg})
		}
		deleted += len(batch) - len(failed)
		if len(fails) > 0 {
			return deleted, newError(op, db, table, &BatchError{Failures: fails})
		}
	}
	return deleted, nil
}
