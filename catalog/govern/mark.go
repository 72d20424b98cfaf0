package govern

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
)

// The ownership mark: Glue parameters on the databases, tables and
// resource links a spec creates (or adopts). Plan finds its products again
// by them, refuses to take over a database of the same name that does not
// carry them, and offers for pruning only what carries them.
//
// Glue parameters rather than an LF-tag: every Glue database and table
// (resource links included) has a parameter map, written in the same
// CreateDatabase/CreateTable call that makes the resource and returned by
// the listing calls Plan makes anyway, so marking costs no extra call and
// no quota. An LF-tag would have to exist with one value per spec (1,000
// values per tag), take one of the 50 tags a resource may carry, need a
// separate AddLFTagsToResource call after creation, and, above all, take
// part in tag-based access control: a grant by tag expression could match
// it.
const (
	// MarkOwner names the spec (Spec.Name) that owns the resource.
	MarkOwner = "cdpkit.govern.owner"
	// MarkProduct names the product (Product.Name) of a database or table;
	// a database holding resource links has none.
	MarkProduct = "cdpkit.govern.product"
)

// DefaultSpecName is the owner a spec without a Name marks its resources
// with.
const DefaultSpecName = "default"

// GlueAPI is the part of the AWS Glue API a Governor calls: what a
// catalog.Registrar calls, UpdateDatabase (to mark an adopted database)
// and DeleteDatabase (to prune with Options.PruneData). *glue.Client and
// catalogtest.Glue satisfy it.
type GlueAPI interface {
	catalog.GlueAPI
	UpdateDatabase(ctx context.Context, params *glue.UpdateDatabaseInput, optFns ...func(*glue.Options)) (*glue.UpdateDatabaseOutput, error)
	DeleteDatabase(ctx context.Context, params *glue.DeleteDatabaseInput, optFns ...func(*glue.Options)) (*glue.DeleteDatabaseOutput, error)
}

// mark is an ownership mark as read back.
type mark struct {
	owner, product string
}

func markOf(params map[string]string) mark {
	return mark{owner: params[MarkOwner], product: params[MarkProduct]}
}

// params returns the mark's parameters merged over base (not modified).
func (m mark) params(base map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	out[MarkOwner] = m.owner
	if m.product != "" {
		out[MarkProduct] = m.product
	} else {
		delete(out, MarkProduct)
	}
	return out
}

// describe says whose a resource is, for plans.
func (m mark) describe() string {
	if m.owner == "" {
		return "not marked as any spec's"
	}
	return "marked as spec " + m.owner + "'s"
}

// specName is the owner value of a spec's marks.
func specName(s *Spec) string {
	if s.Name == "" {
		return DefaultSpecName
	}
	return s.Name
}

// listDatabases reads every database of the catalog (name lower-cased).
func (g *Governor) listDatabases(ctx context.Context, cat *string) (map[string]gluetypes.Database, error) {
	out := map[string]gluetypes.Database{}
	var token *string
	for {
		var page *glue.GetDatabasesOutput
		err := g.retry(ctx, "GetDatabases", func() (err error) {
			page, err = g.glue.GetDatabases(ctx, &glue.GetDatabasesInput{CatalogId: cat, NextToken: token, MaxResults: aws.Int32(100)})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, d := range page.DatabaseList {
			out[lower(aws.ToString(d.Name))] = d
		}
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

// listTables reads every table of a database.
func (g *Governor) listTables(ctx context.Context, cat *string, db string) ([]gluetypes.Table, error) {
	var out []gluetypes.Table
	var token *string
	for {
		var page *glue.GetTablesOutput
		err := g.retry(ctx, "GetTables", func() (err error) {
			page, err = g.glue.GetTables(ctx, &glue.GetTablesInput{CatalogId: cat, DatabaseName: aws.String(db), NextToken: token, MaxResults: aws.Int32(100)})
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page.TableList...)
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}
