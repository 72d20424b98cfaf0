package govern

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// Reading the LF-tags assigned to many tables.
//
// GetResourceLFTags with ShowAssignedLFTags answers one table (and its
// columns) per call. SearchTablesByLFTags answers, page by page, every table
// whose tags (or whose columns' tags) match an expression, with the tags of
// its database, of the table and of each column. One search per tag key of
// the catalog, over all the key's values (50 per expression), therefore
// finds every table with any tag; a table no search returns has none.
//
// Search reports tags as the catalog applies them: a table shows the tags
// it inherits from its database, a column those it inherits from its table.
// (The fake does so; the service's documentation does not say, and the
// reasoning below holds either way.) It cannot tell an inherited tag from
// a direct assignment of the same value. So, for each table:
//
//   - a key a table (column) shows with another value than its database
//     (table), or that its parent lacks, is assigned to it directly;
//   - a key it does not show is not assigned to it;
//   - a key it shows with its parent's value is a tie: inherited, or
//     assigned with the same value. A tie that can change the plan (a key
//     the spec defines or wants there, or a level whose only tags are ties)
//     is settled with GetResourceLFTags for that table alone.
//
// A database whose own tags include a key the spec defines passes that key
// to each of its tables, a tie on every table: its tables are read one by
// one, as before. Databases are always read with GetResourceLFTags (a plan
// reads one per product). Search is used only when a database has at least
// as many tables to read as the searches would cost (or the plan has
// searched already).
//
// Permissions: search, like GetResourceLFTags, shows only the tag keys the
// caller may describe (ListLFTags lists the same keys) on the tables it may
// describe. An AccessDeniedException from a search makes the plan read
// every table one by one.

// maxSearchValues is the number of values one expression may carry.
const maxSearchValues = 50

// forceSearch makes every plan read tables through search whatever the
// cost and the database's tags (ties still fall back): set by this
// package's tests with CDPKIT_GOVERN_FORCE_SEARCH=1, to run every plan
// test through the search path.
var forceSearch bool

// tagIndex holds what the searches found.
type tagIndex struct {
	tables map[string]types.TaggedTable // "db\x00table", lower-cased
}

// searchCost is the number of searches an index takes (at least one page
// each).
func (p *planner) searchCost() int {
	n := 0
	for _, vs := range p.allTags {
		n += (len(vs) + maxSearchValues - 1) / maxSearchValues
	}
	return n
}

// useIndex says whether tables of db should be read from the index,
// building it on first use. tables is how many of db's tables the plan
// reads; dbTags the tags assigned to db.
func (p *planner) useIndex(ctx context.Context, tables int, dbTags map[string]string) (bool, error) {
	if p.noSearch || tables == 0 {
		return false, nil
	}
	if !forceSearch {
		for k := range dbTags {
			if p.tagKeys[k] {
				return false, nil
			}
		}
		if p.index == nil && tables < p.searchCost() {
			return false, nil
		}
	}
	if p.index != nil {
		return true, nil
	}
	idx := &tagIndex{tables: map[string]types.TaggedTable{}}
	for _, k := range slices.Sorted(maps.Keys(p.allTags)) {
		vs := p.allTags[k]
		for len(vs) > 0 {
			chunk := vs[:min(len(vs), maxSearchValues)]
			vs = vs[len(chunk):]
			if err := p.searchTables(ctx, idx, k, chunk); err != nil {
				if isCode(err, "AccessDeniedException", "") {
					p.noSearch = true
					return false, nil
				}
				return false, newError("plan", "lf-tag "+k, err)
			}
		}
	}
	p.index = idx
	return true, nil
}

