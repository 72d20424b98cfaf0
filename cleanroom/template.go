package cleanroom

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// Reason codes for analysis templates and memberships.
const (
	// ReasonUndeclaredParameter: the SQL names :p but the template does not
	// declare p.
	ReasonUndeclaredParameter Reason = "undeclared_parameter"
	// ReasonUnusedParameter: a declared parameter the SQL never names.
	ReasonUnusedParameter Reason = "unused_parameter"
	// ReasonBadDefault: a parameter's default value does not parse as its
	// type.
	ReasonBadDefault Reason = "default_not_of_type"
	// ReasonPayment: a membership's payment configuration does not echo the
	// creator's choice for the member.
	ReasonPayment Reason = "payment_configuration"
)

const (
	maxTemplateSQL    = 500000
	maxTemplateParams = 50
	maxParamName      = 100
	maxParamDefault   = 1000
)

var paramNamePattern = regexp.MustCompile(`^[0-9a-zA-Z_]+$`)

// TemplateParameter is a parameter of an analysis template, written :Name
// in its SQL. Default, when set, is used when a query gives no value.
type TemplateParameter struct {
	Name    string
	Type    types.ParameterType
	Default *string
}

// TemplateSpec is an analysis template for CUSTOM rules: SQL text with
// parameters, created in the membership of the collaboration spec. Key
// identifies it (tagged like every managed resource); owners list its ARN
// (CollaborationResult.Templates) in their Custom rule's AllowedAnalyses.
type TemplateSpec struct {
	Key         string
	Name        string
	Description string
	SQL         string
	Parameters  []TemplateParameter
}

// CreateInput is the CreateAnalysisTemplate request for t in a membership.
func (t TemplateSpec) CreateInput(membershipID string, tags map[string]string) *cleanrooms.CreateAnalysisTemplateInput {
	in := &cleanrooms.CreateAnalysisTemplateInput{
		MembershipIdentifier: aws.String(membershipID),
		Name:                 aws.String(t.Name),
		Format:               types.AnalysisFormatSql,
		Source:               &types.AnalysisSourceMemberText{Value: t.SQL},
		Tags:                 tags,
	}
	if t.Description != "" {
		in.Description = aws.String(t.Description)
	}
	for _, p := range t.Parameters {
		ap := types.AnalysisParameter{Name: aws.String(p.Name), Type: p.Type}
		if p.Default != nil {
			ap.DefaultValue = aws.String(*p.Default)
		}
		in.AnalysisParameters = append(in.AnalysisParameters, ap)
	}
	return in
}

// ValidateCreateTemplate checks a CreateAnalysisTemplate request for SQL
// (reference §2.2, §4.3): name, description, format, the SQL text (1–500,000
// characters), 0–50 parameters with unique names ([0-9a-zA-Z_]+, 1–100),
// known types and defaults of at most 1,000 characters that parse as their
// type; a parameter the SQL names (:p) but does not declare is an error,
// one declared and never named a warning.
func ValidateCreateTemplate(in *cleanrooms.CreateAnalysisTemplateInput) Problems {
	var c collector
	if in == nil {
		c.err("", ReasonRequired)
		return c.ps
	}
	alias(&c, "name", in.Name)
	description(&c, "description", in.Description)
	checkEnum(&c, "format", in.Format, true)
	src, _ := in.Source.(*types.AnalysisSourceMemberText)
	if in.Format == types.AnalysisFormatSql {
		switch {
		case src == nil:
			c.err("source.text", ReasonRequired)
		case src.Value == "" || blank(src.Value):
			c.err("source.text", ReasonTooShort)
		case len(src.Value) > maxTemplateSQL:
			c.err("source.text", ReasonTooLong)
		}
	}
	if len(in.AnalysisParameters) > maxTemplateParams {
		c.err("analysisParameters", ReasonTooMany)
	}
	declared := map[string]bool{}
	for i, p := range in.AnalysisParameters {
		path := "analysisParameters" + idx(i)
		name := aws.ToString(p.Name)
		switch {
		case p.Name == nil:
			c.err(path+".name", ReasonRequired)
		case name == "":
			c.err(path+".name", ReasonTooShort)
		case runeLen(name) > maxParamName:
			c.err(path+".name", ReasonTooLong)
		case !paramNamePattern.MatchString(name):
			c.err(path+".name", ReasonPattern)
		}
		if declared[name] {
			c.err(path+".name", ReasonDuplicate)
		}
		declared[name] = true
		checkEnum(&c, path+".type", p.Type, true)
		if p.DefaultValue != nil {
			if runeLen(*p.DefaultValue) > maxParamDefault {
				c.err(path+".defaultValue", ReasonTooLong)
			} else if !defaultParses(p.Type, *p.DefaultValue) {
				c.add(path+".defaultValue", ReasonBadDefault, SeverityError, "§4.3")
			}
		}
	}
	if src != nil {
		named := sqlParameters(src.Value)
		for _, n := range named {
			if !declared[n] {
				c.add("source.text", ReasonUndeclaredParameter, SeverityError, "§4.3")
				break
			}
		}
		for i, p := range in.AnalysisParameters {
			if name := aws.ToString(p.Name); name != "" && !slices.Contains(named, name) {
				c.warn("analysisParameters"+idx(i)+".name", ReasonUnusedParameter, "§4.3")
			}
		}
	}
	tags(&c, "tags", in.Tags)
	return c.ps
}

