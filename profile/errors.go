package profile

import (
	"strconv"

	"github.com/cdpkit/cdpkit"
)

var (
	// ErrInvalidInput is the category of a bad Spec, bad options or
	// unusable input. It matches cdpkit.ErrInvalid.
	ErrInvalidInput = cdpkit.NewKind("profile: invalid input", cdpkit.ErrInvalid)
	// ErrUnknownName marks a policy, trait or segment naming a column,
	// field or trait the Spec does not declare. It matches ErrInvalidInput's
	// category (cdpkit.ErrInvalid).
	ErrUnknownName = cdpkit.NewKind("profile: unknown name", cdpkit.ErrInvalid)
	// ErrSyntax marks a segment expression that does not parse; the error
	// is a *ParseError with the position. It matches cdpkit.ErrInvalid.
	ErrSyntax = cdpkit.NewKind("profile: syntax error", cdpkit.ErrInvalid)
	// ErrNotFound is returned for a segment or person the Result does not
	// have.
	ErrNotFound = cdpkit.ErrNotFound
	// ErrClosed is returned by a Builder (and its Results) after Close. It
	// matches cdpkit.ErrFailed.
	ErrClosed = cdpkit.NewKind("profile: builder closed", cdpkit.ErrFailed)
)

// Error is an error of one operation. It never holds field values or
// digests: only the names of columns, fields, traits and segments.
type Error struct {
	// Op is the operation: "spec", "build", "update", "write", "audience".
	Op string
	// Key names what was being processed (a field, a trait, a segment), or "".
	Key string
	// Kind is the category (ErrInvalidInput, ErrUnknownName, ...) or nil.
	Kind error
	// Err is the cause, or nil.
	Err error
}

func (e *Error) Error() string {
	s := "profile: " + e.Op
	if e.Key != "" {
		s += " " + strconv.Quote(e.Key)
	}
	if e.Kind != nil {
		k := e.Kind.Error()
		if len(k) > len("profile: ") && k[:len("profile: ")] == "profile: " {
			k = k[len("profile: "):]
		}
		s += ": " + k
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the category and the cause.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
		if e.Kind == ErrUnknownName || e.Kind == ErrSyntax {
			out = append(out, ErrInvalidInput)
		}
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

type msgError string

func (m msgError) Error() string { return string(m) }

func newErr(op, key string, kind error, msg string) error {
	return &Error{Op: op, Key: key, Kind: kind, Err: msgError(msg)}
}

// ParseError is a segment expression that does not parse. Pos is the
// 0-based byte offset of the offending token in the text; Line and Col
// are 1-based. The message names the token's kind, never a value.
type ParseError struct {
	Pos, Line, Col int
	Msg            string
}

func (e *ParseError) Error() string {
	return "profile: parse: line " + strconv.Itoa(e.Line) + " col " + strconv.Itoa(e.Col) + ": " + e.Msg
}

// Is makes a *ParseError match ErrSyntax (and so cdpkit.ErrInvalid).
func (e *ParseError) Is(target error) bool {
	return target == ErrSyntax || target == ErrInvalidInput || target == cdpkit.ErrInvalid
}
