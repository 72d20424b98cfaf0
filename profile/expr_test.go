package profile_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/profile"
)

func randExpr(rng *rand.Rand, depth int) profile.Expr {
	names := []string{"a", "spend", "last_seen", "id.EMAIL", "x_1.y"}
	lit := func() profile.Value {
		switch rng.IntN(5) {
		case 0:
			return profile.StringValue([]string{"x", `q"uote`, "tab\there", "ünï", "a\\b"}[rng.IntN(5)])
		case 1:
			return profile.IntValue(rng.Int64N(2000) - 1000)
		case 2:
			return profile.FloatValue([]float64{0.5, -2, 1e21, 3.25, 1e-7, 100}[rng.IntN(6)])
		case 3:
			return profile.TimeValue(time.Date(2020+rng.IntN(5), 3, 4, 5, 6, 7, rng.IntN(1000)*1e6, time.UTC))
		}
		return profile.BoolValue(rng.IntN(2) == 0)
	}
	n := names[rng.IntN(len(names))]
	if depth <= 0 || rng.IntN(3) == 0 {
		switch rng.IntN(9) {
		case 0:
			return profile.Eq(n, lit())
		case 1:
			return profile.Ne(n, lit())
		case 2:
			return profile.Lt(n, lit())
		case 3:
			return profile.Le(n, lit())
		case 4:
			return profile.Gt(n, lit())
		case 5:
			return profile.Ge(n, lit())
		case 6:
			vs := []profile.Value{lit()}
			for range rng.IntN(3) {
				vs = append(vs, lit())
			}
			return profile.In(n, vs...)
		case 7:
			return profile.Exists(n)
		}
		return profile.Within(n, time.Duration(1+rng.IntN(100))*[]time.Duration{time.Second, time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}[rng.IntN(5)])
	}
	var args []profile.Expr
	for range rng.IntN(4) {
		args = append(args, randExpr(rng, depth-1))
	}
	switch rng.IntN(3) {
	case 0:
		return profile.And(args...)
	case 1:
		return profile.Or(args...)
	}
	return profile.Not(randExpr(rng, depth-1))
}

func TestExprRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		e := randExpr(rng, 4)
		s := e.String()
		back, err := profile.Parse(s)
		if err != nil {
			t.Fatalf("%d: Parse(%q): %v", i, s, err)
		}
		if !back.Equal(e) {
			t.Fatalf("%d: Parse(%q) = %q, not Equal", i, s, back.String())
		}
		if back.String() != s {
			t.Fatalf("%d: String not stable: %q then %q", i, s, back.String())
		}
	}
}

func TestParseForms(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a = 1 and b = 2 or c = 3`, `(a = 1 and b = 2) or c = 3`},
		{`a = 1 and (b = 2 or c = 3)`, `a = 1 and (b = 2 or c = 3)`},
		{`not a=1`, `not a = 1`},
		{`not (a=1 or b = "x")`, `not (a = 1 or b = "x")`},
		{"x in (1,2.5 , \"s\")", `x in (1, 2.5, "s")`},
		{`t >= @2024-01-31T10:00:00+02:00`, `t >= @2024-01-31T08:00:00Z`},
		{`last_seen within 48h`, `last_seen within 2d`},
		{`last_seen within 2w`, `last_seen within 14d`},
		{`exists id.EMAIL`, `exists id.EMAIL`},
		{`true`, `true`},
		{`f = 2.0`, `f = 2.0`},
		{`n > -3`, `n > -3`},
	} {
		e, err := profile.Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := e.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in        string
		pos, line int
		col       int
		msg       string
	}{
		{`a = `, 4, 1, 5, "expected a literal"},
		{`a = 1 and`, 9, 1, 10, "expected a name"},
		{`(a = 1`, 6, 1, 7, `expected ")"`},
		{"a = 1 and\n  b ~ 2", 14, 2, 5, "invalid character"},
		{`a = "open`, 4, 1, 5, "unterminated string"},
		{`a within 3x`, 9, 1, 10, "malformed number"},
		{`a within 0d`, 9, 1, 10, "duration must be a positive"},
		{`a in ()`, 6, 1, 7, "expected a literal"},
		{`a = 1 b`, 6, 1, 7, "after the expression"},
		{`and = 1`, 4, 1, 5, `expected "(" after "and"`},
		{`t = @2024-13-01T00:00:00Z`, 4, 1, 5, "malformed time"},
		{`a = ""`, 4, 1, 5, "empty string"},
		{`a ! 1`, 2, 1, 3, `"!" must be followed`},
		{strings.Repeat("(", 200) + "a=1" + strings.Repeat(")", 200), 101, 1, 102, "nested too deeply"},
	} {
		_, err := profile.Parse(tc.in)
		var pe *profile.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) = %v, want a *ParseError", tc.in, err)
		}
		if pe.Pos != tc.pos || pe.Line != tc.line || pe.Col != tc.col || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("Parse(%q): pos %d line %d col %d %q, want %d %d %d containing %q", tc.in, pe.Pos, pe.Line, pe.Col, pe.Msg, tc.pos, tc.line, tc.col, tc.msg)
		}
		if !errors.Is(err, profile.ErrSyntax) || !errors.Is(err, cdpkit.ErrInvalid) || !errors.Is(err, profile.ErrInvalidInput) {
			t.Errorf("Parse(%q): %v does not match ErrSyntax, ErrInvalidInput and cdpkit.ErrInvalid", tc.in, err)
		}
	}
}
