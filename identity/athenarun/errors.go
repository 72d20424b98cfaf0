package athenarun

import (
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit"
)

// Error categories: every error the runner returns matches one of them
// (or context.Canceled / context.DeadlineExceeded) with errors.Is. They are
// the shared cdpkit categories.
var (
	// ErrInvalid: bad options or configuration, or a query Athena refused
	// (InvalidRequestException) or failed for a user error (AthenaError
	// category 2: syntax, missing table, permissions on data).
	ErrInvalid = cdpkit.ErrInvalid
	// ErrNotFound: a database, table or bucket the call names does not
	// exist (MetadataException, ResourceNotFoundException, NoSuchBucket).
	ErrNotFound = cdpkit.ErrNotFound
	// ErrAlreadyExists: the output table exists and was not written by
	// this run; set Options.ReplaceOutput to replace it.
	ErrAlreadyExists = cdpkit.ErrAlreadyExists
	// ErrThrottled: Athena throttled a call (ThrottlingException,
	// TooManyRequestsException) past the retries.
	ErrThrottled = cdpkit.ErrThrottled
	// ErrLimitExceeded: the account's active-query limit outlasted the
	// retries (TooManyRequestsException with CONCURRENT_QUERY_LIMIT_EXCEEDED,
	// which also matches ErrThrottled), or a query hit a hard limit such as
	// HIVE_TOO_MANY_OPEN_PARTITIONS.
	ErrLimitExceeded = cdpkit.ErrLimitExceeded
	// ErrUnavailable: a service fault (InternalServerException) or a
	// query failure Athena marks retryable, past the retries.
	ErrUnavailable = cdpkit.ErrUnavailable
	// ErrAccessDenied: the caller lacks a permission.
	ErrAccessDenied = cdpkit.ErrAccessDenied
	// ErrFailed: a query ended FAILED; errors.As with *QueryError for the
	// state-change reason and Athena's error category.
	ErrFailed = cdpkit.ErrFailed
	// ErrCanceled: a query ended CANCELLED although this run did not stop
	// it.
	ErrCanceled = cdpkit.ErrCanceled
	// ErrNotConverged: the connected-components loop reached
	// MaxIterations with labels still changing. It matches
	// ErrLimitExceeded, as sqlgen.ErrNotConverged does.
	ErrNotConverged = cdpkit.NewKind("athenarun: not converged", cdpkit.ErrLimitExceeded)
)

// QueryError is a query that ended FAILED or CANCELLED.
type QueryError struct {
	// Step names the plan step ("nodes", "cc_3", "changed_3", ...).
	Step    string
	QueryID string
	State   types.QueryExecutionState
	// Reason is Athena's StateChangeReason. Athena may quote data in it
	// (a value that failed a cast), so Error prints only its leading
	// error name (such as HIVE_PATH_ALREADY_EXISTS); log Reason only where
	// data may be logged.
	Reason string
	// Category, Type and Retryable are Athena's AthenaError: category 1
	// system, 2 user, 3 other.
	Category  int32
	Type      int32
	Retryable bool
}

func (e *QueryError) Error() string {
	var b strings.Builder
	b.WriteString("athenarun: step ")
	b.WriteString(strconv.Quote(e.Step))
	b.WriteString(": query ")
	b.WriteString(e.QueryID)
	b.WriteString(" ")
	b.WriteString(string(e.State))
	if c := e.Code(); c != "" {
		b.WriteString(": ")
		b.WriteString(c)
	}
	if e.Category != 0 {
		b.WriteString(" (category ")
		b.WriteString(strconv.Itoa(int(e.Category)))
		if e.Retryable {
			b.WriteString(", retryable")
		}
		b.WriteString(")")
	}
	return b.String()
}

// Code returns the error name that starts Reason (SYNTAX_ERROR,
// TABLE_NOT_FOUND, HIVE_PATH_ALREADY_EXISTS, ...), or "".
func (e *QueryError) Code() string {
	head, _, _ := strings.Cut(e.Reason, ":")
	head = strings.TrimSpace(head)
	if head == "" || strings.IndexFunc(head, func(r rune) bool { return !(r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) >= 0 {
		return ""
	}
	return head
}

// Is matches ErrFailed (FAILED) or ErrCanceled (CANCELLED), and the
// category the failure belongs to.
func (e *QueryError) Is(target error) bool {
	switch target {
	case cdpkit.ErrFailed:
		return e.State == types.QueryExecutionStateFailed
	case cdpkit.ErrCanceled:
		return e.State == types.QueryExecutionStateCancelled
	case cdpkit.ErrLimitExceeded:
		return strings.Contains(e.Code(), "TOO_MANY") || strings.Contains(e.Code(), "EXCEEDED")
	case cdpkit.ErrInvalid:
		return e.Category == 2 && !strings.Contains(e.Code(), "TOO_MANY")
	case cdpkit.ErrUnavailable:
		return e.State == types.QueryExecutionStateFailed && e.Category != 2 && e.Retryable
	}
	return false
}

// Error is a failed Athena or S3 call: the operation, the step it was for,
// the category, and the SDK error.
type Error struct {
	Op   string // StartQueryExecution, GetQueryResults, ...
	Step string
	Kind error // one of the Err* categories, or nil for a context error
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("athenarun: ")
	b.WriteString(e.Op)
	if e.Step != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(e.Step))
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

func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// errConcurrencyLimit is the kind of TooManyRequestsException with
// CONCURRENT_QUERY_LIMIT_EXCEEDED: throttled, and a limit.
var errConcurrencyLimit error = concurrencyLimit{}

type concurrencyLimit struct{}

func (concurrencyLimit) Error() string { return "throttled: concurrent query limit exceeded" }
func (concurrencyLimit) Is(target error) bool {
	return target == cdpkit.ErrThrottled || target == cdpkit.ErrLimitExceeded
}

// apiError wraps an SDK error with its category.
func apiError(op, step string, err error) error {
	return &Error{Op: op, Step: step, Kind: classify(err), Err: err}
}

func classify(err error) error {
	var cancel *smithy.CanceledError
	if errors.As(err, &cancel) {
		return nil
	}
	var tm *types.TooManyRequestsException
	if errors.As(err, &tm) {
		if tm.Reason == types.ThrottleReasonConcurrentQueryLimitExceeded {
			return errConcurrencyLimit
		}
		return cdpkit.ErrThrottled
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "Throttling", "SlowDown", "RequestLimitExceeded":
			return cdpkit.ErrThrottled
		case "InvalidRequestException", "InvalidArgument", "InvalidRequest", "MalformedXML", "ValidationException":
			return cdpkit.ErrInvalid
		case "AccessDeniedException", "AccessDenied":
			return cdpkit.ErrAccessDenied
		case "ResourceNotFoundException", "NoSuchBucket", "MetadataException":
			return cdpkit.ErrNotFound
		}
		if ae.ErrorFault() == smithy.FaultServer {
			return cdpkit.ErrUnavailable
		}
		return cdpkit.ErrInvalid
	}
	return cdpkit.ErrUnavailable
}

// throttled says whether a call may be retried after a wait.
func throttled(err error) bool {
	k := classify(err)
	return k != nil && (errors.Is(k, cdpkit.ErrThrottled) || errors.Is(k, cdpkit.ErrUnavailable))
}
