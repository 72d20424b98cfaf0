package identity

import (
	"errors"
	"strconv"

	"github.com/cdpkit/cdpkit"
)

var (
	// ErrInvalidInput is the kind of bad options and unusable input. It
	// matches cdpkit.ErrInvalid, the category shared by every cdpkit
	// package.
	ErrInvalidInput = cdpkit.NewKind("identity: invalid input", cdpkit.ErrInvalid)
	// ErrBoundExceeded is the kind of runs failed by Options.Bounds. It
	// matches cdpkit.ErrLimitExceeded.
	ErrBoundExceeded = cdpkit.NewKind("identity: bound exceeded", cdpkit.ErrLimitExceeded)
)

// Error is an error of one operation. It never holds identifier values.
type Error struct {
	// Op is the operation: "resolve", "add", "options", "write".
	Op string
	// Key names what was being processed (a rule, a kind, a column), or "".
	Key string
	// Kind is the category (ErrInvalidInput, ErrBoundExceeded) or nil.
	Kind error
	// Err is the cause, or nil.
	Err error
}

func (e *Error) Error() string {
	s := "identity: " + e.Op
	if e.Key != "" {
		s += " " + strconv.Quote(e.Key)
	}
	if e.Kind != nil {
		k := e.Kind.Error()
		if len(k) > len("identity: ") && k[:len("identity: ")] == "identity: " {
			k = k[len("identity: "):]
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
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

func invalid(op, key, msg string) error {
	return &Error{Op: op, Key: key, Kind: ErrInvalidInput, Err: errors.New(msg)}
}

// BoundError reports which bound failed a run; errors.Is(err,
// ErrBoundExceeded) holds. The run's Result is returned alongside it.
type BoundError struct {
	// Bound is the Bounds field that failed, e.g. "MaxLargestCluster".
	Bound string
	// Limit and Got are the configured bound and the observed value.
	Limit, Got float64
}

func (e *BoundError) Error() string {
	return "identity: resolve: bound exceeded: " + e.Bound + " " +
		strconv.FormatFloat(e.Got, 'g', 6, 64) + " > " + strconv.FormatFloat(e.Limit, 'g', 6, 64)
}

// Is makes a *BoundError match ErrBoundExceeded and its category,
// cdpkit.ErrLimitExceeded.
func (e *BoundError) Is(target error) bool {
	return target == ErrBoundExceeded || target == cdpkit.ErrLimitExceeded
}
