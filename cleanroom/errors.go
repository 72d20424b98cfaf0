package cleanroom

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit"
)

// Error categories for errors.Is. Every error this package returns for a
// failed call is an *Error whose Kind is one of these. Each matches the
// shared cdpkit category named on it, so errors.Is(err, cdpkit.ErrNotFound)
// and errors.Is(err, cleanroom.ErrNotFound) answer alike.
var (
	// ErrInvalidInput (cdpkit.ErrInvalid): local validation found
	// service-rejected problems, or the service returned ValidationException.
	ErrInvalidInput = cdpkit.ErrInvalid
	// ErrConflict (cdpkit.ErrConflict): ConflictException (state conflict,
	// sub-resources exist), or several resources carry the same cdpkit tag.
	ErrConflict = cdpkit.ErrConflict
	// ErrAlreadyExists (cdpkit.ErrAlreadyExists): ConflictException with
	// reason ALREADY_EXISTS, or an unmanaged resource already holds the
	// name. It also matches ErrConflict.
	ErrAlreadyExists = cdpkit.ErrAlreadyExists
	// ErrQuota (cdpkit.ErrLimitExceeded): ServiceQuotaExceededException.
	ErrQuota = cdpkit.NewKind("quota exceeded", cdpkit.ErrLimitExceeded)
	// ErrNotFound (cdpkit.ErrNotFound): ResourceNotFoundException.
	ErrNotFound = cdpkit.ErrNotFound
	// ErrAccessDenied (cdpkit.ErrAccessDenied): AccessDeniedException (also
	// what the service returns for collaborations the caller cannot see).
	ErrAccessDenied = cdpkit.ErrAccessDenied
	// ErrThrottled (cdpkit.ErrThrottled): ThrottlingException after the
	// SDK's own retries.
	ErrThrottled = cdpkit.ErrThrottled
	// ErrInternal (cdpkit.ErrUnavailable): InternalServerException after the
	// SDK's own retries, or an operation that answered without its output
	// (Reason "EMPTY_RESPONSE").
	ErrInternal = cdpkit.NewKind("internal service error", cdpkit.ErrUnavailable)
	// ErrReplacementRequired (cdpkit.ErrConflict): the desired state differs
	// from the existing resource in a field that cannot be updated in place,
	// and replacement was not allowed (Options.AllowReplace). Changes lists
	// them.
	ErrReplacementRequired = cdpkit.NewKind("replacement required", cdpkit.ErrConflict)
	// ErrQueryFailed (cdpkit.ErrFailed): a protected query ended FAILED;
	// Error.Reason is the service's error code and Error.Message its
	// message.
	ErrQueryFailed = cdpkit.NewKind("query failed", cdpkit.ErrFailed)
	// ErrQueryCanceled (cdpkit.ErrCanceled): a protected query ended
	// CANCELLED.
	ErrQueryCanceled = cdpkit.NewKind("query cancelled", cdpkit.ErrCanceled)
	// ErrQueryTimedOut (cdpkit.ErrFailed): a protected query ended TIMED_OUT
	// (the service's run-time limit, not the caller's context).
	ErrQueryTimedOut = cdpkit.NewKind("query timed out", cdpkit.ErrFailed)
)

// Field is one entry of a ValidationException's fieldList.
type Field struct {
	Name    string
	Message string
}

