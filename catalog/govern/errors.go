package govern

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit"
)

// Error categories: the shared cdpkit ones, so errors.Is(err,
// cdpkit.ErrNotFound) and errors.Is(err, govern.ErrNotFound) agree.
var (
	// ErrInvalid: a spec this package rejects before any call, or a request
	// Lake Formation rejects (InvalidInputException).
	ErrInvalid = cdpkit.ErrInvalid
	// ErrNotFound: a database, table, tag or filter does not exist
	// (EntityNotFoundException).
	ErrNotFound = cdpkit.ErrNotFound
	// ErrAlreadyExists: a resource exists where the plan expected none and
	// it could not be adopted (AlreadyExistsException).
	ErrAlreadyExists = cdpkit.ErrAlreadyExists
	// ErrConflict: a concurrent change outlived the retries
	// (ConcurrentModificationException), or a resource link of the same name
	// points elsewhere.
	ErrConflict = cdpkit.ErrConflict
	// ErrAccessDenied: the caller lacks a permission (AccessDeniedException).
	ErrAccessDenied = cdpkit.ErrAccessDenied
	// ErrThrottled: throttling outlived the retries.
	ErrThrottled = cdpkit.ErrThrottled
	// ErrLimitExceeded: a quota was hit (ResourceNumberLimitExceededException).
	ErrLimitExceeded = cdpkit.ErrLimitExceeded
	// ErrUnavailable: a transient service fault outlived the retries.
	ErrUnavailable = cdpkit.ErrUnavailable
	// ErrPartialFailure: a batch call answered HTTP 200 but listed failed
	// entries. Use errors.As with *BatchError for them. It also matches
	// cdpkit.ErrFailed.
	ErrPartialFailure = cdpkit.NewKind("partial failure", cdpkit.ErrFailed)
)

// Error is the error type of a failed Governor call: the operation, what it
// was about, the category and the cause (the SDK error stays reachable with
// errors.As).
type Error struct {
	// Op is the Governor step, e.g. "grant" or "plan".
	Op string
	// Resource names what the step was about (a table, a tag key, a
	// principal's grant); never data values.
	Resource string
	// Kind is one of the Err* categories, or nil.
	Kind error
	// Err is the cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("govern: ")
	b.WriteString(e.Op)
	if e.Resource != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Resource))
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
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

func newError(op, resource string, cause error) error {
	if cause == nil {
		return nil
	}
	var ge *Error
	if errors.As(cause, &ge) {
		return cause
	}
	return &Error{Op: op, Resource: resource, Kind: kindOf(cause), Err: cause}
}

func kindOf(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	if c := cdpkit.Category(err); c != nil {
		if errors.Is(err, ErrPartialFailure) {
			return ErrPartialFailure
		}
		return c
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return kindOfCode(ae.ErrorCode())
	}
	return nil
}

func kindOfCode(code string) error {
	switch code {
	case "EntityNotFoundException", "ResourceShareInvitationArnNotFoundException":
		return ErrNotFound
	case "AlreadyExistsException":
		return ErrAlreadyExists
	case "ConcurrentModificationException", "TransactionCommitInProgressException":
		return ErrConflict
	case "InvalidInputException", "ValidationException", "InvalidParameterException", "MissingRequiredParameterException",
		"ResourceShareInvitationAlreadyRejectedException", "ResourceShareInvitationExpiredException":
		return ErrInvalid
	case "ThrottledException", "ThrottlingException", "Throttling", "TooManyRequestsException":
		return ErrThrottled
	case "ResourceNumberLimitExceededException", "ResourceShareLimitExceededException":
		return ErrLimitExceeded
	case "AccessDeniedException", "PermissionTypeMismatchException", "OperationNotPermittedException":
		return ErrAccessDenied
	case "InternalServiceException", "OperationTimeoutException", "ServiceUnavailableException", "ServerInternalException":
		return ErrUnavailable
	}
	return nil
}

// SpecError reports a spec this package rejects before any call. It
// matches ErrInvalid.
type SpecError struct {
	// Field is the path of the offending field, e.g.
	// "Products[0].Grants[2].Columns".
	Field string
	// Reason is a short fixed phrase.
	Reason string
}

func (e *SpecError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

// Is makes every *SpecError match ErrInvalid.
func (e *SpecError) Is(target error) bool { return target == ErrInvalid }

// EntryFailure is one entry a batch call rejected.
type EntryFailure struct {
	// Entry names the entry: the grant or tag it was about.
	Entry string
	// Code and Message are the service's.
	Code, Message string
}

// BatchError reports the entries of a batch call that the service rejected
// while answering HTTP 200 (BatchGrantPermissions, BatchRevokePermissions,
// AddLFTagsToResource, RemoveLFTagsFromResource). The other entries were
// applied. It matches ErrPartialFailure and the category of each failure
// code.
type BatchError struct {
	Op       string
	Failures []EntryFailure
}

func (e *BatchError) Error() string {
	parts := make([]string, 0, len(e.Failures))
	for i, f := range e.Failures {
		if i == 3 {
			parts = append(parts, "and "+strconv.Itoa(len(e.Failures)-3)+" more")
			break
		}
		parts = append(parts, strconv.Quote(f.Entry)+": "+f.Code)
	}
	return e.Op + ": " + strconv.Itoa(len(e.Failures)) + " entries failed (" + strings.Join(parts, "; ") + ")"
}

// Unwrap returns ErrPartialFailure and the categories of the failures.
func (e *BatchError) Unwrap() []error {
	out := []error{ErrPartialFailure}
	seen := map[error]bool{}
	for _, f := range e.Failures {
		if k := kindOfCode(f.Code); k != nil && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
