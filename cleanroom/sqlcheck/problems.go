package sqlcheck

import (
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
)

// Reason codes of query problems. Each names the rule that failed, never a
// value from the query.
const (
	// Query-wide.
	ReasonSyntax             cleanroom.Reason = "syntax_error"
	ReasonUnknownTable       cleanroom.Reason = "unknown_table"
	ReasonUnknownColumn      cleanroom.Reason = "unknown_column"
	ReasonAmbiguousColumn    cleanroom.Reason = "ambiguous_column"
	ReasonNoRule             cleanroom.Reason = "no_analysis_rule"
	ReasonMixedRuleTypes     cleanroom.Reason = "mixed_rule_types"
	ReasonRunnerUnknown      cleanroom.Reason = "runner_unknown"
	ReasonParamNoTemplate    cleanroom.Reason = "parameter_without_template"
	ReasonConstruct          cleanroom.Reason = "construct_not_allowed"
	ReasonFunctionNotAllowed cleanroom.Reason = "function_not_allowed"

	// AGGREGATION.
	ReasonNoAggregate         cleanroom.Reason = "no_aggregate"
	ReasonAggregateNotAllowed cleanroom.Reason = "aggregate_not_allowed"
	ReasonAggregateArgument   cleanroom.Reason = "aggregate_argument"
	ReasonNotDimension        cleanroom.Reason = "non_dimension_column"
	ReasonScalarNotAllowed    cleanroom.Reason = "scalar_function_not_allowed"

	// AGGREGATION and LIST joins.
	ReasonJoinColumnOutsideOn cleanroom.Reason = "join_column_outside_on"
	ReasonNotJoinColumn       cleanroom.Reason = "non_join_column_in_on"
	ReasonJoinCondition       cleanroom.Reason = "join_condition"
	ReasonJoinOperator        cleanroom.Reason = "join_operator_not_allowed"
	ReasonJoinType            cleanroom.Reason = "join_type"
	ReasonJoinRequired        cleanroom.Reason = "join_required"

	// LIST.
	ReasonDistinctRequired cleanroom.Reason = "distinct_required"
	ReasonNotListColumn    cleanroom.Reason = "non_list_column"

	// Additional analyses (all rule types).
	ReasonAdditionalNotAllowed cleanroom.Reason = "additional_analysis_not_allowed"
	ReasonAdditionalRequired   cleanroom.Reason = "additional_analysis_required"

	// CUSTOM.
	ReasonNoAnalysisAllowed  cleanroom.Reason = "no_analysis_allowed"
	ReasonTemplateNotAllowed cleanroom.Reason = "template_not_allowed"
	ReasonProviderNotAllowed cleanroom.Reason = "provider_not_allowed"
	ReasonDisallowedOutput   cleanroom.Reason = "disallowed_output_column"
	ReasonDPAggregate        cleanroom.Reason = "dp_aggregate_not_supported"
	ReasonDPConstruct        cleanroom.Reason = "dp_construct_not_supported"

	// C3R column kinds (any rule type).
	ReasonC3RColumnKind = cleanroom.ReasonC3RColumnKind

	// ID mapping tables (ID_MAPPING_TABLE). Their mapping columns outside
	// join conditions are ReasonJoinColumnOutsideOn, other columns
	// ReasonNotDimension or ReasonNotJoinColumn, and implicit, CROSS,
	// NATURAL or USING joins ReasonJoinType, as for the other rules.
	ReasonMappingAlone      cleanroom.Reason = "id_mapping_table_alone"
	ReasonMappingOuterSide  cleanroom.Reason = "id_mapping_table_outer_side"
	ReasonOverlapRequired   cleanroom.Reason = "overlap_required"
	ReasonUnknownConstraint cleanroom.Reason = "unknown_query_constraint"
)

