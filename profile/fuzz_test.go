package profile_test

import (
	"errors"
	"testing"

	"github.com/cdpkit/cdpkit/profile"
)

// FuzzParse: Parse never panics, errors are *ParseError with a position
// inside the text, and whatever parses round-trips through String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`a = 1`, `not (x in ("a", 2.5)) and last_seen within 30d`, `exists id.EMAIL or b >= @2024-01-01T00:00:00Z`,
		`and(true)`, `(((`, `a = "\u00e9\n"`, `f = 1e-7 or f != -3.0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := profile.Parse(s)
		if err != nil {
			var pe *profile.ParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) || pe.Line < 1 || pe.Col < 1 {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		back, err := profile.Parse(e.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, e.String(), err)
		}
		if !back.Equal(e) || back.String() != e.String() {
			t.Fatalf("round trip of %q: %q then %q", s, e.String(), back.String())
		}
	})
}
