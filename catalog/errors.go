package catalog

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit"
)

// Error categories. Every error returned by this package matches one of them
// with errors.Is (ErrIncompatibleSchema errors also match ErrInvalidInput); the Glue exception that caused it (when there is
// one) stays reachable with errors.As. They are the shared cdpkit categories
// (ErrInvalidInput is cdpkit.ErrInvalid, ErrNotFound is cdpkit.ErrNotFound,
// and so on), so errors.Is(err, cdpkit.ErrNotFound) works as well;
// ErrIncompatibleSchema is a finer kind that also matches cdpkit.ErrInvalid.
var (
	// ErrNotFound: the database, table or partition does not exist
	// (Glue EntityNotFoundException).
	ErrNotFound = cdpkit.ErrNotFound
	// ErrAlreadyExists: the entity exists (Glue AlreadyExistsException).
	ErrAlreadyExists = cdpkit.ErrAlreadyExists
	// ErrConflict: a concurrent writer changed the table and the retries were
	// exhausted (Glue ConcurrentModificationException, VersionMismatchException).
	ErrConflict = cdpkit.ErrConflict
	// ErrInvalidInput: a name, type, schema or request that Glue (or this
	// package, before any call) rejects (Glue InvalidInputException).
	ErrInvalidInput = cdpkit.ErrInvalid
	// ErrIncompatibleSchema: the requested schema would change a column type,
	// remove a column, change the partition keys or move the table, and the
	// caller did not opt in. Use errors.As with *SchemaError for the details.
	// It also matches cdpkit.ErrInvalid.
	ErrIncompatibleSchema = cdpkit.NewKind("incompatible schema", cdpkit.ErrInvalid)
	// ErrThrottled: Glue throttled the call and the retries were exhausted.
	ErrThrottled = cdpkit.ErrThrottled
	// ErrLimitExceeded: a Glue quota was hit (ResourceNumberLimitExceededException),
	// for example the table-version limit.
	ErrLimitExceeded = cdpkit.ErrLimitExceeded
	// ErrAccessDenied: missing permission (AccessDeniedException) or a KMS
	// problem (GlueEncryptionException).
	ErrAccessDenied = cdpkit.ErrAccessDenied
	// ErrUnavailable: a transient service fault (InternalServiceException,
	// OperationTimeoutException) that outlived the retries.
	ErrUnavailable = cdpkit.ErrUnavailable
)

