package c3r

import (
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
)

// Error kinds for errors.Is. Each also matches one of cdpkit's shared
// categories (cdpkit.ErrInvalid, cdpkit.ErrLimitExceeded, …).
var (
	// ErrSecret: the shared secret is shorter than MinSecretLen bytes or not
	// valid Base64.
	ErrSecret = cdpkit.NewKind("c3r: invalid shared secret", cdpkit.ErrInvalid)
	// ErrSchema: the schema is malformed (unknown source column, bad target
	// name, duplicate target, bad padding) or does not fit the input.
	ErrSchema = cdpkit.NewKind("c3r: invalid schema", cdpkit.ErrInvalid)
	// ErrNotAllowed: the schema asks for something the collaboration's
	// settings or the table's analysis rule do not allow.
	ErrNotAllowed = cdpkit.NewKind("c3r: not allowed by the collaboration", cdpkit.ErrInvalid)
	// ErrLimit: a C3R limit is exceeded (1,600 columns, padding of 10,000
	// bytes, padded plaintext of 12,000 bytes, cell of 16,383 bytes).
	ErrLimit = cdpkit.NewKind("c3r: limit exceeded", cdpkit.ErrLimitExceeded)
	// ErrDuplicate: a fingerprint column holds a value twice (or NULL
	// twice without preserveNulls) while the collaboration does not allow
	// duplicates.
	ErrDuplicate = cdpkit.NewKind("c3r: duplicate value in a fingerprint column", cdpkit.ErrInvalid)
	// ErrType: a value's type cannot be used for its column (a DOUBLE in a
	// fingerprint column, a Parquet type C3R does not support).
	ErrType = cdpkit.NewKind("c3r: unsupported type", cdpkit.ErrInvalid)
	// ErrInput: the input file is malformed (bad CSV quoting, ragged rows,
	// unreadable Parquet).
	ErrInput = cdpkit.NewKind("c3r: malformed input", cdpkit.ErrInvalid)
	// ErrFormat: a cell that claims to be sealed is not a well-formed
	// format-02 sealed cell (bad Base64, too short, legacy "01:enc:").
	ErrFormat = cdpkit.NewKind("c3r: malformed sealed cell", cdpkit.ErrInvalid)
	// ErrDecrypt: a sealed cell fails authentication: it was tampered
	// with, or sealed under another secret or collaboration.
	ErrDecrypt = cdpkit.NewKind("c3r: sealed cell does not authenticate", cdpkit.ErrInvalid)
	// ErrCanceled: the context was cancelled; ctx.Err() is in the chain.
	ErrCanceled = cdpkit.ErrCanceled
)

// Error is the error type of this package. It names the operation, the
// column and the 1-based data row (header excluded), never a value.
type Error struct {
	// Op is the operation: "encrypt", "decrypt", "validate schema", ….
	Op string
	// Column is the target column (source column for input problems), or
	// "" when the error is not about one column.
	Column string
	// Row is the 1-based data row of the input (0 when not about a row).
	Row int64
	// Kind is one of the Err* kinds (nil when Err says it all).
	Kind error
	// Err is the cause, if any (an I/O error, ctx.Err(), a detail).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("c3r: ")
	b.WriteString(e.Op)
	if e.Column != "" {
		b.WriteString(" column ")
		b.WriteString(strconv.Quote(e.Column))
	}
	if e.Row > 0 {
		b.WriteString(" row ")
		b.WriteString(strconv.FormatInt(e.Row, 10))
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "c3r: "))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// detail is a cause without a value in it.
type detail string

func (d detail) Error() string { return string(d) }

func newErr(op, column string, row int64, kind error, msg string) *Error {
	e := &Error{Op: op, Column: column, Row: row, Kind: kind}
	if msg != "" {
		e.Err = detail(msg)
	}
	return e
}