// Rule names of Problem.Rule besides the analysis rule types.
const (
	RuleAggregation = "AGGREGATION"
	RuleList        = "LIST"
	RuleCustom      = "CUSTOM"
	// RuleIDMappingTable marks problems of an ID mapping table's rule.
	RuleIDMappingTable = "ID_MAPPING_TABLE"
	// RuleC3R marks problems of C3R column kinds.
	RuleC3R = "C3R"
)

// Pos is a position in the query text: Line and Column are 1-based and
// Column counts characters.
type Pos struct {
	Line, Column int
}

func (p Pos) String() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) }

// Problem is one way a query breaks a table's analysis rule: which table
// and rule, why (a stable Reason code), where in the SQL, and whether the
// service rejects it. It may name identifiers of the query (tables,
// columns, functions, clauses) but never holds a literal value from it.
type Problem struct {
	// Table is the table as named in Table.Name ("" for query-wide
	// problems).
	Table string
	// Rule is the rule type whose control failed: RuleAggregation,
	// RuleList, RuleCustom, RuleIDMappingTable, RuleC3R, or "" for
	// query-wide problems.
	Rule     string
	Reason   cleanroom.Reason
	Severity cleanroom.Severity
	Pos      Pos
	// Name is the identifier involved (a column, function, clause or
	// construct such as "LIMIT"), or "" when none applies.
	Name string
	// Detail says more in words; it too holds no literal values.
	Detail string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Severity.String() + " " + p.Pos.String() + ": " + string(p.Reason))
	if p.Table != "" || p.Rule != "" {
		b.WriteString(" [")
		if p.Table != "" {
			b.WriteString("table " + strconv.Quote(p.Table))
		}
		if p.Rule != "" {
			if p.Table != "" {
				b.WriteString(" ")
			}
			b.WriteString(p.Rule)
		}
		b.WriteString("]")
	}
	if p.Name != "" {
		b.WriteString(" " + strconv.Quote(p.Name))
	}
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	return b.String()
}

// Problems are all problems of a query, in order of position.
type Problems []Problem

// Errors returns the problems the service rejects the query for.
func (ps Problems) Errors() Problems { return ps.filter(cleanroom.SeverityError) }

// Warnings returns the problems that are documented or unverified
// behaviour, or checks that could not be made.
func (ps Problems) Warnings() Problems { return ps.filter(cleanroom.SeverityWarning) }

func (ps Problems) filter(s cleanroom.Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when no problem is an error, or an *Error of kind
// ErrRejected carrying every problem (warnings included).
func (ps Problems) Err() error {
	if len(ps.Errors()) == 0 {
		return nil
	}
	return &Error{Op: "check", Kind: ErrRejected, Problems: ps}
}

// Error kinds. Both match cdpkit.ErrInvalid with errors.Is.
var (
	// ErrRejected: the query breaks an analysis rule (or does not parse);
	// the service would refuse it. Error.Problems lists why.
	ErrRejected = cdpkit.NewKind("sqlcheck: query rejected by analysis rules", cdpkit.ErrInvalid)
	// ErrSimulation: the checked query could not run on the sample data
	// (the engine's message is in Error.Message), or a table's sample is
	// unusable.
	ErrSimulation = cdpkit.NewKind("sqlcheck: simulation failed", cdpkit.ErrInvalid)
)

// Error is the error type of this package.
type Error struct {
	// Op is "check" or "simulate".
	Op   string
	Kind error
	// Problems are the check's findings (ErrRejected).
	Problems Problems
	// Message is the engine's message (ErrSimulation); it names tables and
	// columns, never values.
	Message string
	// Err is the cause, if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sqlcheck: " + e.Op)
	if e.Kind != nil {
		b.WriteString(": " + strings.TrimPrefix(e.Kind.Error(), "sqlcheck: "))
	}
	if errs := e.Problems.Errors(); len(errs) > 0 {
		b.WriteString(": " + strconv.Itoa(len(errs)) + " problem(s): " + errs.String())
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}
