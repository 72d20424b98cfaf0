package hashing

import (
	"errors"
	"strconv"
)

// ErrInvalid is the category of every value that cannot be normalized under
// the rules. Use errors.As with *Error for the key, reason and position.
var ErrInvalid = errors.New("hashing: invalid value")

// Reason is a stable, machine-readable code for why a value was rejected.
type Reason string

// Reason codes. They name the rule that failed, never the value.
const (
	ReasonInvalidUTF8  Reason = "invalid_utf8"
	ReasonUnknownKey   Reason = "unknown_key"
	ReasonNotHashedKey Reason = "not_a_hashed_key"
	ReasonBadDigest    Reason = "bad_digest"
)

// Error reports a rejected value: which key, why, and where (row and column
// when the caller supplied them). It never holds the value.
type Error struct {
	Key    Key
	Reason Reason
	// Row is the 1-based row number, or 0 when unknown.
	Row int
	// Column is the caller's column name, or "" when unknown.
	Column string
}

func (e *Error) Error() string {
	s := "hashing: " + string(e.Key) + ": " + string(e.Reason)
	if e.Row > 0 {
		s += " (row " + strconv.Itoa(e.Row)
		if e.Column != "" {
			s += ", column " + strconv.Quote(e.Column)
		}
		s += ")"
	} else if e.Column != "" {
		s += " (column " + strconv.Quote(e.Column) + ")"
	}
	return s
}

// Is makes every *Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }
