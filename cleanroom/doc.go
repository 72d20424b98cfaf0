// Package cleanroom validates AWS Clean Rooms analysis rules locally, as the
// service would, and ensures (creates or updates in place) configured
// tables, their analysis rules, configured table associations and
// association (collaboration) analysis rules.
//
// # Rules
//
// Aggregation, List and Custom build configured-table analysis rules and
// AssociationRule builds the collaboration analysis rule; each converts to
// the aws-sdk-go-v2 cleanrooms types (Policy, SDK) and emits legal empty
// lists as non-nil empty slices, so the SDK sends [] where the service
// requires the member. ValidateRule, ValidateAssociationRule,
// ValidateCreateTable and ValidateCreateAssociation check SDK requests
// against every constraint of the service model (anchored patterns,
// including the look-ahead ones, lengths in code points, enums, list sizes,
// ranges) and the documented cross-field rules (column placement, join
// requirements, ANY_QUERY providers, differential privacy). They return
// every problem at once as Problems, each with a JSON path into the request
// and a Reason code; problems the service rejects have SeverityError,
// documented or unverified ones SeverityWarning (Problems.Errors,
// Problems.Warnings). TableSpec.Validate and Setup.Validate add the
// cross-resource checks: rule columns within the allowed columns, allowed
// columns within the Glue schema, C3R column kinds, identical
// differential-privacy columns across the tables of one collaboration,
// result receivers that are members able to receive results.
//
// # Resources
//
// Client.Ensure applies a TableSpec through CleanRoomsAPI, a seam with the
// SDK's exact signatures (*cleanrooms.Client satisfies it). The API has no
// idempotency tokens and names are not unique, so every resource Client
// creates carries the tag DefaultTagKey with the spec's Key, and Ensure
// finds existing resources by listing and reading tags. It validates the
// whole spec before any call, reads before it writes, and makes no write
// call when nothing differs. Changes the service cannot make in place (a
// rule's type, an association's name or table) fail with
// ErrReplacementRequired listing them, unless Options.AllowReplace is set;
// Options.DryRun returns the plan without writing.
//
// AssociationRolePolicies generates the trust and permission policies of
// the role an association uses.
//
// # Errors
//
// Every failure is an *Error with a category for errors.Is:
// ErrInvalidInput (local problems in Error.Problems, or a service
// ValidationException with Error.Reason and Error.Fields), ErrConflict and
// ErrAlreadyExists, ErrQuota (Error.QuotaName, Error.QuotaValue),
// ErrNotFound, ErrAccessDenied, ErrThrottled, ErrInternal (also an
// operation answering without output, Reason EMPTY_RESPONSE) and
// ErrReplacementRequired (Error.Changes). Several resources carrying the
// same key's tag are ErrConflict with Reason DUPLICATE_MANAGED_RESOURCES.
// The SDK error stays in the chain for errors.As. ValidationException with
// reason IAM_SYNCHRONIZATION_DELAY (a new role not yet visible to the
// service) is retried with exponential backoff (Options.IAMRetries,
// IAMBackoff, IAMMaxBackoff). Errors and logs never contain identifier
// values.
//
// # Concurrency
//
// Validation functions are pure and safe for concurrent use. A Client is
// safe for concurrent use, but two concurrent Ensure calls for the same Key
// may both create the resource: run one Ensure per Key at a time. Ensure
// starts no goroutines; its only waits are the retry backoff, which honours
// the context.
//
// # Testing
//
// Package cleanroomtest provides CleanRooms, an in-memory fake enforcing
// the same model checks server-side with the service's error types, a REST
// test server for a real *cleanrooms.Client, and the conformance suite
// both pass (and the real service, behind CDPKIT_CLEANROOMS_LIVE=1).
package cleanroom
