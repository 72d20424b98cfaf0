package catalog

import (
	"context"
	"iter"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

func databaseFrom(d types.Database) Database {
	return Database{
		Name:        aws.ToString(d.Name),
		Description: aws.ToString(d.Description),
		LocationURI: aws.ToString(d.LocationUri),
		Parameters:  maps.Clone(d.Parameters),
	}
}

// Databases iterates over every database in the catalog using the SDK
// paginator. Iteration stops at the first error, which is yielded. The
// iterator may be reused.
func (r *Registrar) Databases(ctx context.Context, optFns ...func(*Options)) iter.Seq2[Database, error] {
	const op = "list databases"
	o := r.options(optFns)
	return func(yield func(Database, error) bool) {
		pg := glue.NewGetDatabasesPaginator(r.api, &glue.GetDatabasesInput{CatalogId: o.catalogID()}, func(po *glue.GetDatabasesPaginatorOptions) {
			po.Limit = 100
			po.StopOnDuplicateToken = true
		})
		for pg.HasMorePages() {
			var out *glue.GetDatabasesOutput
			err := retry(ctx, o, op, func() error {
				var err error
				out, err = pg.NextPage(ctx)
				return err
			})
			if err != nil {
				yield(Database{}, newError(op, "", "", err))
				return
			}
			for _, d := range out.DatabaseList {
				if !yield(databaseFrom(d), nil) {
					return
				}
			}
		}
	}
}

// ListTables returns one page of tables (up to 100) of db and the token of
// the next page ("" after the last). Pass "" to start.
func (r *Registrar) ListTables(ctx context.Context, db, pageToken string, optFns ...func(*Options)) ([]Table, string, error) {
	const op = "list tables"
	o := r.options(optFns)
	if err := ValidateName("database", db); err != nil {
		return nil, "", newError(op, db, "", err)
	}
	in := &glue.GetTablesInput{DatabaseName: aws.String(db), CatalogId: o.catalogID(), MaxResults: aws.Int32(100)}
	if pageToken != "" {
		in.NextToken = aws.String(pageToken)
	}
	var out *glue.GetTablesOutput
	err := retry(ctx, o, op, func() error {
		var err error
		out, err = r.api.GetTables(ctx, in)
		return err
	})
	if err != nil {
		return nil, "", newError(op, db, "", err)
	}
	ts := make([]Table, 0, len(out.TableList))
	for i := range out.TableList {
		ts = append(ts, tableFrom(&out.TableList[i]))
	}
	return ts, aws.ToString(out.NextToken), nil
}

// Tables iterates over every table of db using the SDK paginator.
// Iteration stops at the first error, which is yielded (a missing database
// is ErrNotFound). The iterator may be reused.
func (r *Registrar) Tables(ctx context.Context, db string, optFns ...func(*Options)) iter.Seq2[Table, error] {
	const op = "list tables"
	o := r.options(optFns)
	return func(yield func(Table, error) bool) {
		if err := ValidateName("database", db); err != nil {
			yield(Table{}, newError(op, db, "", err))
			return
		}
		pg := glue.NewGetTablesPaginator(r.api, &glue.GetTablesInput{DatabaseName: aws.String(db), CatalogId: o.catalogID()}, func(po *glue.GetTablesPaginatorOptions) {
			po.Limit = 100
			po.StopOnDuplicateToken = true
		})
		for pg.HasMorePages() {
			var out *glue.GetTablesOutput
			err := retry(ctx, o, op, func() error {
				var err error
				out, err = pg.NextPage(ctx)
				return err
			})
			if err != nil {
				yield(Table{}, newError(op, db, "", err))
				return
			}
			for i := range out.TableList {
				if !yield(tableFrom(&out.TableList[i]), nil) {
					return
				}
			}
		}
	}
}
