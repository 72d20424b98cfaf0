package cleanroom

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// Table describes a configured table over an AWS Glue table (S3 data).
type Table struct {
	// Name is the display name (1–100 characters, not unique).
	Name        string
	Description string
	// Database and Table name the Glue table; Region is optional.
	Database string
	Table    string
	Region   types.CommercialRegion
	// AllowedColumns are the columns collaborations and rules may use.
	AllowedColumns []string
	// AnalysisMethod defaults to DIRECT_QUERY.
	AnalysisMethod          types.AnalysisMethod
	SelectedAnalysisMethods []types.SelectedAnalysisMethod
}

func (t Table) method() types.AnalysisMethod {
	if t.AnalysisMethod == "" {
		return types.AnalysisMethodDirectQuery
	}
	return t.AnalysisMethod
}

func (t Table) reference() types.TableReference {
	return &types.TableReferenceMemberGlue{Value: types.GlueTableReference{
		DatabaseName: aws.String(t.Database),
		TableName:    aws.String(t.Table),
		Region:       t.Region,
	}}
}

// CreateInput is the CreateConfiguredTable request for t with tags.
func (t Table) CreateInput(tags map[string]string) *cleanrooms.CreateConfiguredTableInput {
	in := &cleanrooms.CreateConfiguredTableInput{
		Name:                    aws.String(t.Name),
		TableReference:          t.reference(),
		AllowedColumns:          dedupe(t.AllowedColumns),
		AnalysisMethod:          t.method(),
		SelectedAnalysisMethods: dedupeOrNil(t.SelectedAnalysisMethods),
		Tags:                    tags,
	}
	if t.Description != "" {
		in.Description = aws.String(t.Description)
	}
	return in
}

// Association describes a configured table association: the table's entry
// in one membership, under Name (the table name used in SQL), read by the
// service with RoleARN. Ensure looks for it in MembershipID only: pointing
// a spec at another membership creates a new association there and leaves
// the old one in place.
type Association struct {
	MembershipID string
	Name         string
	Description  string
	RoleARN      string
}

// CreateInput is the CreateConfiguredTableAssociation request.
func (a Association) CreateInput(configuredTableID string, tags map[string]string) *cleanrooms.CreateConfiguredTableAssociationInput {
	in := &cleanrooms.CreateConfiguredTableAssociationInput{
		MembershipIdentifier:      aws.String(a.MembershipID),
		ConfiguredTableIdentifier: aws.String(configuredTableID),
		Name:                      aws.String(a.Name),
		RoleArn:                   aws.String(a.RoleARN),
		Tags:                      tags,
	}
	if a.Description != "" {
		in.Description = aws.String(a.Description)
	}
	return in
}

// ColumnKind is how a C3R (Cryptographic Computing for Clean Rooms) column
// was protected before upload.
type ColumnKind int

// C3R column kinds.
const (
	Cleartext ColumnKind = iota + 1
	Fingerprint
	Sealed
)

// Member is a collaboration member as far as result delivery is concerned.
type Member struct {
	AccountID string
	Abilities []types.MemberAbility
}

// TableSpec is the desired state of one shared table: the configured table,
// its analysis rule, and optionally its association in one membership with
// the collaboration analysis rule. Key is the caller's stable identity for
// it; Client tags every resource it creates with it.
type TableSpec struct {
	Key             string
	Table           Table
	Rule            Rule
	Association     *Association
	AssociationRule *AssociationRule
	// GlueColumns are the Glue table's column names, when known; allowed
	// columns are checked against them.
	GlueColumns []string
	// C3R gives the protection of each column of a C3R-encrypted table.
	C3R map[string]ColumnKind
}

// associationRuleType resolves an empty association rule type to the
// table rule's type.
func (s TableSpec) associationRule() AssociationRule {
	r := *s.AssociationRule
	if r.Type == "" && s.Rule != nil {
		r.Type = types.ConfiguredTableAssociationAnalysisRuleType(s.Rule.Type())
	}
	return r
}

// Validate checks the whole spec: every request it implies, plus the
// cross-resource rules (rule columns ⊆ allowed columns ⊆ Glue columns, C3R
// column kinds, association rule type). Paths are prefixed with "table.",
// "rule.", "association." and "associationRule.".
func (s TableSpec) Validate() Problems { return s.validate(nil) }