// Error is the error type of this package. It never holds identifier
// values; Key is the caller's cdpkit key of the managed resource.
type Error struct {
	// Op is the operation, e.g. "ensure", "create configured table".
	Op string
	// Key is the caller's key of the table spec ("" when not applicable).
	Key string
	// Kind is one of the Err* categories (nil for context errors).
	Kind error
	// Reason is the service's reason code (ValidationException,
	// ConflictException, AccessDeniedException), e.g. "ALREADY_EXISTS".
	Reason string
	// Fields is the service's fieldList of a ValidationException.
	Fields []Field
	// Problems are local validation findings (warnings included).
	Problems Problems
	// Changes are the changes that need a replacement (ErrReplacementRequired).
	Changes []Change
	// ResourceType and ResourceID identify the conflicting or missing
	// resource when the service names it.
	ResourceType, ResourceID string
	// QuotaName and QuotaValue describe an exceeded quota.
	QuotaName  string
	QuotaValue float64
	// QueryID and Status identify a protected query and its final status
	// (ErrQueryFailed, ErrQueryCanceled, ErrQueryTimedOut).
	QueryID string
	Status  types.ProtectedQueryStatus
	// Message is the service's message for a failed query (it describes
	// the SQL, as the service words it).
	Message string
	// Err is the cause, typically an SDK error (*types.ValidationException…).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cleanroom: ")
	b.WriteString(e.Op)
	if e.Key != "" {
		b.WriteString(" " + strconv.Quote(e.Key))
	}
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	if e.Reason != "" {
		b.WriteString(" (" + e.Reason + ")")
	}
	if errs := e.Problems.Errors(); len(errs) > 0 {
		b.WriteString(": " + strconv.Itoa(len(errs)) + " problem(s): " + errs.String())
	} else if len(e.Problems) > 0 { // Options.Strict: warnings alone failed the call
		b.WriteString(": " + strconv.Itoa(len(e.Problems)) + " problem(s): " + e.Problems.String())
	}
	if len(e.Changes) > 0 {
		parts := make([]string, len(e.Changes))
		for i, c := range e.Changes {
			parts[i] = c.String()
		}
		b.WriteString(": " + strings.Join(parts, "; "))
	}
	if e.QuotaName != "" {
		b.WriteString(": quota " + strconv.Quote(e.QuotaName))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the category and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
		if e.Kind == ErrAlreadyExists {
			out = append(out, ErrConflict)
		}
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// IsRetryableIAMDelay reports whether err is a ValidationException with
// reason IAM_SYNCHRONIZATION_DELAY: a role just created or changed is not yet
// visible to the service. The SDK does not retry it; Client does.
func IsRetryableIAMDelay(err error) bool {
	var ve *types.ValidationException
	return errors.As(err, &ve) && ve.Reason == types.ValidationExceptionReasonIamSynchronizationDelay
}

// Classify converts an error of the Clean Rooms SDK into an *Error of this
// package (op and key name the operation and the caller's key), keeping
// err as the cause. It returns nil for nil and err unchanged when it is
// already an *Error.
func Classify(op, key string, err error) error { return fromAPI(op, key, err) }

// fromAPI converts an SDK error into an *Error, keeping it as the cause.
func fromAPI(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	e := &Error{Op: op, Key: key, Err: err}
	var (
		ve *types.ValidationException
		cf *types.ConflictException
		qe *types.ServiceQuotaExceededException
		nf *types.ResourceNotFoundException
		ad *types.AccessDeniedException
		th *types.ThrottlingException
		is *types.InternalServerException
	)
	switch {
	case errors.As(err, &ve):
		e.Kind, e.Reason = ErrInvalidInput, string(ve.Reason)
		for _, f := range ve.FieldList {
			e.Fields = append(e.Fields, Field{Name: deref(f.Name), Message: deref(f.Message)})
		}
	case errors.As(err, &cf):
		e.Kind, e.Reason = ErrConflict, string(cf.Reason)
		if cf.Reason == types.ConflictExceptionReasonAlreadyExists {
			e.Kind = ErrAlreadyExists
		}
		e.ResourceType, e.ResourceID = string(cf.ResourceType), deref(cf.ResourceId)
	case errors.As(err, &qe):
		e.Kind, e.QuotaName = ErrQuota, deref(qe.QuotaName)
		if qe.QuotaValue != nil {
			e.QuotaValue = *qe.QuotaValue
		}
	case errors.As(err, &nf):
		e.Kind = ErrNotFound
		e.ResourceType, e.ResourceID = string(nf.ResourceType), deref(nf.ResourceId)
	case errors.As(err, &ad):
		e.Kind, e.Reason = ErrAccessDenied, string(ad.Reason)
	case errors.As(err, &th):
		e.Kind = ErrThrottled
	case errors.As(err, &is):
		e.Kind = ErrInternal
	}
	if e.Kind == nil {
		// Answers the model does not define (a front end's 413, 429 or
		// 503 with an unparseable body) still get a category by status.
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			switch code := re.HTTPStatusCode(); {
			case code == http.StatusRequestEntityTooLarge:
				e.Kind = ErrInvalidInput
			case code == http.StatusTooManyRequests:
				e.Kind = ErrThrottled
			case code == http.StatusServiceUnavailable || code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
				e.Kind = ErrInternal
			}
		}
	}
	return e
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
