// Package hive holds the Hive path conventions that both zones (which writes
// partition folders) and catalog (which registers them in Glue) must agree
// on byte for byte. It lives here so that neither package depends on the
// other.
package hive

import "strings"

// DefaultPartition is Hive's name for a null or empty partition value.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// escaped marks the bytes Hive's FileUtils.escapePathName escapes: control
// characters, DEL and " # % ' * / : = ? \ { [ ] ^.
var escaped = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t[0x7f] = true
	for _, c := range []byte("\"#%'*/:=?\\{[]^") {
		t[c] = true
	}
	return t
}()

// Escape escapes a partition key or value as Hive does (%XX, uppercase hex)
// and maps "" to DefaultPartition, so a value never adds a directory level.
func Escape(v string) string {
	if v == "" {
		return DefaultPartition
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if escaped[v[i]] {
			n++
		}
	}
	if n == 0 {
		return v
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(v) + 2*n)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if escaped[c] {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Unescape reverses Escape (DefaultPartition maps back to ""). Malformed
// escapes are kept as they are, as Hive does.
func Unescape(s string) string {
	if s == DefaultPartition {
		return ""
	}
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(h<<4 | l)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
