package cleanroom

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// The service's patterns are anchored whole-string matches (the Smithy model
// writes them with ^…$; botocore prints them without). Those that are RE2
// compatible are used literally; the look-ahead ones are implemented as a
// character-set check plus a not-blank check (see xmlChars and notBlank).
var (
	// AnalysisRuleColumnName / ColumnName. Note the quirk kept on purpose: the
	// second character can never be '-', so "a-b" is rejected and "ab-c" is not.
	columnNamePattern = regexp.MustCompile(`^[a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?$`)
	// TableAlias / ResourceAlias / GlueTableName.
	aliasPattern = regexp.MustCompile(`^[a-zA-Z0-9_](([a-zA-Z0-9_ ]+-)*([a-zA-Z0-9_ ]+))?$`)
	// GlueDatabaseName: like the alias, without spaces.
	glueDatabasePattern = regexp.MustCompile(`^[a-zA-Z0-9_](([a-zA-Z0-9_]+-)*([a-zA-Z0-9_]+))?$`)
	accountIDPattern    = regexp.MustCompile(`^\d+$`)
	uuidPattern         = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	roleARNPattern      = regexp.MustCompile(`^arn:aws:iam::[\w]+:role/[\w+=./@-]+$`)
	// AnalysisTemplateArnOrQueryWildcard (CUSTOM allowedAnalyses).
	allowedAnalysisPattern = regexp.MustCompile(`^(ANY_QUERY|ANY_JOB|arn:aws:cleanrooms:[\w]{2}-[\w]{4,9}-[\d]:[\d]{12}:membership/[\d\w-]+/analysistemplate/[\d\w-]+)$`)
	// AdditionalAnalysesResourceArn (association rule allowedAdditionalAnalyses).
	additionalAnalysisPattern = regexp.MustCompile(`^arn:aws:cleanrooms:[\w]{2}-[\w]{4,9}-[\d]:([\d]{12}|\*):membership\/[\*\d\w-]+\/configuredaudiencemodelassociation\/[\*\d\w-]+$|^arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:([0-9]{12}|\*):membership\/[\*\d\w-]+\/configured-model-algorithm-association\/([-a-zA-Z0-9_\/.]+|\*)$`)
)

// Shape limits from the service model. Lengths count code points.
const (
	maxRuleColumnName    = 127 // AnalysisRuleColumnName
	maxColumnName        = 128 // ColumnName
	maxAlias             = 128 // TableAlias, GlueTableName, GlueDatabaseName
	maxDisplayName       = 100
	maxDescription       = 255
	maxAllowedAnalysis   = 200
	maxAdditionalARN     = 256
	maxAdditionalARNs    = 25
	maxOutputMinimum     = 100000
	minOutputMinimum     = 2
	minRoleARN           = 32
	maxRoleARN           = 512
	maxAllowedColumns    = 100 // quota "Columns per configured table allowlist" (adjustable)
	maxTags              = 200
	maxTagKey            = 128
	maxTagValue          = 256
	maxRulePolicyJSONLen = 100 * 1024
)

// charClass says whether every rune of s is in the AWS "XML char" class
// ([\u0020-\uD7FF\uE000-\uFFFD\t], plus \r\n when multiline). supplementary
// reports runes at U+10000 and above: the pattern spells them with
// surrogates and whether the service accepts them is unverified.
func charClass(s string, multiline bool) (ok, supplementary bool) {
	ok = true
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == utf8.RuneError && size == 1: // invalid UTF-8; a literal U+FFFD is in the class
			return false, supplementary
		case r == '\t', r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD:
		case multiline && (r == '\r' || r == '\n'):
		case r >= 0x10000 && r <= 0x10FFFF:
			supplementary = true
		default:
			ok = false
		}
	}
	return ok, supplementary
}

// blank reports whether s is empty or only Java regex whitespace (\s =
// [ \t\n\x0B\f\r]), the (?!\s*$) look-ahead of DisplayName.
func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r':
		default:
			return false
		}
	}
	return true
}

// nearlyBlank reports strings that blank accepts as not blank but that
// another reading of the (?!\s*$) look-ahead rejects: Java's $ also matches
// before a final line terminator (U+0085, U+2028, U+2029), and
// ECMAScript's \s, the dialect Smithy specifies for patterns, includes
// Unicode spaces such as U+00A0 and U+3000. Which engine the service runs
// is unverified, so these are warnings.
func nearlyBlank(s string) bool {
	if blank(s) {
		return false
	}
	if r, size := utf8.DecodeLastRuneInString(s); (r == 0x85 || r == 0x2028 || r == 0x2029) && blank(s[:len(s)-size]) {
		return true
	}
	for _, r := range s {
		switch {
		case r == '\t', r == '\n', r == '\v', r == '\f', r == '\r', r == ' ', r == 0xA0, r == 0x1680,
			r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000, r == 0xFEFF:
		default:
			return false
		}
	}
	return true
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// Shapes used by protected queries and analysis templates (reference §1.1).
// They are checked here so every anchored pattern of the model lives in one
// place.
var (
	// KeyPrefix (S3 result prefix), 0–512.
	keyPrefixPattern = regexp.MustCompile(`^[\w!.=*/-]*$`)
	// ParameterName (analysis template parameters), 1–100.
	parameterNamePattern = regexp.MustCompile(`^[0-9a-zA-Z_]+$`)
	// AnalysisTemplateArn as StartProtectedQuery accepts it (2026 model).
	templateARNPattern = regexp.MustCompile(`^arn:aws[-a-z]*:cleanrooms:[\w]{2}-[\w]{4,9}-[\d]:[\d]{12}:membership/[\d\w-]+/analysistemplate/[\d\w-]+$`)
	bucketLabel        = regexp.MustCompile(`^([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$`)
	dottedQuad         = regexp.MustCompile(`^(\d+\.)+\d+$`)
)

// bucketOK implements the look-ahead bucket pattern of the model: DNS-style
// labels joined by dots, 3–63 characters, not all-digit dotted numbers.
func bucketOK(s string) bool {
	if n := len(s); n < 3 || n > 63 || dottedQuad.MatchString(s) {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !bucketLabel.MatchString(l) {
			return false
		}
	}
	return true
}

// collaborationDescriptionOK implements CollaborationDescription of the
// pinned model: 1–255, not blank, XML characters including CR/LF.
func collaborationDescriptionOK(s string) bool {
	ok, _ := charClass(s, true)
	return ok && !blank(s) && runeLen(s) >= 1 && runeLen(s) <= maxDescription
}
