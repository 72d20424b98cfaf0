package cleanroom

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// ValidateRule checks a configured-table analysis rule exactly as far as the
// service's model and documentation allow: every shape constraint (pattern,
// length in code points, enum, list size, range) and every cross-field rule
// of the AWS Clean Rooms reference §1.2–§1.4 and §1.7. Problems the service
// rejects are Errors; documented or unverified ones are Warnings. Paths are
// JSON paths into the CreateConfiguredTableAnalysisRule request.
func ValidateRule(t types.ConfiguredTableAnalysisRuleType, p types.ConfiguredTableAnalysisRulePolicy) Problems {
	var c collector
	if t == "" {
		c.err("analysisRuleType", ReasonRequired)
	} else if !slices.Contains(t.Values(), t) {
		c.err("analysisRuleType", ReasonEnum)
	}
	const base = "analysisRulePolicy"
	v1m, ok := p.(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if p == nil || !ok || v1m == nil {
		c.err(base, ReasonRequired)
		return c.ps
	}
	const pv1 = base + ".v1"
	if nilUnion(v1m.Value) {
		c.err(pv1, ReasonRequired)
		return c.ps
	}
	var got types.ConfiguredTableAnalysisRuleType
	switch v := v1m.Value.(type) {
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
		got = types.ConfiguredTableAnalysisRuleTypeAggregation
		checkAggregation(&c, pv1+".aggregation", v.Value)
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
		got = types.ConfiguredTableAnalysisRuleTypeList
		checkList(&c, pv1+".list", v.Value)
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberCustom:
		got = types.ConfiguredTableAnalysisRuleTypeCustom
		checkCustom(&c, pv1+".custom", v.Value)
	default:
		c.err(pv1, ReasonRequired)
		return c.ps
	}
	if slices.Contains(t.Values(), t) && t != got {
		c.err("analysisRuleType", ReasonTypeMismatch)
	}
	if b, err := wire.Marshal(p); err == nil && len(b) > maxRulePolicyJSONLen {
		c.err(base, ReasonTooLarge)
	}
	return c.ps
}

func checkAggregation(c *collector, path string, a types.AnalysisRuleAggregation) {
	// Shapes.
	aggPath := path + ".aggregateColumns"
	switch {
	case a.AggregateColumns == nil:
		c.err(aggPath, ReasonRequired)
	case len(a.AggregateColumns) == 0:
		c.err(aggPath, ReasonTooFew)
	}
	fnSeen := map[types.AggregateFunctionName]bool{}
	for i, ac := range a.AggregateColumns {
		p := aggPath + idx(i)
		switch {
		case ac.ColumnNames == nil:
			c.err(p+".columnNames", ReasonRequired)
		case len(ac.ColumnNames) == 0:
			c.err(p+".columnNames", ReasonTooFew)
		}
		ruleColumns(c, p+".columnNames", ac.ColumnNames, nil)
		checkEnum(c, p+".function", ac.Function, true)
		if ac.Function != "" && fnSeen[ac.Function] {
			c.warn(p+".function", ReasonDuplicate, "A9")
		}
		fnSeen[ac.Function] = true
	}
	ruleColumns(c, path+".joinColumns", a.JoinColumns, requiredList)
	if a.JoinRequired != "" {
		checkEnum(c, path+".joinRequired", a.JoinRequired, false)
	}
	checkOperators(c, path+".allowedJoinOperators", a.AllowedJoinOperators)
	ruleColumns(c, path+".dimensionColumns", a.DimensionColumns, requiredList)
	sfPath := path + ".scalarFunctions"
	if a.ScalarFunctions == nil {
		c.err(sfPath, ReasonRequired)
	}
	for i, f := range a.ScalarFunctions {
		checkEnum(c, sfPath+idx(i), f, true)
	}
	warnDuplicates(c, sfPath, a.ScalarFunctions, "A9")
	ocPath := path + ".outputConstraints"
	switch {
	case a.OutputConstraints == nil:
		c.err(ocPath, ReasonRequired)
	case len(a.OutputConstraints) == 0:
		c.err(ocPath, ReasonTooFew)
	}
	for i, oc := range a.OutputConstraints {
		p := ocPath + idx(i)
		if oc.ColumnName == nil {
			c.err(p+".columnName", ReasonRequired)
		} else {
			ruleColumn(c, p+".columnName", *oc.ColumnName)
		}
		switch {
		case oc.Minimum == nil:
			c.err(p+".minimum", ReasonRequired)
		case *oc.Minimum < minOutputMinimum || *oc.Minimum > maxOutputMinimum:
			c.err(p+".minimum", ReasonOutOfRange)
		}
		checkEnum(c, p+".type", oc.Type, true)
	}
	if a.AdditionalAnalyses != "" {
		checkEnum(c, path+".additionalAnalyses", a.AdditionalAnalyses, false)
		if a.AdditionalAnalyses != types.AdditionalAnalysesNotAllowed {
			c.warn(path+".additionalAnalyses", ReasonUnsupportedAdditional, "A8")
		}
	}

	// A1 (§1.7): aggregate and join columns can't be dimension columns.
	used := map[string]bool{}
	for _, ac := range a.AggregateColumns {
		for _, col := range ac.ColumnNames {
			used[col] = true
		}
	}
	for _, col := range a.JoinColumns {
		used[col] = true
	}
	for i, col := range a.DimensionColumns {
		if used[col] {
			c.add(path+".dimensionColumns"+idx(i), ReasonPlacement, SeverityError, "A1")
		}
	}
	// A4: join required but nothing to join on.
	if a.JoinRequired == types.JoinRequiredOptionQueryRunner && a.JoinColumns != nil && len(a.JoinColumns) == 0 {
		c.warn(path+".joinColumns", ReasonJoinRequiredNoColumns, "A4")
	}
	// A5: two or more join columns with an explicitly empty operator list.
	if len(a.JoinColumns) >= 2 && a.AllowedJoinOperators != nil && len(a.AllowedJoinOperators) == 0 {
		c.warn(path+".allowedJoinOperators", ReasonNoJoinOperator, "A5")
	}
	// A7: the output constraint column is usually a join or aggregate column.
	for i, oc := range a.OutputConstraints {
		if oc.ColumnName != nil && *oc.ColumnName != "" && !used[*oc.ColumnName] {
			c.warn(ocPath+idx(i)+".columnName", ReasonOutputColumnUnused, "A7")
		}
	}
}

func checkList(c *collector, path string, l types.AnalysisRuleList) {
	jp := path + ".joinColumns"
	ruleColumns(c, jp, l.JoinColumns, requiredList)
	if l.JoinColumns != nil && len(l.JoinColumns) == 0 {
		c.err(jp, ReasonTooFew)
	}
	checkOperators(c, path+".allowedJoinOperators", l.AllowedJoinOperators)
	ruleColumns(c, path+".listColumns", l.ListColumns, requiredList)
	if l.AdditionalAnalyses != "" {
		checkEnum(c, path+".additionalAnalyses", l.AdditionalAnalyses, false)
	}
	// L1 (§1.7): no column is both a join column and a list column.
	for i, col := range l.ListColumns {
		if slices.Contains(l.JoinColumns, col) {
			c.add(path+".listColumns"+idx(i), ReasonPlacement, SeverityError, "L1")
		}
	}
}

func checkCustom(c *collector, path string, cu types.AnalysisRuleCustom) {
	ap := path + ".allowedAnalyses"
	if cu.AllowedAnalyses == nil {
		c.err(ap, ReasonRequired)
	}
	var wildcard, anyQuery, anyJob, templates bool
	for i, a := range cu.AllowedAnalyses {
		p := ap + idx(i)
		if runeLen(a) > maxAllowedAnalysis {
			c.err(p, ReasonTooLong)
		}
		if !allowedAnalysisPattern.MatchString(a) {
			c.err(p, ReasonPattern)
			continue
		}
		switch a {
		case AnyQuery:
			wildcard, anyQuery = true, true
		case AnyJob:
			wildcard, anyJob = true, true
		default:
			templates = true
		}
	}
	warnDuplicates(c, ap, cu.AllowedAnalyses, "A9")
	pp := path + ".allowedAnalysisProviders"
	for i, acct := range cu.AllowedAnalysisProviders {
		accountID(c, pp+idx(i), acct)
	}
	warnDuplicates(c, pp, cu.AllowedAnalysisProviders, "A9")
	if cu.AdditionalAnalyses != "" {
		checkEnum(c, path+".additionalAnalyses", cu.AdditionalAnalyses, false)
	}
	ruleColumns(c, path+".disallowedOutputColumns", cu.DisallowedOutputColumns, nil)
	if dp := cu.DifferentialPrivacy; dp != nil {
		dpp := path + ".differentialPrivacy.columns"
		switch {
		case dp.Columns == nil:
			c.err(dpp, ReasonRequired)
		case len(dp.Columns) == 0:
			c.err(dpp, ReasonTooFew)
		case len(dp.Columns) > 1:
			c.err(dpp, ReasonTooMany)
		}
		for i, col := range dp.Columns {
			if col.Name == nil {
				c.err(dpp+idx(i)+".name", ReasonRequired)
				continue
			}
			columnName(c, dpp+idx(i)+".name", *col.Name)
		}
	}
	// C1: ANY_QUERY needs providers (E); ANY_JOB without providers and
	// mixing wildcards with template ARNs are not described (U).
	if anyQuery && len(cu.AllowedAnalysisProviders) == 0 {
		c.add(pp, ReasonProvidersRequired, SeverityError, "C1")
	}
	if anyJob && !anyQuery && len(cu.AllowedAnalysisProviders) == 0 {
		c.warn(pp, ReasonProvidersRequired, "C1")
	}
	if wildcard && templates {
		c.warn(ap, ReasonMixedAnalyses, "C1")
	}
	if !wildcard && len(cu.AllowedAnalysisProviders) > 0 {
		c.warn(pp, ReasonProvidersWithTemplates, "C1")
	}
}

// ValidateAssociationRule checks a collaboration (configured table
// association) analysis rule (reference §1.6).
func ValidateAssociationRule(t types.ConfiguredTableAssociationAnalysisRuleType, p types.ConfiguredTableAssociationAnalysisRulePolicy) Problems {
	var c collector
	if t == "" {
		c.err("analysisRuleType", ReasonRequired)
	} else if !slices.Contains(t.Values(), t) {
		c.err("analysisRuleType", ReasonEnum)
	}
	const base = "analysisRulePolicy"
	v1m, ok := p.(*types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1)
	if p == nil || !ok || v1m == nil {
		c.err(base, ReasonRequired)
		return c.ps
	}
	if nilUnion(v1m.Value) {
		c.err(base+".v1", ReasonRequired)
		return c.ps
	}
	var got types.ConfiguredTableAssociationAnalysisRuleType
	var receivers, additional []string
	var path string
	switch v := v1m.Value.(type) {
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation:
		got, path = types.ConfiguredTableAssociationAnalysisRuleTypeAggregation, base+".v1.aggregation"
		receivers, additional = v.Value.AllowedResultReceivers, v.Value.AllowedAdditionalAnalyses
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList:
		got, path = types.ConfiguredTableAssociationAnalysisRuleTypeList, base+".v1.list"
		receivers, additional = v.Value.AllowedResultReceivers, v.Value.AllowedAdditionalAnalyses
	case *types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom:
		got, path = types.ConfiguredTableAssociationAnalysisRuleTypeCustom, base+".v1.custom"
		receivers, additional = v.Value.AllowedResultReceivers, v.Value.AllowedAdditionalAnalyses
	default:
		c.err(base+".v1", ReasonRequired)
		return c.ps
	}
	if slices.Contains(t.Values(), t) && t != got {
		c.err("analysisRuleType", ReasonTypeMismatch)
	}
	for i, acct := range receivers {
		accountID(&c, path+".allowedResultReceivers"+idx(i), acct)
	}
	warnDuplicates(&c, path+".allowedResultReceivers", receivers, "A9")
	ap := path + ".allowedAdditionalAnalyses"
	if len(additional) > maxAdditionalARNs {
		c.err(ap, ReasonTooMany)
	}
	for i, arn := range additional {
		if runeLen(arn) > maxAdditionalARN {
			c.err(ap+idx(i), ReasonTooLong)
		}
		if !additionalAnalysisPattern.MatchString(arn) {
			c.err(ap+idx(i), ReasonPattern)
		}
	}
	if got == types.ConfiguredTableAssociationAnalysisRuleTypeAggregation && len(additional) > 0 {
		c.warn(ap, ReasonUnsupportedAdditional, "§1.6")
	}
	return c.ps
}

// ValidateCreateTable checks a CreateConfiguredTable request.
func ValidateCreateTable(in *cleanrooms.CreateConfiguredTableInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	displayName(&c, "name", in.Name)
	description(&c, "description", in.Description)
	tableReference(&c, "tableReference", in.TableReference)
	allowedColumns(&c, "allowedColumns", in.AllowedColumns)
	checkEnum(&c, "analysisMethod", in.AnalysisMethod, true)
	selectedMethods(&c, in.AnalysisMethod, in.SelectedAnalysisMethods)
	tags(&c, "tags", in.Tags)
	return c.ps
}

// ValidateUpdateTable checks an UpdateConfiguredTable request.
func ValidateUpdateTable(in *cleanrooms.UpdateConfiguredTableInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	uuid(&c, "configuredTableIdentifier", in.ConfiguredTableIdentifier)
	if in.Name != nil {
		displayName(&c, "name", in.Name)
	}
	description(&c, "description", in.Description)
	if in.TableReference != nil {
		tableReference(&c, "tableReference", in.TableReference)
	}
	if in.AllowedColumns != nil {
		allowedColumns(&c, "allowedColumns", in.AllowedColumns)
	}
	if in.AnalysisMethod != "" {
		checkEnum(&c, "analysisMethod", in.AnalysisMethod, true)
	}
	selectedMethods(&c, in.AnalysisMethod, in.SelectedAnalysisMethods)
	return c.ps
}

// ValidateCreateAssociation checks a CreateConfiguredTableAssociation request.
func ValidateCreateAssociation(in *cleanrooms.CreateConfiguredTableAssociationInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	uuid(&c, "membershipIdentifier", in.MembershipIdentifier)
	uuid(&c, "configuredTableIdentifier", in.ConfiguredTableIdentifier)
	alias(&c, "name", in.Name)
	description(&c, "description", in.Description)
	roleARN(&c, "roleArn", in.RoleArn)
	tags(&c, "tags", in.Tags)
	return c.ps
}

// ValidateUpdateAssociation checks an UpdateConfiguredTableAssociation request.
func ValidateUpdateAssociation(in *cleanrooms.UpdateConfiguredTableAssociationInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	uuid(&c, "membershipIdentifier", in.MembershipIdentifier)
	uuid(&c, "configuredTableAssociationIdentifier", in.ConfiguredTableAssociationIdentifier)
	description(&c, "description", in.Description)
	if in.RoleArn != nil {
		roleARN(&c, "roleArn", in.RoleArn)
	}
	return c.ps
}

func tableReference(c *collector, path string, ref types.TableReference) {
	if nilUnion(ref) {
		c.err(path, ReasonRequired)
		return
	}
	switch r := ref.(type) {
	case nil:
		c.err(path, ReasonRequired)
	case *types.TableReferenceMemberGlue:
		p := path + ".glue"
		if r.Value.DatabaseName == nil {
			c.err(p+".databaseName", ReasonRequired)
		} else {
			matchLen(c, p+".databaseName", *r.Value.DatabaseName, maxAlias, glueDatabasePattern.MatchString)
		}
		if r.Value.TableName == nil {
			c.err(p+".tableName", ReasonRequired)
		} else {
			matchLen(c, p+".tableName", *r.Value.TableName, maxAlias, aliasPattern.MatchString)
		}
		if r.Value.Region != "" {
			checkEnum(c, p+".region", r.Value.Region, false)
		}
	case *types.TableReferenceMemberAthena, *types.TableReferenceMemberSnowflake:
		// Only S3/Glue tables are modelled in depth; the service checks these.
	default:
		c.err(path, ReasonRequired)
	}
}

func allowedColumns(c *collector, path string, cols []string) {
	switch {
	case cols == nil:
		c.err(path, ReasonRequired)
	case len(cols) == 0:
		c.err(path, ReasonTooFew)
	case len(cols) > maxAllowedColumns:
		// A quota (adjustable), so not a certain rejection.
		c.warn(path, ReasonTooMany, "quota")
	}
	for i, col := range cols {
		columnName(c, path+idx(i), col)
	}
	warnDuplicates(c, path, cols, "A9")
}

func selectedMethods(c *collector, m types.AnalysisMethod, sel []types.SelectedAnalysisMethod) {
	for i, s := range sel {
		checkEnum(c, "selectedAnalysisMethods"+idx(i), s, true)
	}
	warnDuplicates(c, "selectedAnalysisMethods", sel, "A9")
	if sel != nil && len(sel) < 2 {
		c.warn("selectedAnalysisMethods", ReasonTooFew, "§2.2")
	}
	if m == types.AnalysisMethodMultiple && len(sel) == 0 {
		c.warn("selectedAnalysisMethods", ReasonRequired, "§2.2")
	}
}

func tags(c *collector, path string, m map[string]string) {
	if len(m) > maxTags {
		c.err(path, ReasonTooMany)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := path + "." + k
		if n := runeLen(k); n == 0 {
			c.err(p, ReasonTooShort)
		} else if n > maxTagKey {
			c.err(p, ReasonTooLong)
		}
		if runeLen(m[k]) > maxTagValue {
			c.err(p, ReasonTooLong)
		}
	}
}

var requiredList = &struct{}{}

// ruleColumns checks a list of AnalysisRuleColumnName items; required (non
// nil) when req is requiredList.
func ruleColumns(c *collector, path string, cols []string, req *struct{}) {
	if req != nil && cols == nil {
		c.err(path, ReasonRequired)
	}
	for i, col := range cols {
		ruleColumn(c, path+idx(i), col)
	}
	warnDuplicates(c, path, cols, "A9")
}

// ruleColumn checks an AnalysisRuleColumnName (1–127).
func ruleColumn(c *collector, path, col string) {
	if col == "" {
		c.err(path, ReasonTooShort)
		return
	}
	if runeLen(col) > maxRuleColumnName {
		c.err(path, ReasonTooLong)
	}
	if !columnNamePattern.MatchString(col) {
		c.err(path, ReasonPattern)
	}
}

// columnName checks a ColumnName (0–128; the pattern forces one character).
func columnName(c *collector, path, col string) {
	matchLen(c, path, col, maxColumnName, columnNamePattern.MatchString)
}

func alias(c *collector, path string, s *string) {
	if s == nil {
		c.err(path, ReasonRequired)
		return
	}
	matchLen(c, path, *s, maxAlias, aliasPattern.MatchString)
}

// matchLen checks a 0–max string whose pattern needs at least one character.
func matchLen(c *collector, path, s string, max int, match func(string) bool) {
	if runeLen(s) > max {
		c.err(path, ReasonTooLong)
	}
	if !match(s) {
		c.err(path, ReasonPattern)
	}
}

func displayName(c *collector, path string, s *string) {
	if s == nil {
		c.err(path, ReasonRequired)
		return
	}
	n := runeLen(*s)
	switch {
	case n == 0:
		c.err(path, ReasonTooShort)
		return
	case n > maxDisplayName:
		c.err(path, ReasonTooLong)
	}
	ok, supp := charClass(*s, false)
	if !ok {
		c.err(path, ReasonCharset)
	}
	if supp {
		c.warn(path, ReasonSupplementary, "§0.1")
	}
	if blank(*s) {
		c.err(path, ReasonBlank)
	} else if nearlyBlank(*s) {
		c.warn(path, ReasonBlank, "§0.1")
	}
}

func description(c *collector, path string, s *string) {
	if s == nil {
		return
	}
	if runeLen(*s) > maxDescription {
		c.err(path, ReasonTooLong)
	}
	ok, supp := charClass(*s, true)
	if !ok {
		c.err(path, ReasonCharset)
	}
	if supp {
		c.warn(path, ReasonSupplementary, "§0.1")
	}
}

func accountID(c *collector, path, s string) {
	if runeLen(s) != 12 {
		if runeLen(s) < 12 {
			c.err(path, ReasonTooShort)
		} else {
			c.err(path, ReasonTooLong)
		}
	}
	if !accountIDPattern.MatchString(s) {
		c.err(path, ReasonPattern)
	}
}

func uuid(c *collector, path string, s *string) {
	if s == nil {
		c.err(path, ReasonRequired)
		return
	}
	if !uuidPattern.MatchString(*s) {
		c.err(path, ReasonPattern)
	}
}

func roleARN(c *collector, path string, s *string) {
	if s == nil {
		c.err(path, ReasonRequired)
		return
	}
	switch n := runeLen(*s); {
	case n < minRoleARN:
		c.err(path, ReasonTooShort)
	case n > maxRoleARN:
		c.err(path, ReasonTooLong)
	}
	if !roleARNPattern.MatchString(*s) {
		c.err(path, ReasonPattern)
	}
}

func checkOperators(c *collector, path string, ops []types.JoinOperator) {
	if len(ops) > 2 {
		c.err(path, ReasonTooMany)
	}
	for i, op := range ops {
		checkEnum(c, path+idx(i), op, true)
	}
	warnDuplicates(c, path, ops, "A9")
}

type enum[T any] interface {
	~string
	Values() []T
}

// checkEnum reports a missing (when required) or unknown enum value.
func checkEnum[T enum[T]](c *collector, path string, v T, required bool) {
	if v == "" {
		if required {
			c.err(path, ReasonRequired)
		}
		return
	}
	if !slices.Contains(v.Values(), v) {
		c.err(path, ReasonEnum)
	}
}

func warnDuplicates[T comparable](c *collector, path string, s []T, rule string) {
	seen := make(map[T]bool, len(s))
	for i, v := range s {
		if seen[v] {
			c.warn(path+idx(i), ReasonDuplicate, rule)
		}
		seen[v] = true
	}
}

// nilUnion reports a nil interface or an interface holding a nil pointer
// (union members and rules are pointers), which callers may pass.
func nilUnion(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func idx(i int) string { return "[" + strconv.Itoa(i) + "]" }

// ValidateCreateCollaboration checks a CreateCollaboration request
// (reference §2.2): names, the description the pinned model requires,
// member account ids and unique abilities, encryption settings, and at most
// one member paying for queries.
func ValidateCreateCollaboration(in *cleanrooms.CreateCollaborationInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	displayName(&c, "name", in.Name)
	switch {
	case in.Description == nil:
		c.err("description", ReasonRequired)
	case !collaborationDescriptionOK(*in.Description):
		c.err("description", ReasonPattern)
	case nearlyBlank(*in.Description):
		c.warn("description", ReasonBlank, "§0.1")
	}
	displayName(&c, "creatorDisplayName", in.CreatorDisplayName)
	abilities(&c, "creatorMemberAbilities", in.CreatorMemberAbilities)
	payers := 0
	if p := in.CreatorPaymentConfiguration; p != nil && p.QueryCompute != nil && aws.ToBool(p.QueryCompute.IsResponsible) {
		payers++
	}
	if in.Members == nil {
		c.err("members", ReasonRequired)
	}
	for i, m := range in.Members {
		p := "members" + idx(i)
		if m.AccountId == nil {
			c.err(p+".accountId", ReasonRequired)
		} else {
			accountID(&c, p+".accountId", *m.AccountId)
		}
		displayName(&c, p+".displayName", m.DisplayName)
		abilities(&c, p+".memberAbilities", m.MemberAbilities)
		if m.PaymentConfiguration != nil && m.PaymentConfiguration.QueryCompute != nil && aws.ToBool(m.PaymentConfiguration.QueryCompute.IsResponsible) {
			payers++
			if payers > 1 {
				c.err(p+".paymentConfiguration.queryCompute.isResponsible", ReasonTooMany)
			}
		}
	}
	checkEnum(&c, "queryLogStatus", in.QueryLogStatus, true)
	checkEnum(&c, "jobLogStatus", in.JobLogStatus, false)
	checkEnum(&c, "analyticsEngine", in.AnalyticsEngine, false)
	if d := in.DataEncryptionMetadata; d != nil {
		for _, f := range []struct {
			name string
			v    *bool
		}{{"allowCleartext", d.AllowCleartext}, {"allowDuplicates", d.AllowDuplicates},
			{"allowJoinsOnColumnsWithDifferentNames", d.AllowJoinsOnColumnsWithDifferentNames}, {"preserveNulls", d.PreserveNulls}} {
			if f.v == nil {
				c.err("dataEncryptionMetadata."+f.name, ReasonRequired)
			}
		}
	}
	tags(&c, "tags", in.Tags)
	return c.ps
}

// abilities checks a MemberAbilities list: required, unique, known values.
func abilities(c *collector, path string, as []types.MemberAbility) {
	if as == nil {
		c.err(path, ReasonRequired)
	}
	seen := map[types.MemberAbility]bool{}
	for i, a := range as {
		checkEnum(c, path+idx(i), a, true)
		if seen[a] {
			c.err(path+idx(i), ReasonDuplicate) // @uniqueItems: rejected
		}
		seen[a] = true
	}
}
