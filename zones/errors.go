package zones

import (
	"errors"
	"strconv"

	"github.com/cdpkit/cdpkit"
)

// kind is a category sentinel. Its message is used in *Error's text without
// the package prefix. It also matches its shared cdpkit category.
type kind struct {
	name     string
	category error
}

func (k *kind) Error() string { return "zones: " + k.name }

// Is makes a kind match its cdpkit category with errors.Is.
func (k *kind) Is(target error) bool { return k.category != nil && target == k.category }

// Category sentinels, matched with errors.Is. Every error returned by a
// Store, a Backend in this module or a dataset/records helper that fits one
// of them matches it. Each also matches the category shared by every
// cdpkit package that is named in its comment (errors.Is(err,
// cdpkit.ErrInvalid) holds for an ErrInvalidInput error).
var (
	// ErrNotFound: the key does not exist. (cdpkit.ErrNotFound)
	ErrNotFound error = &kind{"not found", cdpkit.ErrNotFound}
	// ErrAlreadyExists: a create-only write found the key taken (including
	// losing a race against a concurrent writer of the same key).
	ErrAlreadyExists error = &kind{"already exists", cdpkit.ErrAlreadyExists}
	// ErrInvalidInput: a key, zone, prefix, option or input row that cannot
	// be accepted. Nothing was written. (cdpkit.ErrInvalid)
	ErrInvalidInput error = &kind{"invalid input", cdpkit.ErrInvalid}
	// ErrImmutable: the operation would change immutable data (deleting from
	// the raw zone). (cdpkit.ErrInvalid)
	ErrImmutable error = &kind{"immutable", cdpkit.ErrInvalid}
	// ErrConflict: a concurrent conditional write or delete on the same key
	// was in progress (S3 409 ConditionalRequestConflict). Retrying is safe.
	ErrConflict error = &kind{"conflict", cdpkit.ErrConflict}
	// ErrThrottled: the backend asked the caller to slow down. Retrying with
	// backoff is safe.
	ErrThrottled error = &kind{"throttled", cdpkit.ErrThrottled}
	// ErrAccessDenied: the backend refused access (missing permission or
	// key). (cdpkit.ErrAccessDenied)
	ErrAccessDenied error = &kind{"access denied", cdpkit.ErrAccessDenied}
	// ErrPermission is ErrAccessDenied's former name.
	//
	// Deprecated: use ErrAccessDenied (or cdpkit.ErrAccessDenied).
	ErrPermission = ErrAccessDenied
)

// Error is the typed error behind every failure that names an object. It
// unwraps to both its category (Kind) and its cause (Err, e.g. an S3 API
// error or an *fs.PathError), so errors.Is and errors.As reach both.
//
// Keys are object names, never row values; Error never holds data.
type Error struct {
	// Op is the operation: "put", "get", "stat", "list", "delete", …
	Op string
	// Key is the full backend key (zone prefix included), or the list prefix.
	Key string
	// Kind is one of the category sentinels, or nil when unclassified.
	Kind error
	// Err is the underlying cause, or nil.
	Err error
}

// NewError returns an *Error. Backend implementations outside this module use
// it so that their errors have the same shape as the built-in backends'.
func NewError(op, key string, kind, cause error) error {
	return &Error{Op: op, Key: key, Kind: kind, Err: cause}
}

func (e *Error) Error() string {
	s := "zones: " + e.Op
	if e.Key != "" {
		s += " " + strconv.Quote(e.Key)
	}
	if k, ok := e.Kind.(*kind); ok {
		s += ": " + k.name
	} else if e.Kind != nil {
		s += ": " + e.Kind.Error()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the category and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// invalid is shorthand for an ErrInvalidInput *Error with a plain reason.
func invalid(op, key, reason string) error {
	return &Error{Op: op, Key: key, Kind: ErrInvalidInput, Err: errors.New(reason)}
}