func (p *planner) searchTables(ctx context.Context, idx *tagIndex, key string, values []string) error {
	var token *string
	for {
		var out *lakeformation.SearchTablesByLFTagsOutput
		err := p.g.retry(ctx, "SearchTablesByLFTags", func() (err error) {
			out, err = p.g.lf.SearchTablesByLFTags(ctx, &lakeformation.SearchTablesByLFTagsInput{
				CatalogId: p.cat, MaxResults: aws.Int32(100), NextToken: token,
				Expression: []types.LFTag{{TagKey: aws.String(key), TagValues: values}},
			})
			return err
		})
		if err != nil {
			return err
		}
		for _, t := range out.TableList {
			if t.Table == nil {
				continue
			}
			idx.tables[lower(aws.ToString(t.Table.DatabaseName))+"\x00"+lower(aws.ToString(t.Table.Name))] = t
		}
		// An empty page may still carry a token: follow it, unless the
		// service hands back the token it was given.
		if next := out.NextToken; next == nil || *next == "" || (token != nil && *next == *token) {
			return nil
		}
		token = out.NextToken
	}
}

// tableWant is what the plan compares a table's assignments with: the tags
// it wants on the table and on each column. prune is set when the caller
// counts the keys the spec does not define too (any tie matters).
type tableWant struct {
	table map[string]string
	cols  map[string]map[string]string
	prune bool
}

// fromIndex derives a table's assignments from the index, in the shape of
// GetResourceLFTags with ShowAssignedLFTags; ok is false when a tie that
// can change the plan needs GetResourceLFTags.
func (p *planner) fromIndex(db, name string, w tableWant) (out *lakeformation.GetResourceLFTagsOutput, ok bool) {
	out = &lakeformation.GetResourceLFTagsOutput{}
	t, found := p.index.tables[db+"\x00"+name]
	if !found {
		return out, true
	}
	dbTags, tTags := pairMap(t.LFTagOnDatabase), pairMap(t.LFTagsOnTable)
	direct, ok := p.direct(tTags, dbTags, w.table, w.prune)
	if !ok {
		return nil, false
	}
	out.LFTagsOnTable = p.pairs(direct)
	for _, c := range t.LFTagsOnColumns {
		col := lower(aws.ToString(c.Name))
		d, ok := p.direct(pairMap(c.LFTags), tTags, w.cols[col], w.prune)
		if !ok {
			return nil, false
		}
		if len(d) > 0 {
			out.LFTagsOnColumns = append(out.LFTagsOnColumns, types.ColumnLFTag{Name: aws.String(col), LFTags: p.pairs(d)})
		}
	}
	return out, true
}

// direct returns the keys of tags that are assigned to the resource rather
// than inherited from parent; ok is false when a tie matters.
func (p *planner) direct(tags, parent, want map[string]string, prune bool) (map[string]string, bool) {
	out := map[string]string{}
	var ties []string
	for k, v := range tags {
		if pv, inherited := parent[k]; inherited && pv == v {
			ties = append(ties, k)
			continue
		}
		out[k] = v
	}
	for _, k := range ties {
		_, wanted := want[k]
		switch {
		case prune, p.tagKeys[k], wanted:
			return nil, false
		case len(out) == 0 && len(want) > 0:
			// Whether anything is assigned decides Create or Update.
			return nil, false
		}
	}
	return out, true
}

func (p *planner) pairs(m map[string]string) []types.LFTagPair {
	out := make([]types.LFTagPair, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.LFTagPair{CatalogId: p.cat, TagKey: aws.String(k), TagValues: []string{m[k]}})
	}
	return out
}

// tableTags returns the tags assigned to a table and its columns: from the
// index when the plan built one for the table's database and no tie
// matters, otherwise with GetResourceLFTags.
func (p *planner) tableTags(ctx context.Context, indexed bool, db, name, what string, w tableWant) (*lakeformation.GetResourceLFTagsOutput, error) {
	if indexed {
		if out, ok := p.fromIndex(db, name, w); ok {
			return out, nil
		}
	}
	return p.readTags(ctx, &types.Resource{Table: &types.TableResource{CatalogId: p.cat, DatabaseName: aws.String(db), Name: aws.String(name)}}, what)
}

// wantOf is the tags a spec table wants, lower-cased.
func wantOf(t Table) tableWant {
	w := tableWant{table: lowerMap(t.Tags), cols: map[string]map[string]string{}}
	for c, m := range t.ColumnTags {
		w.cols[strings.ToLower(c)] = lowerMap(m)
	}
	return w
}
