package cleanroom

import (
	"strings"
)

// Severity says whether the service is known to reject a problem (Error) or
// whether it is documented or inferred behaviour that is not a create-time
// rejection (Warning): silently wrong results, a query-time failure, or a
// constraint not yet probed against the live service.
type Severity int

const (
	// SeverityError: the service rejects the request (reference confidence E).
	SeverityError Severity = iota + 1
	// SeverityWarning: documented (D) or unverified (U) behaviour; the request may be
	// accepted but the setup will not do what it says.
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "unknown"
}

// Reason is a stable, machine-readable code for a problem. It names the rule
// that failed, never the value.
type Reason string

// Reason codes for shape checks (field patterns, lengths, enums, list sizes).
const (
	ReasonRequired     Reason = "required"
	ReasonTooShort     Reason = "too_short"
	ReasonTooLong      Reason = "too_long"
	ReasonPattern      Reason = "pattern"
	ReasonBlank        Reason = "blank"
	ReasonCharset      Reason = "charset"
	ReasonEnum         Reason = "enum"
	ReasonTooFew       Reason = "too_few"
	ReasonTooMany      Reason = "too_many"
	ReasonOutOfRange   Reason = "out_of_range"
	ReasonTypeMismatch Reason = "type_mismatch"
	ReasonDuplicate    Reason = "duplicate"
	ReasonTooLarge     Reason = "too_large"
	// ReasonSupplementary: code points at U+10000 and above in a display name
	// or description; the model's class spells them with surrogates and
	// whether the service accepts them is unverified.
	ReasonSupplementary Reason = "supplementary_characters"
)

// Reason codes for cross-field and cross-resource rules. The comment names
// the rule in the Clean Rooms reference (cleanrooms.md §1).
const (
	ReasonPlacement              Reason = "column_placement"              // A1, L1: column in two lists that may not share it
	ReasonJoinRequiredNoColumns  Reason = "join_required_without_columns" // A4
	ReasonNoJoinOperator         Reason = "no_join_operator"              // A5
	ReasonOutputColumnUnused     Reason = "output_constraint_column_unused"
	ReasonUnsupportedAdditional  Reason = "additional_analyses_unsupported" // A8, §1.6
	ReasonC3RColumnKind          Reason = "c3r_column_kind"                 // A10, L5
	ReasonProvidersRequired      Reason = "providers_required"              // C1
	ReasonMixedAnalyses          Reason = "mixed_analyses"                  // C1
	ReasonProvidersWithTemplates Reason = "providers_without_wildcard"      // C1
	ReasonAnalysisMethod         Reason = "analysis_method_mismatch"        // C1: ANY_QUERY needs SQL, ANY_JOB PySpark on the table
	ReasonDPColumnMismatch       Reason = "dp_column_mismatch"              // C3
	ReasonColumnNotAllowed       Reason = "column_not_allowed"              // A6: rule column not in allowedColumns
	ReasonColumnNotInSchema      Reason = "column_not_in_schema"            // allowed column not in the Glue table
	ReasonRuleColumnTooLong      Reason = "allowed_column_unusable_in_rule" // ColumnName 128 vs rule 127
	ReasonNotAMember             Reason = "receiver_not_member"
	ReasonCannotReceive          Reason = "receiver_cannot_receive_results"
	ReasonRuleTypesDiffer        Reason = "rule_types_differ" // association rule type ≠ table rule type
	ReasonDuplicateAlias         Reason = "duplicate_association_name"
)

// Problem is one finding of a validation: where (a JSON path into the
// request the SDK would send, e.g.
// "analysisRulePolicy.v1.aggregation.dimensionColumns[2]"), why, and how
// sure we are that the service rejects it. It never holds the value.
type Problem struct {
	Path     string
	Reason   Reason
	Severity Severity
	// Rule names the reference rule (e.g. "A1", "L1", "C1") for cross-field
	// checks and "shape" for model constraints.
	Rule string
}

func (p Problem) String() string {
	s := p.Severity.String() + " " + p.Path + ": " + string(p.Reason)
	if p.Rule != "" && p.Rule != "shape" {
		s += " (" + p.Rule + ")"
	}
	return s
}

// Problems is every finding of a validation: shape problems in field
// order, then cross-field and cross-resource ones.
type Problems []Problem

// Errors returns the problems the service rejects.
func (ps Problems) Errors() Problems { return ps.filter(SeverityError) }

// Warnings returns the problems that are documented or unverified.
func (ps Problems) Warnings() Problems { return ps.filter(SeverityWarning) }

func (ps Problems) filter(s Severity) Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == s {
			out = append(out, p)
		}
	}
	return out
}

// Err returns nil when there is no Error-severity problem, or an *Error of
// kind ErrInvalidInput carrying all problems (warnings included).
func (ps Problems) Err() error {
	if len(ps.Errors()) == 0 {
		return nil
	}
	return &Error{Op: "validate", Kind: ErrInvalidInput, Problems: ps}
}

func (ps Problems) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// collector accumulates problems under a path prefix.
type collector struct{ ps Problems }

func (c *collector) add(path string, r Reason, s Severity, rule string) {
	c.ps = append(c.ps, Problem{Path: path, Reason: r, Severity: s, Rule: rule})
}
func (c *collector) err(path string, r Reason)               { c.add(path, r, SeverityError, "shape") }
func (c *collector) warn(path string, r Reason, rule string) { c.add(path, r, SeverityWarning, rule) }
