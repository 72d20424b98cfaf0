package sqlcheck

import (
	"iter"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// Table describes one table of a collaboration as a query sees it.
type Table struct {
	// Name is the table's name in SQL: the configured table association's
	// name. Matching is case-insensitive.
	Name string
	// Member is the account id of the member who owns the table. Join
	// requirements compare it with Options.Runner.
	Member string
	// Columns are the table's columns (its allowed columns). Check needs
	// only the names; Simulate uses the types (Glue type names such as
	// string, bigint, double, date; empty means string). When nil, Check
	// cannot tell a misspelt column from a real one and only checks the
	// columns the rule names.
	Columns []Column
	// Rule is the configured table's analysis rule: a cleanroom.Aggregation,
	// List or Custom (value or pointer). A nil Rule (and nil IDMapping)
	// means the table has no rule and cannot be queried.
	Rule cleanroom.Rule
	// IDMapping, when set, makes the table an ID mapping table with this
	// service-managed ID_MAPPING_TABLE rule (Rule is then ignored). Name is
	// the table's name in SQL as for any table; Member is the member whose
	// ID namespace association it belongs to.
	IDMapping *cleanroom.IDMappingRule
	// C3R gives the protection of each column of a table encrypted with
	// Cryptographic Computing for Clean Rooms (nil for a cleartext table).
	C3R map[string]cleanroom.ColumnKind
	// Rows are sample rows for Simulate, one value per column in Columns
	// order (see Simulate for the Go types). Check ignores them.
	Rows iter.Seq2[[]any, error]
}

// Column is a column of a Table.
type Column struct {
	Name string
	// Type is a Glue type name; empty means string.
	Type string
}

// Columns returns string-typed columns with the given names, for tables
// whose types do not matter (Check) or whose values are all strings.
func Columns(names ...string) []Column {
	out := make([]Column, len(names))
	for i, n := range names {
		out[i] = Column{Name: n}
	}
	return out
}

// RowsOf returns rows as a sequence for Table.Rows.
func RowsOf(rows [][]any) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// FromSpec describes the table of a cleanroom.TableSpec owned by member:
// its association name (or, without an association, its display name),
// its allowed columns, rule and C3R kinds.
func FromSpec(spec cleanroom.TableSpec, member string) Table {
	t := Table{
		Name:    spec.Table.Name,
		Member:  member,
		Columns: Columns(spec.Table.AllowedColumns...),
		Rule:    spec.Rule,
		C3R:     spec.C3R,
	}
	if spec.Association != nil && spec.Association.Name != "" {
		t.Name = spec.Association.Name
	}
	if spec.Table.AllowedColumns == nil {
		t.Columns = nil
	}
	return t
}

// Options configure Check and Simulate. The zero value checks a query
// run directly (not from an analysis template) by an unknown member.
type Options struct {
	// Runner is the account id of the member who runs the query (the member
	// who can query, or an allowed analysis provider). Without it the join
	// requirements and CUSTOM providers cannot be checked: Check reports a
	// warning (ReasonRunnerUnknown) instead.
	Runner string
	// AnalysisTemplate is the ARN of the analysis template whose SQL the
	// query is; empty for a query run directly. CUSTOM rules must allow it.
	AnalysisTemplate string
	// Params are the values of the template's parameters (:name), for
	// Simulate. Values are Go values as in Table.Rows.
	Params map[string]any
	// AdditionalAnalysis says the query's results feed an additional
	// analysis (Clean Rooms ML); every table's rule must allow it.
	AdditionalAnalysis bool
	// MaxRows, when positive, bounds the rows Simulate keeps in memory; a
	// larger result fails with ErrSimulation.
	MaxRows int
}

func options(optFns []func(*Options)) Options {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	return o
}