func (s TableSpec) validate(members []Member) Problems {
	var c collector
	if s.Rule != nil && nilUnion(s.Rule) { // e.g. a nil *Aggregation
		c.err("rule", ReasonRequired)
		s.Rule = nil
	}
	if s.Key == "" {
		c.err("key", ReasonRequired)
	} else if runeLen(s.Key) > maxTagValue {
		c.err("key", ReasonTooLong) // sent as the value of the cdpkit tag
	}
	prefix(&c, "table.", ValidateCreateTable(s.Table.CreateInput(nil)))
	allowed := map[string]bool{}
	for _, col := range s.Table.AllowedColumns {
		allowed[col] = true
	}
	if s.GlueColumns != nil {
		glue := map[string]bool{}
		for _, col := range s.GlueColumns {
			glue[strings.ToLower(col)] = true
		}
		for i, col := range dedupe(s.Table.AllowedColumns) { // indexes of the request sent
			if !glue[col] {
				c.warn("table.allowedColumns"+idx(i), ReasonColumnNotInSchema, "§2.7")
			}
		}
	}
	if s.Rule != nil {
		prefix(&c, "rule.", s.Rule.Validate())
		for _, rc := range ruleColumnRefs(s.Rule) {
			if !allowed[rc.column] {
				c.add("rule."+rc.path, ReasonColumnNotAllowed, SeverityError, "A6")
			}
			if k, ok := s.C3R[rc.column]; ok && !c3rAllowed(rc.use, k) {
				c.add("rule."+rc.path, ReasonC3RColumnKind, SeverityError, rc.rule)
			}
		}
	}
	if s.Rule != nil {
		// Aggregation and list rules name columns as AnalysisRuleColumnName
		// (at most 127 code points): a 128-character allowed column can
		// never appear in them. Custom rules (differential privacy
		// included) use ColumnName, where 128 is fine.
		if _, custom := asCustom(s.Rule); !custom {
			for i, col := range dedupe(s.Table.AllowedColumns) {
				if runeLen(col) == maxColumnName {
					c.warn("table.allowedColumns"+idx(i), ReasonRuleColumnTooLong, "§1.1")
				}
			}
		}
	}
	if cu, ok := asCustom(s.Rule); ok {
		// C1: ANY_QUERY is SQL (DIRECT_QUERY), ANY_JOB PySpark (DIRECT_JOB);
		// MULTIPLE tables take both.
		m := s.Table.method()
		for i, a := range cu.AllowedAnalyses {
			if (a == AnyQuery && m == types.AnalysisMethodDirectJob) || (a == AnyJob && m == types.AnalysisMethodDirectQuery) {
				c.warn("rule.analysisRulePolicy.v1.custom.allowedAnalyses"+idx(i), ReasonAnalysisMethod, "C1")
			}
		}
	}
	if s.Association != nil {
		prefix(&c, "association.", ValidateCreateAssociation(s.Association.CreateInput("00000000-0000-0000-0000-000000000000", nil)))
	}
	if s.AssociationRule != nil {
		if s.Association == nil {
			c.err("association", ReasonRequired)
		}
		r := s.associationRule()
		prefix(&c, "associationRule.", r.Validate())
		if s.Rule != nil && string(r.Type) != string(s.Rule.Type()) {
			c.warn("associationRule.analysisRuleType", ReasonRuleTypesDiffer, "§1.6")
		}
		if members != nil {
			checkReceivers(&c, r, members)
		}
	}
	return c.ps
}

func checkReceivers(c *collector, r AssociationRule, members []Member) {
	path := "associationRule.analysisRulePolicy.v1." + strings.ToLower(string(r.Type)) + ".allowedResultReceivers"
	for i, acct := range r.ResultReceivers {
		j := slices.IndexFunc(members, func(m Member) bool { return m.AccountID == acct })
		switch {
		case j < 0:
			c.warn(path+idx(i), ReasonNotAMember, "§1.6")
		case !slices.Contains(members[j].Abilities, types.MemberAbilityCanReceiveResults):
			c.warn(path+idx(i), ReasonCannotReceive, "§1.6")
		}
	}
}

// Setup is a set of shared tables validated together.
type Setup struct {
	Tables []TableSpec
	// Members, when given, lets Validate check result receivers.
	Members []Member
}

// Validate checks every table spec and the rules that span tables:
// differential-privacy user-id columns identical across the tables
// associated with one membership (C3 holds per collaboration; tables this
// setup does not associate are not compared), association names unique per
// membership, keys unique. Paths are prefixed with "tables[i].".
func (s Setup) Validate() Problems {
	var c collector
	keys := map[string]int{}
	aliases := map[[2]string]bool{}
	dpColumns := map[string]string{} // membership id → first DP user-id column
	for i, t := range s.Tables {
		p := "tables" + idx(i) + "."
		prefix(&c, p, t.validate(s.Members))
		if _, dup := keys[t.Key]; dup && t.Key != "" {
			c.err(p+"key", ReasonDuplicate)
		}
		keys[t.Key] = i
		if a := t.Association; a != nil {
			k := [2]string{a.MembershipID, a.Name}
			if aliases[k] {
				c.add(p+"association.name", ReasonDuplicateAlias, SeverityError, "§2.3")
			}
			aliases[k] = true
		}
		if cu, ok := asCustom(t.Rule); ok && t.Association != nil && cu.DifferentialPrivacy != nil && len(cu.DifferentialPrivacy.Columns) == 1 {
			col := deref(cu.DifferentialPrivacy.Columns[0].Name)
			if first, seen := dpColumns[t.Association.MembershipID]; !seen {
				dpColumns[t.Association.MembershipID] = col
			} else if col != first {
				c.add(p+"rule.analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name", ReasonDPColumnMismatch, SeverityError, "C3")
			}
		}
	}
	return c.ps
}

