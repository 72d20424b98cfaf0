package hashing

import (
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TestDigitValue checks the property digitValue relies on: every decimal
// digit (Nd) lies in a run of whole sets of ten that starts at a zero; and
// that it agrees with NFKD wherever NFKD turns a digit into an ASCII one.
func TestDigitValue(t *testing.T) {
	checked := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !unicode.IsDigit(r) || unicode.IsDigit(r-1) {
			continue
		}
		n := 0
		for unicode.IsDigit(r + rune(n)) {
			n++
		}
		if n%10 != 0 {
			t.Errorf("decimal digits from U+%04X: a run of %d, not whole sets of ten", r, n)
		}
		for i := 0; i < n; i++ {
			d := r + rune(i)
			if got := digitValue(d); got != byte('0'+i%10) {
				t.Errorf("U+%04X: digit %c, want %d", d, got, i%10)
			}
			if k := norm.NFKD.String(string(d)); len(k) == 1 && isDigit(k[0]) && k[0] != digitValue(d) {
				t.Errorf("U+%04X: digit %c, NFKD says %s", d, digitValue(d), k)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d non-ASCII decimal digits checked", checked)
	}
}