// Error is the error type of every failed Registrar call. It names the
// operation and the database/table, never identifier values.
type Error struct {
	// Op is the Registrar operation, e.g. "ensure table".
	Op string
	// Database and Table name what the operation was about ("" when not
	// applicable).
	Database, Table string
	// Kind is one of the Err* categories, or nil (for example when the
	// context was canceled).
	Kind error
	// Err is the cause: a Glue error (*smithy.OperationError wrapping a
	// types exception), a context error, or one of this package's typed
	// errors.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("catalog: ")
	b.WriteString(e.Op)
	if key := e.key(); key != "" {
		b.WriteString(" ")
		b.WriteString(strconv.Quote(key))
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

func (e *Error) key() string {
	switch {
	case e.Database != "" && e.Table != "":
		return e.Database + "." + e.Table
	case e.Database != "":
		return e.Database
	default:
		return e.Table
	}
}

// Unwrap returns the category and the cause, so errors.Is and errors.As see
// both.
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

// newError wraps cause with its category. A nil cause gives nil.
func newError(op, db, table string, cause error) error {
	if cause == nil {
		return nil
	}
	var ce *Error
	if errors.As(cause, &ce) && ce.Op == op {
		return cause
	}
	return &Error{Op: op, Database: db, Table: table, Kind: kindOf(cause), Err: cause}
}

// kindOf maps a cause to its category: Glue exceptions by error code (so both
// the typed exceptions and generic API errors with the same code match), and
// this package's own typed errors through their Is methods.
func kindOf(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	for _, k := range []error{ErrIncompatibleSchema, ErrInvalidInput, ErrNotFound, ErrAlreadyExists, ErrConflict, ErrThrottled, ErrLimitExceeded, ErrAccessDenied, ErrUnavailable} {
		if errors.Is(err, k) {
			return k
		}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return kindOfCode(ae.ErrorCode())
	}
	return nil
}

// kindOfCode maps a Glue error code (also used in batch PartitionError
// details) to a category.
func kindOfCode(code string) error {
	switch code {
	case "EntityNotFoundException":
		return ErrNotFound
	case "AlreadyExistsException":
		return ErrAlreadyExists
	case "ConcurrentModificationException", "VersionMismatchException", CodeLocationMismatch:
		return ErrConflict
	case "InvalidInputException", "ValidationException", "InvalidParameterException":
		return ErrInvalidInput
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded":
		return ErrThrottled
	case "ResourceNumberLimitExceededException":
		return ErrLimitExceeded
	case "AccessDeniedException", "GlueEncryptionException":
		return ErrAccessDenied
	case "InternalServiceException", "OperationTimeoutException", "InternalFailure", "ServiceUnavailable":
		return ErrUnavailable
	}
	return nil
}

// NameError reports a database, table or column name that Glue or Athena
// would reject or mangle. It matches ErrInvalidInput.
type NameError struct {
	// What is "database", "table", "column" or "partition key".
	What string
	// Name is the offending name (names are schema metadata, not identifier
	// values).
	Name string
	// Reason is a short fixed phrase such as "must be lowercase".
	Reason string
}

func (e *NameError) Error() string {
	return "invalid " + e.What + " name " + strconv.Quote(e.Name) + ": " + e.Reason
}

// Is makes every *NameError match ErrInvalidInput.
func (e *NameError) Is(target error) bool { return target == ErrInvalidInput }

// TypeError reports a column type that is not a valid Hive/Glue type.
// It matches ErrInvalidInput.
type TypeError struct {
	Column string
	Type   string
	Reason string
}

func (e *TypeError) Error() string {
	return "invalid type " + strconv.Quote(e.Type) + " for column " + strconv.Quote(e.Column) + ": " + e.Reason
}

// Is makes every *TypeError match ErrInvalidInput.
func (e *TypeError) Is(target error) bool { return target == ErrInvalidInput }

// InputError reports a request this package rejects before calling Glue for
// a reason that is not about a name or a type (a missing location, a
// partition with the wrong number of values, a partition location outside the
// table). It matches ErrInvalidInput. Index is the 0-based position of the
// offending item in the caller's input, or -1.
type InputError struct {
	Field  string
	Index  int
	Reason string
}

func (e *InputError) Error() string {
	s := "invalid " + e.Field
	if e.Index >= 0 {
		s += " (item " + strconv.Itoa(e.Index) + ")"
	}
	return s + ": " + e.Reason
}

// Is makes every *InputError match ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// ChangeKind says what an incompatible schema change would do.
type ChangeKind string

// Kinds of incompatible schema change.
const (
	ChangeType          ChangeKind = "type changed"
	ChangeRemoved       ChangeKind = "column removed"
	ChangePartitionKeys ChangeKind = "partition keys changed"
	ChangeLocation      ChangeKind = "location changed"
	ChangeFormat        ChangeKind = "format changed"
	ChangeBucketing     ChangeKind = "bucketing changed"
)

// SchemaChange is one incompatible difference between the table in Glue and
// the requested schema.
type SchemaChange struct {
	Kind ChangeKind
	// Column is the column concerned ("" for partition keys and location).
	Column string
	// From and To are the old and new types (for ChangeType) or locations
	// (for ChangeLocation).
	From, To string
}

// SchemaError lists every incompatible change the requested schema would
// make. It matches ErrIncompatibleSchema. Opt in with
// Options.AllowTypeChanges, Options.MissingColumns or
// Options.AllowLocationChange.
type SchemaError struct {
	Changes []SchemaChange
}

func (e *SchemaError) Error() string {
	parts := make([]string, 0, len(e.Changes))
	for _, c := range e.Changes {
		s := string(c.Kind)
		if c.Column != "" {
			s = strconv.Quote(c.Column) + " " + s
		}
		switch {
		case c.Kind == ChangeRemoved:
			s += " (was " + c.From + ")"
		case c.From != "" || c.To != "":
			s += " (" + c.From + " -> " + c.To + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// Is makes every *SchemaError match ErrIncompatibleSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrIncompatibleSchema }

// CodeLocationMismatch is the BatchFailure code of a partition that
// already exists at another location. It matches ErrConflict.
const CodeLocationMismatch = "LocationMismatch"

// BatchFailure is one item (a partition, a table version) that a batch call
// rejected.
type BatchFailure struct {
	// Index is the 0-based position of the item in the caller's input (for
	// PruneTableVersions, in the list of versions to delete), or -1 when
	// Glue reported a failure for values the batch did not send.
	Index int
	// Code is Glue's error code, e.g. "InvalidInputException".
	Code string
	// Message is Glue's message. It is kept out of Error() because it may
	// quote partition values.
	Message string
}

// BatchError reports the items a batch operation could not apply; the
// other items were applied.
// Its Unwrap returns the category of every distinct failure code, so
// errors.Is(err, ErrInvalidInput) works.
type BatchError struct {
	Failures []BatchFailure
}

func (e *BatchError) Error() string {
	counts := map[string]int{}
	var codes []string
	for _, f := range e.Failures {
		if counts[f.Code] == 0 {
			codes = append(codes, f.Code)
		}
		counts[f.Code]++
	}
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		parts = append(parts, strconv.Itoa(counts[c])+" "+c)
	}
	return strconv.Itoa(len(e.Failures)) + " items failed (" + strings.Join(parts, ", ") + ")"
}

// Unwrap returns the categories of the failures.
func (e *BatchError) Unwrap() []error {
	var out []error
	seen := map[error]bool{}
	for _, f := range e.Failures {
		if k := kindOfCode(f.Code); k != nil && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// withheld keeps the message of a Glue error out of Error(): on partition
// calls Glue may quote partition values or the filter expression in it.
// Unwrap keeps the *smithy.OperationError and the exception, message
// included, reachable with errors.As.
type withheld struct{ err error }

func (w withheld) Error() string {
	var b strings.Builder
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(w.err, c) {
			b.WriteString(c.Error())
			b.WriteString("; ")
		}
	}
	b.WriteString("glue")
	var oe *smithy.OperationError
	if errors.As(w.err, &oe) {
		b.WriteString(" ")
		b.WriteString(oe.Operation())
	}
	var ae smithy.APIError
	if errors.As(w.err, &ae) {
		b.WriteString(": ")
		b.WriteString(ae.ErrorCode())
	}
	b.WriteString(" (message withheld: it may quote partition values)")
	return b.String()
}

func (w withheld) Unwrap() error { return w.err }

// withholdMessage wraps err in withheld if it carries a Glue API error.
func withholdMessage(err error) error {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) {
		return err
	}
	return withheld{err}
}

// newPartitionError is newError for partition calls: Glue's own message is
// withheld from Error().
func newPartitionError(op, db, table string, cause error) error {
	return newError(op, db, table, withholdMessage(cause))
}