func asCustom(r Rule) (types.AnalysisRuleCustom, bool) {
	if nilUnion(r) {
		return types.AnalysisRuleCustom{}, false
	}
	v1, ok := r.Policy().(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok {
		return types.AnalysisRuleCustom{}, false
	}
	cu, ok := v1.Value.(*types.ConfiguredTableAnalysisRulePolicyV1MemberCustom)
	if !ok {
		return types.AnalysisRuleCustom{}, false
	}
	return cu.Value, true
}

func prefix(c *collector, p string, ps Problems) {
	for _, pr := range ps {
		pr.Path = p + pr.Path
		c.ps = append(c.ps, pr)
	}
}

// columnUse is how a rule uses a column, for C3R checks.
type columnUse int

const (
	useJoin columnUse = iota + 1
	useDimension
	useAggregateCount         // COUNT
	useAggregateCountDistinct // COUNT_DISTINCT
	useAggregateSum           // SUM, SUM_DISTINCT, AVG
	useList
	useOutputConstraint
	useOther
)

type columnRef struct {
	path, column, rule string
	use                columnUse
}

// ValidateRuleColumns reports every column a table analysis rule names
// that is not among the table's allowed columns (rule A6: an error, the
// service rejects it). Paths start at "analysisRulePolicy".
func ValidateRuleColumns(allowedColumns []string, p types.ConfiguredTableAnalysisRulePolicy) Problems {
	var c collector
	if nilUnion(p) {
		return nil
	}
	allowed := map[string]bool{}
	for _, col := range allowedColumns {
		allowed[col] = true
	}
	for _, rc := range policyColumnRefs(p) {
		if !allowed[rc.column] {
			c.add(rc.path, ReasonColumnNotAllowed, SeverityError, "A6")
		}
	}
	return c.ps
}

// ruleColumnRefs lists every column a rule names, with its path and use.
func ruleColumnRefs(r Rule) []columnRef { return policyColumnRefs(r.Policy()) }

func policyColumnRefs(p types.ConfiguredTableAnalysisRulePolicy) []columnRef {
	v1, ok := p.(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok {
		return nil
	}
	var out []columnRef
	add := func(path string, cols []string, use columnUse, rule string) {
		for i, col := range cols {
			out = append(out, columnRef{path: path + idx(i), column: col, use: use, rule: rule})
		}
	}
	const base = "analysisRulePolicy.v1."
	switch v := v1.Value.(type) {
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
		p := base + "aggregation."
		for i, ac := range v.Value.AggregateColumns {
			use := useAggregateCount
			switch ac.Function {
			case types.AggregateFunctionNameCountDistinct:
				use = useAggregateCountDistinct
			case types.AggregateFunctionNameSum, types.AggregateFunctionNameSumDistinct, types.AggregateFunctionNameAvg:
				use = useAggregateSum
			}
			add(p+"aggregateColumns"+idx(i)+".columnNames", ac.ColumnNames, use, "A10")
		}
		add(p+"joinColumns", v.Value.JoinColumns, useJoin, "A10")
		add(p+"dimensionColumns", v.Value.DimensionColumns, useDimension, "A10")
		for i, oc := range v.Value.OutputConstraints {
			if oc.ColumnName != nil {
				out = append(out, columnRef{path: p + "outputConstraints" + idx(i) + ".columnName", column: *oc.ColumnName, use: useOutputConstraint, rule: "A10"})
			}
		}
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
		p := base + "list."
		add(p+"joinColumns", v.Value.JoinColumns, useJoin, "L5")
		add(p+"listColumns", v.Value.ListColumns, useList, "L5")
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
		p := base + "custom."
		add(p+"disallowedOutputColumns", v.Value.DisallowedOutputColumns, useOther, "")
		if dp := v.Value.DifferentialPrivacy; dp != nil {
			for i, col := range dp.Columns {
				if col.Name != nil {
					out = append(out, columnRef{path: p + "differentialPrivacy.columns" + idx(i) + ".name", column: *col.Name, use: useOther})
				}
			}
		}
	}
	return out
}

// c3rAllowed encodes the C3R column-type rules (reference §1.2 A10, §1.3
// L5, §3.1): SUM/AVG need cleartext; fingerprints only join or count;
// sealed columns never join, group or count distinct (COUNT is fine).
func c3rAllowed(use columnUse, k ColumnKind) bool {
	switch k {
	case Fingerprint:
		return use == useJoin || use == useAggregateCount || use == useAggregateCountDistinct || use == useOutputConstraint || use == useOther
	case Sealed:
		return use == useList || use == useAggregateCount || use == useOther
	}
	return true
}
