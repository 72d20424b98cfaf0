package sqlengine

import (
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
)

// Error kinds for errors.Is. Both also match cdpkit.ErrInvalid.
var (
	// ErrQuery: the engine rejected or failed the query (syntax, unknown
	// table or column, a function error). Error.Message is the engine's
	// message.
	ErrQuery = cdpkit.NewKind("sqlengine: query failed", cdpkit.ErrInvalid)
	// ErrTable: a table given to Run is unusable (no name, a duplicate name,
	// an unsupported column type, a row whose length or values do not
	// match the columns).
	ErrTable = cdpkit.NewKind("sqlengine: invalid table", cdpkit.ErrInvalid)
)

// Error is the error type of this package. It names tables, columns and
// row numbers, never values.
type Error struct {
	// Op is "run", "load" or "read".
	Op string
	// Table is the table concerned ("" for the query itself).
	Table string
	// Kind is ErrQuery or ErrTable, nil for context and I/O errors.
	Kind error
	// Message is the engine's message for ErrQuery, or what is wrong with
	// the table.
	Message string
	// Err is the cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sqlengine: " + e.Op)
	if e.Table != "" {
		b.WriteString(" " + strconv.Quote(e.Table))
	}
	if e.Kind == ErrQuery {
		b.WriteString(": query failed")
	} else if e.Kind == ErrTable {
		b.WriteString(": invalid table")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	} else if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the kind and the cause.
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

func tableErr(op, table, msg string) error {
	return &Error{Op: op, Table: table, Kind: ErrTable, Message: msg}
}
