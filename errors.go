package cdpkit

import "errors"

// Error categories shared by every cdpkit package, in the manner of
// gocloud.dev's gcerrors: whichever package returned an error,
// errors.Is(err, cdpkit.ErrNotFound) answers the same question. Each package
// also exports its own sentinels for these categories (catalog.ErrNotFound,
// cleanroom.ErrInvalidInput, …); they match the category here with errors.Is,
// so code can test against either.
var (
	// ErrInvalid: the caller's input, options or request is invalid, before or
	// after reaching a service (InvalidArgument).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound: the named resource does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: the resource exists and the call asked to create it.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: a concurrent change or a failed precondition; rereading and
	// retrying may succeed.
	ErrConflict = errors.New("conflict")
	// ErrAccessDenied: the caller lacks a permission or a key.
	ErrAccessDenied = errors.New("access denied")
	// ErrThrottled: the service throttled the call and retries were exhausted.
	ErrThrottled = errors.New("throttled")
	// ErrLimitExceeded: a quota or a configured bound was reached.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrUnavailable: a transient service or I/O fault that outlived the
	// retries.
	ErrUnavailable = errors.New("unavailable")
	// ErrFailed: a remote job (a protected query, an Athena query, an upload
	// session) ended in a failed state; the typed error says why.
	ErrFailed = errors.New("failed")
	// ErrCanceled: a remote job was cancelled (by the caller or the service).
	// A cancelled context is reported with context.Canceled instead.
	ErrCanceled = errors.New("canceled")
)

var categories = []error{
	ErrInvalid, ErrNotFound, ErrAlreadyExists, ErrConflict, ErrAccessDenied,
	ErrThrottled, ErrLimitExceeded, ErrUnavailable, ErrFailed, ErrCanceled,
}

// NewKind returns a package-specific sentinel with the given message that also
// matches category with errors.Is. Packages use it to declare finer kinds
// (hashing.ErrInvalid, identity.ErrBoundExceeded) that still belong to one of
// the shared categories. category must be one of this package's Err*
// variables (or nil for a kind outside every category).
func NewKind(msg string, category error) error {
	return &kind{msg: msg, category: category}
}

type kind struct {
	msg      string
	category error
}

func (k *kind) Error() string { return k.msg }

// Is reports whether target is k's category; identity is handled by errors.Is.
func (k *kind) Is(target error) bool {
	return k.category != nil && target == k.category
}

// Category returns the shared category that err matches with errors.Is, or nil
// when it matches none.
func Category(err error) error {
	if err == nil {
		return nil
	}
	for _, c := range categories {
		if errors.Is(err, c) {
			return c
		}
	}
	return nil
}
