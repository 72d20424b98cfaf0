package zones

import (
	"strings"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/internal/hive"
)

// MaxKeyLen is the longest backend key accepted, in bytes (S3's limit).
const MaxKeyLen = 1024

// ReservedPrefix starts names that backends keep for themselves (filezone's
// staging directory). No key segment may start with it.
const ReservedPrefix = ".cdpkit"

// ValidateKey reports whether key is a portable object key: non-empty UTF-8
// of at most MaxKeyLen bytes, '/'-separated segments that are neither empty,
// "." nor "..", no leading or trailing '/', no backslash, no control
// characters and no segment starting with ReservedPrefix. Unicode, spaces,
// '=' and '%' are allowed. Backends call it on every key they receive, so
// that no key can escape a zone or a directory root.
func ValidateKey(key string) error {
	if reason := keyProblem(key); reason != "" {
		return invalid("key", key, reason)
	}
	return nil
}

func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty key"
	case len(key) > MaxKeyLen:
		return "key longer than 1024 bytes"
	case !utf8.ValidString(key):
		return "key is not valid UTF-8"
	case key[0] == '/':
		return "key starts with '/'"
	case key[len(key)-1] == '/':
		return "key ends with '/'"
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < 0x20 || c == 0x7f {
			return "key contains a control character"
		}
		if c == '\\' {
			return "key contains a backslash"
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "key has an empty segment"
		case seg == "." || seg == "..":
			return "key has a '.' or '..' segment"
		case strings.HasPrefix(seg, ReservedPrefix):
			return "key segment starts with the reserved prefix " + ReservedPrefix
		}
	}
	return ""
}

// validatePrefix accepts "" or anything that is a valid key once a trailing
// '/' is removed (so "a/b/" and "a/b" and "a/partial" are all fine).
func validatePrefix(prefix string) string {
	if prefix == "" {
		return ""
	}
	return keyProblem(strings.TrimSuffix(prefix, "/"))
}

// HiveDefaultPartition is Hive's name for a null or empty partition value.
const HiveDefaultPartition = hive.DefaultPartition

// EscapePartition escapes a partition value (or name) the way Hive does
// (%XX with uppercase hex for control characters and "#%'*/:=?\{[]^), and maps
// "" to HiveDefaultPartition, so a value can never add a directory level.
// Glue keeps the unescaped value in a partition's Values and the escaped one
// in its Location.
func EscapePartition(v string) string { return hive.Escape(v) }

// UnescapePartition reverses EscapePartition. Malformed escapes are kept
// literally, as Hive does.
func UnescapePartition(s string) string { return hive.Unescape(s) }

// PartitionPath builds "k1=v1/k2=v2" from names and values, escaping both.
// It returns ErrInvalidInput when the lengths differ or a name is empty.
func PartitionPath(names, values []string) (string, error) {
	if len(names) != len(values) {
		return "", invalid("partition", "", "partition names and values differ in length")
	}
	var b strings.Builder
	for i, n := range names {
		if n == "" {
			return "", invalid("partition", "", "empty partition name")
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(EscapePartition(n))
		b.WriteByte('=')
		b.WriteString(EscapePartition(values[i]))
	}
	return b.String(), nil
}