// sqlParameters lists the :name parameters a SQL text names, outside string
// literals, quoted identifiers and comments (a "::" cast is not one).
func sqlParameters(sql string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			j := strings.IndexByte(sql[i+1:], c)
			if j < 0 {
				return out
			}
			i += j + 1
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return out
			}
			i += j
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 3
		case c == ':':
			if i+1 < len(sql) && sql[i+1] == ':' {
				i++
				continue
			}
			j := i + 1
			for j < len(sql) && (sql[j] == '_' || sql[j] >= '0' && sql[j] <= '9' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z') {
				j++
			}
			if j > i+1 && !seen[sql[i+1:j]] {
				seen[sql[i+1:j]] = true
				out = append(out, sql[i+1:j])
			}
			i = j - 1
		}
	}
	return out
}

// defaultParses reports whether a default value is a literal of type t.
func defaultParses(t types.ParameterType, v string) bool {
	v = strings.TrimSpace(v)
	switch t {
	case types.ParameterTypeSmallint, types.ParameterTypeInteger, types.ParameterTypeBigint, types.ParameterTypeTinyint:
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case types.ParameterTypeDecimal, types.ParameterTypeReal, types.ParameterTypeDoublePrecision, types.ParameterTypeFloat, types.ParameterTypeDouble:
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case types.ParameterTypeBoolean:
		_, err := strconv.ParseBool(v)
		return err == nil
	case types.ParameterTypeDate:
		_, err := time.Parse("2006-01-02", v)
		return err == nil
	case types.ParameterTypeTimestamp, types.ParameterTypeTimestamptz, types.ParameterTypeTimestampLtz, types.ParameterTypeTimestampNtz:
		for _, l := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04:05.999999", time.RFC3339Nano, "2006-01-02"} {
			if _, err := time.Parse(l, v); err == nil {
				return true
			}
		}
		return false
	}
	return true
}

// ValidateMembershipResults checks a membership's default result
// configuration: an S3 output with a bucket and a CSV or PARQUET format,
// and a role ARN when given.
func ValidateMembershipResults(rc *types.MembershipProtectedQueryResultConfiguration) Problems {
	var c collector
	if rc == nil {
		return nil
	}
	const p = "defaultResultConfiguration"
	switch oc := rc.OutputConfiguration.(type) {
	case *types.MembershipProtectedQueryOutputConfigurationMemberS3:
		if aws.ToString(oc.Value.Bucket) == "" {
			c.err(p+".outputConfiguration.s3.bucket", ReasonRequired)
		} else if n := runeLen(*oc.Value.Bucket); n < 3 || n > 63 {
			c.err(p+".outputConfiguration.s3.bucket", ReasonPattern)
		}
		checkEnum(&c, p+".outputConfiguration.s3.resultFormat", oc.Value.ResultFormat, true)
	default:
		c.err(p+".outputConfiguration", ReasonRequired)
	}
	if rc.RoleArn != nil {
		roleARN(&c, p+".roleArn", rc.RoleArn)
	}
	return c.ps
}
