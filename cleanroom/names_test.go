package cleanroom

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reasons runs one shape check and returns the reasons it reported.
func reasons(check func(c *collector)) []Reason {
	var c collector
	check(&c)
	out := []Reason{}
	for _, p := range c.ps {
		out = append(out, p.Reason)
	}
	return out
}

// TestShapes covers every row of reference §1.1 with valid and invalid
// values. Lengths are in code points.
func TestShapes(t *testing.T) {
	shapes := map[string]func(c *collector, s string){
		"AnalysisRuleColumnName": func(c *collector, s string) { ruleColumn(c, "x", s) },
		"ColumnName":             func(c *collector, s string) { columnName(c, "x", s) },
		"TableAlias":             func(c *collector, s string) { alias(c, "x", &s) },
		"GlueDatabaseName": func(c *collector, s string) {
			matchLen(c, "x", s, maxAlias, glueDatabasePattern.MatchString)
		},
		"DisplayName": func(c *collector, s string) { displayName(c, "x", &s) },
		"TableDescription": func(c *collector, s string) {
			description(c, "x", &s)
		},
		"CollaborationDescription": func(c *collector, s string) {
			if !collaborationDescriptionOK(s) {
				c.err("x", ReasonPattern)
			}
		},
		"AccountId": func(c *collector, s string) { accountID(c, "x", s) },
		"UUID":      func(c *collector, s string) { uuid(c, "x", &s) },
		"RoleArn":   func(c *collector, s string) { roleARN(c, "x", &s) },
		"AnalysisTemplateArn": func(c *collector, s string) {
			if runeLen(s) > 200 || !templateARNPattern.MatchString(s) {
				c.err("x", ReasonPattern)
			}
		},
		"AnalysisTemplateArnOrQueryWildcard": func(c *collector, s string) {
			if runeLen(s) > maxAllowedAnalysis || !allowedAnalysisPattern.MatchString(s) {
				c.err("x", ReasonPattern)
			}
		},
		"KeyPrefix": func(c *collector, s string) {
			if runeLen(s) > 512 || !keyPrefixPattern.MatchString(s) {
				c.err("x", ReasonPattern)
			}
		},
		"S3Bucket": func(c *collector, s string) {
			if !bucketOK(s) {
				c.err("x", ReasonPattern)
			}
		},
		"ParameterName": func(c *collector, s string) {
			if runeLen(s) < 1 || runeLen(s) > 100 || !parameterNamePattern.MatchString(s) {
				c.err("x", ReasonPattern)
			}
		},
		"Tags": func(c *collector, s string) {
			k, v, _ := strings.Cut(s, "=")
			tags(c, "tags", map[string]string{k: v})
		},
	}
	const arnT = "arn:aws:cleanrooms:us-east-1:123456789012:membership/11111111-2222-3333-4444-555555555555/analysistemplate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	none := []Reason{}
	tests := []struct {
		shape, name, in string
		want            []Reason
	}{
		// AnalysisRuleColumnName: 1–127, the hyphen quirk implemented literally.
		{"AnalysisRuleColumnName", "simple", "hashed_email", none},
		{"AnalysisRuleColumnName", "single char", "a", none},
		{"AnalysisRuleColumnName", "hyphen after two", "ab-c", none},
		{"AnalysisRuleColumnName", "xy-ray", "xy-ray", none},
		{"AnalysisRuleColumnName", "spaces around hyphen", "a b-c d", none},
		{"AnalysisRuleColumnName", "trailing space", "a ", none},
		{"AnalysisRuleColumnName", "127 chars", strings.Repeat("a", 127), none},
		{"AnalysisRuleColumnName", "second char hyphen", "a-b", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "x-ray", "x-ray", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "a-b-c", "a-b-c", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "double hyphen", "ab--c", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "leading hyphen", "-a", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "trailing hyphen", "ab-", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "upper case", "A", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "leading space", " a", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "non-ascii", "é", []Reason{ReasonPattern}},
		{"AnalysisRuleColumnName", "empty", "", []Reason{ReasonTooShort}},
		{"AnalysisRuleColumnName", "128 chars", strings.Repeat("a", 128), []Reason{ReasonTooLong}},
		// ColumnName: 0–128, same pattern (which forces one character).
		{"ColumnName", "128 chars", strings.Repeat("a", 128), none},
		{"ColumnName", "129 chars", strings.Repeat("a", 129), []Reason{ReasonTooLong}},
		{"ColumnName", "empty", "", []Reason{ReasonPattern}},
		{"ColumnName", "upper", "Email", []Reason{ReasonPattern}},
		// TableAlias / ResourceAlias / GlueTableName: mixed case, same quirk.
		{"TableAlias", "mixed case", "Customers_2026", none},
		{"TableAlias", "spaces", "my table", none},
		{"TableAlias", "hyphen after two", "My-table", none},
		{"TableAlias", "second char hyphen", "a-b", []Reason{ReasonPattern}},
		{"TableAlias", "empty", "", []Reason{ReasonPattern}},
		{"TableAlias", "dot", "a.b", []Reason{ReasonPattern}},
		{"TableAlias", "129 chars", strings.Repeat("T", 129), []Reason{ReasonTooLong}},
		{"TableAlias", "128 chars", strings.Repeat("T", 128), none},
		{"GlueDatabaseName", "ok", "cdp_clean-zone", none},
		{"GlueDatabaseName", "space", "cdp clean", []Reason{ReasonPattern}},
		// DisplayName / CollaborationName: 1–100, not blank, no CR/LF.
		{"DisplayName", "ok", "Customers (hashed)", none},
		{"DisplayName", "tab", "a\tb", none},
		{"DisplayName", "100 code points of 2 bytes", strings.Repeat("é", 100), none},
		{"DisplayName", "101 code points", strings.Repeat("é", 101), []Reason{ReasonTooLong}},
		{"DisplayName", "empty", "", []Reason{ReasonTooShort}},
		{"DisplayName", "blank", " \t ", []Reason{ReasonBlank}},
		{"DisplayName", "newline", "a\nb", []Reason{ReasonCharset}},
		{"DisplayName", "control", "a\x01", []Reason{ReasonCharset}},
		{"DisplayName", "supplementary", "cdp \U0001F600", []Reason{ReasonSupplementary}},
		{"DisplayName", "U+FFFD is in the class", "a\uFFFDb", none},
		{"DisplayName", "invalid UTF-8", "a\xffb", []Reason{ReasonCharset}},
		{"DisplayName", "U+FFFE", "a\uFFFE", []Reason{ReasonCharset}},
		// Not blank for Java's ASCII \s, but blank under another reading of
		// (?!\s*$): Java's $ also matches before a final U+0085/U+2028/U+2029,
		// and ECMAScript's \s (Smithy's dialect) has Unicode spaces. Lint.
		{"DisplayName", "NBSP only", "\u00a0", []Reason{ReasonBlank}},
		{"DisplayName", "ideographic space only", " \u3000 ", []Reason{ReasonBlank}},
		{"DisplayName", "space and final NEL", " \u0085", []Reason{ReasonBlank}},
		{"DisplayName", "final line separator", "\u2028", []Reason{ReasonBlank}},
		{"DisplayName", "text before a final line separator", "a\u2028", none},
		{"DisplayName", "NBSP inside text", "a\u00a0b", none},
		// TableDescription / ResourceDescription: 0–255, CR/LF allowed.
		{"TableDescription", "multiline", "line 1\r\nline 2", none},
		{"TableDescription", "empty", "", none},
		{"TableDescription", "255", strings.Repeat("é", 255), none},
		{"TableDescription", "256", strings.Repeat("é", 256), []Reason{ReasonTooLong}},
		{"TableDescription", "U+FFFE", "a\uFFFE", []Reason{ReasonCharset}},
		// CollaborationDescription ([M]): 1–255, required, not blank.
		{"CollaborationDescription", "ok", "Overlap with publisher", none},
		{"CollaborationDescription", "blank", "  ", []Reason{ReasonPattern}},
		{"CollaborationDescription", "empty", "", []Reason{ReasonPattern}},
		{"CollaborationDescription", "U+FFFD", "\uFFFD", none},
		{"CollaborationDescription", "255", strings.Repeat("é", 255), none},
		{"CollaborationDescription", "256", strings.Repeat("é", 256), []Reason{ReasonPattern}},
		{"TableDescription", "U+FFFD", "\uFFFD", none},
		// AccountId: exactly 12 digits.
		{"AccountId", "ok", "123456789012", none},
		{"AccountId", "11 digits", "12345678901", []Reason{ReasonTooShort}},
		{"AccountId", "13 digits", "1234567890123", []Reason{ReasonTooLong}},
		{"AccountId", "letter", "12345678901a", []Reason{ReasonPattern}},
		{"AccountId", "non-ASCII digits", "١٢٣٤٥٦٧٨٩٠١٢", []Reason{ReasonPattern}},
		// UUID identifiers: lower-case hex 8-4-4-4-12.
		{"UUID", "ok", "0a1b2c3d-0000-4000-8000-00000000abcd", none},
		{"UUID", "upper", "0A1B2C3D-0000-4000-8000-00000000ABCD", []Reason{ReasonPattern}},
		{"UUID", "37 chars (anchored)", "0a1b2c3d-0000-4000-8000-00000000abcde", []Reason{ReasonPattern}},
		{"UUID", "arn", "arn:aws:cleanrooms:us-east-1:123456789012:membership/x", []Reason{ReasonPattern}},
		// RoleArn: 32–512, aws partition only.
		{"RoleArn", "ok", "arn:aws:iam::123456789012:role/service-role/cleanrooms", none},
		{"RoleArn", "too short", "arn:aws:iam::1:role/r", []Reason{ReasonTooShort}},
		{"RoleArn", "china partition", "arn:aws-cn:iam::123456789012:role/cleanrooms-read", []Reason{ReasonPattern}},
		{"RoleArn", "user not role", "arn:aws:iam::123456789012:user/cleanrooms-reader", []Reason{ReasonPattern}},
		{"RoleArn", "512 chars", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 512-31), none},
		{"RoleArn", "513 chars", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 513-31), []Reason{ReasonTooLong}},
		{"RoleArn", "anchored at the end", "arn:aws:iam::123456789012:role/cleanrooms read", []Reason{ReasonPattern}},
		{"RoleArn", "anchored at the start", " arn:aws:iam::123456789012:role/cleanrooms-read", []Reason{ReasonPattern}},
		// AnalysisTemplateArn (StartProtectedQuery): aws[-a-z]* partitions.
		{"AnalysisTemplateArn", "ok", arnT, none},
		{"AnalysisTemplateArn", "gov partition", strings.Replace(arnT, "arn:aws:", "arn:aws-us-gov:", 1), none},
		{"AnalysisTemplateArn", "no id", "arn:aws:cleanrooms:us-east-1:123456789012:membership/x/analysistemplate/", []Reason{ReasonPattern}},
		{"AnalysisTemplateArn", "201 chars", arnT + strings.Repeat("a", 201-len(arnT)), []Reason{ReasonPattern}},
		// AnalysisTemplateArnOrQueryWildcard (CUSTOM rule): aws partition only.
		{"AnalysisTemplateArnOrQueryWildcard", "template", arnT, none},
		{"AnalysisTemplateArnOrQueryWildcard", "ANY_QUERY", "ANY_QUERY", none},
		{"AnalysisTemplateArnOrQueryWildcard", "ANY_JOB", "ANY_JOB", none},
		{"AnalysisTemplateArnOrQueryWildcard", "gov partition", strings.Replace(arnT, "arn:aws:", "arn:aws-us-gov:", 1), []Reason{ReasonPattern}},
		{"AnalysisTemplateArnOrQueryWildcard", "lower wildcard", "any_query", []Reason{ReasonPattern}},
		{"AnalysisTemplateArnOrQueryWildcard", "200 chars", arnT + strings.Repeat("a", 200-len(arnT)), none},
		{"AnalysisTemplateArnOrQueryWildcard", "wildcard with suffix (anchored)", "ANY_QUERY;", []Reason{ReasonPattern}},
		{"AnalysisTemplateArnOrQueryWildcard", "wildcard with prefix (anchored)", "xANY_JOB", []Reason{ReasonPattern}},
		// KeyPrefix: no spaces.
		{"KeyPrefix", "ok", "results/run=1/", none},
		{"KeyPrefix", "space", "my results/", []Reason{ReasonPattern}},
		{"KeyPrefix", "empty", "", none},
		{"KeyPrefix", "512 chars", strings.Repeat("k", 512), none},
		{"KeyPrefix", "513 chars", strings.Repeat("k", 513), []Reason{ReasonPattern}},
		// S3 bucket: DNS labels, not an IP.
		{"S3Bucket", "ok", "cdp-results.eu", none},
		{"S3Bucket", "ip", "192.168.1.10", []Reason{ReasonPattern}},
		{"S3Bucket", "upper", "CDP-results", []Reason{ReasonPattern}},
		{"S3Bucket", "label ends with hyphen", "cdp-.results", []Reason{ReasonPattern}},
		{"S3Bucket", "too short", "ab", []Reason{ReasonPattern}},
		{"S3Bucket", "63 chars", strings.Repeat("b", 63), none},
		{"S3Bucket", "64 chars", strings.Repeat("b", 64), []Reason{ReasonPattern}},
		{"S3Bucket", "dotted numbers, not a quad (model look-ahead)", "123.456", []Reason{ReasonPattern}},
		{"S3Bucket", "digits only, one label", "123", none},
		// ParameterName: no hyphens although the prose mentions them.
		{"ParameterName", "ok", "min_date", none},
		{"ParameterName", "hyphen", "min-date", []Reason{ReasonPattern}},
		{"ParameterName", "empty", "", []Reason{ReasonPattern}},
		{"ParameterName", "100 chars", strings.Repeat("p", 100), none},
		{"ParameterName", "101 chars", strings.Repeat("p", 101), []Reason{ReasonPattern}},
		// Tags: key 1–128, value 0–256.
		{"Tags", "ok", "cdpkit:id=customers", none},
		{"Tags", "empty value", "owner=", none},
		{"Tags", "empty key", "=x", []Reason{ReasonTooShort}},
		{"Tags", "long key", strings.Repeat("k", 129) + "=v", []Reason{ReasonTooLong}},
		{"Tags", "long value", "k=" + strings.Repeat("v", 257), []Reason{ReasonTooLong}},
		{"Tags", "128-char key, 256-char value", strings.Repeat("k", 128) + "=" + strings.Repeat("v", 256), none},
	}
	for _, tt := range tests {
		t.Run(tt.shape+"/"+tt.name, func(t *testing.T) {
			got := reasons(func(c *collector) { shapes[tt.shape](c, tt.in) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
	// 200 tag entries are the limit.
	m := map[string]string{}
	for i := range 201 {
		m["k"+strconv.Itoa(i)] = ""
	}
	if got := reasons(func(c *collector) { tags(c, "tags", m) }); len(got) != 1 || got[0] != ReasonTooMany {
		t.Errorf("201 tags: got %v, want [too_many]", got)
	}
}
