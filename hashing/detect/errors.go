package detect

import (
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
)

var (
	// ErrOptions is the category of bad options (an unknown default
	// country). It matches cdpkit.ErrInvalid.
	ErrOptions = cdpkit.NewKind("detect: invalid options", cdpkit.ErrInvalid)
	// ErrForbidden is returned by Check and Gate when a file holds a
	// forbidden class (payment cards, national ids, free text with PII).
	// It matches cdpkit.ErrInvalid; errors.As gives *ForbiddenError.
	ErrForbidden = cdpkit.NewKind("detect: forbidden pii", cdpkit.ErrInvalid)
	// ErrInput is the category of input that cannot be sampled (no header,
	// unreadable Parquet). It matches cdpkit.ErrInvalid.
	ErrInput = cdpkit.NewKind("detect: unreadable input", cdpkit.ErrInvalid)
)

// OptionError names the bad option.
type OptionError struct {
	Field string
	Err   error
}

func (e *OptionError) Error() string {
	return "detect: options: " + e.Field + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// ForbiddenError lists the columns of forbidden classes, by name and class
// (never a value), and where the quarantine record went when the policy
// was to quarantine.
type ForbiddenError struct {
	// Input names the file.
	Input string
	// Columns are the forbidden findings.
	Columns []Finding
	// Quarantined is the key of the quarantine record, or "" when the file
	// was only stopped.
	Quarantined string
}

func (e *ForbiddenError) Error() string {
	var b strings.Builder
	b.WriteString("detect: ")
	if e.Input != "" {
		b.WriteString(strconv.Quote(e.Input) + ": ")
	}
	b.WriteString("forbidden pii in ")
	for i, f := range e.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("column " + strconv.Quote(f.Column) + " (" + string(f.Class) + ")")
	}
	if e.Quarantined != "" {
		b.WriteString("; quarantined as " + strconv.Quote(e.Quarantined))
	}
	return b.String()
}

// Is makes a ForbiddenError match ErrForbidden (and so cdpkit.ErrInvalid).
func (e *ForbiddenError) Is(target error) bool {
	return target == ErrForbidden || target == cdpkit.ErrInvalid
}
