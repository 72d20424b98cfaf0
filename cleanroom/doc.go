// Package cleanroom sets up AWS Clean Rooms collaborations and runs
// protected queries in them: it validates analysis rules locally, as the
// service would; ensures (plans, then creates or updates in place)
// collaborations, memberships, analysis templates, configured tables,
// their analysis rules and associations; starts, waits for and cancels
// protected queries; and reads their results.
//
// # Rules
//
// Aggregation, List and Custom build configured-table analysis rules and
// AssociationRule builds the collaboration analysis rule; each converts to
// the aws-sdk-go-v2 cleanrooms types (Policy, SDK) and emits legal empty
// lists as non-nil empty slices, so the SDK sends [] where the service
// requires the member. ParseRule loads an existing rule from the JSON the
// console, the CLI and CloudFormation use (omitted and empty lists kept
// apart) as a PolicyRule, so it can be checked without rewriting it.
// ValidateRule, ValidateAssociationRule, ValidateCreateTable,
// ValidateCreateAssociation, ValidateCreateCollaboration,
// ValidateCreateTemplate and ValidateMembershipResults check SDK requests
// against every constraint of the service model (anchored patterns,
// including the look-ahead ones, lengths in code points, enums, list sizes,
// ranges) and the documented cross-field rules (column placement, join
// requirements, ANY_QUERY providers, differential privacy, template
// parameters). They return every problem at once as Problems, each with a
// JSON path into the request and a Reason code; problems the service
// rejects have SeverityError, documented or unverified ones
// SeverityWarning (Problems.Errors, Problems.Warnings). TableSpec.Validate
// and Setup.Validate add the cross-resource checks: rule columns within the
// allowed columns (an error, ValidateRuleColumns), allowed columns within
// the Glue schema, C3R column kinds, identical differential-privacy
// columns across the tables of one collaboration, result receivers that
// are members able to receive results. Package cleanroom/sqlcheck checks a
// query against these rules before it runs.
//
// ID mapping tables carry a rule the service manages (ID_MAPPING_TABLE):
// it cannot be created or edited, so it is a separate, read-only type,
// IDMappingRule, read from GetSchemaAnalysisRule or
// BatchGetSchemaAnalysisRule answers (IDMappingRuleFromSchema,
// ParseIDMappingRule, ParseIDMappingRules) and checked with Validate;
// sqlcheck uses it for queries that join through the mapping table.
//
// # Resources
//
// Every setup call is spec → plan → apply through CleanRoomsAPI, a seam
// with the SDK's exact signatures (*cleanrooms.Client satisfies it). The
// API has no idempotency tokens and names are not unique, so every
// resource Client creates carries the tag DefaultTagKey with the spec's
// Key, and a rerun finds what an earlier run made by listing and reading
// tags. Each call validates the whole spec before any call, reads before
// it writes, and makes no write call when nothing differs. Options.DryRun
// returns the plan without writing.
//
//   - EnsureCollaboration (CollaborationSpec): the collaboration with its
//     invited members (being listed is the invitation), query logging,
//     analytics engine, C3R encryption settings and payment configuration;
//     the creator's membership with its default result configuration; and
//     analysis templates (SQL with validated parameters) whose ARNs go in
//     the Custom rules' AllowedAnalyses. The plan lists every resource with
//     create, update, replace or no-op and a reason. Collaboration fields
//     fixed at creation (members, creator abilities, query logging,
//     encryption settings) are never changed silently: they fail with
//     ErrReplacementRequired.
//   - EnsureMembership (JoinSpec): an invited member joins with its own
//     membership, found again through the collaboration on later runs.
//   - Ensure and EnsureAll (TableSpec, Setup): configured tables, their
//     analysis rules, associations and association analysis rules. Changes
//     the service cannot make in place (a rule's type, an association's
//     name or table, a template's SQL) fail with ErrReplacementRequired
//     listing them, unless Options.AllowReplace is set.
//
// AssociationRolePolicies generates the trust and permission policies of
// the role an association uses.
//
// # Queries and results
//
// StartQuery starts a protected query (SQL text, or an analysis template
// with parameter values; results to S3, to a member, or to the membership's
// default result location), WaitQuery polls it with capped exponential
// backoff and jitter until it ends, RunQuery does both, CancelQuery stops
// it, GetQuery, ListQueries and Queries read them. StartProtectedQuery has
// no client token: StartQuery guards its retries against starting a query
// twice after a lost response (see StartQuery for how, and what the guard
// cannot cover).
//
// ResultRows reads the results at Query.ResultLocation through ObjectAPI
// (*s3.Client, or cleanroomtest.S3) as typed rows, and ResultRecords as
// Arrow record batches: CSV or Parquet, one file or many, in flat memory.
//
// # Errors
//
// Every failure is an *Error whose Kind matches a shared cdpkit category
// with errors.Is: ErrInvalidInput (cdpkit.ErrInvalid: local problems in
// Error.Problems, or a service ValidationException with Error.Reason and
// Error.Fields), ErrConflict and ErrAlreadyExists (cdpkit.ErrConflict,
// cdpkit.ErrAlreadyExists), ErrQuota (cdpkit.ErrLimitExceeded;
// Error.QuotaName, Error.QuotaValue), ErrNotFound, ErrAccessDenied,
// ErrThrottled, ErrInternal (cdpkit.ErrUnavailable; also an operation
// answering without output, Reason EMPTY_RESPONSE) and
// ErrReplacementRequired (cdpkit.ErrConflict; Error.Changes). A query that
// ends other than SUCCESS is ErrQueryFailed (cdpkit.ErrFailed; the
// service's error code in Error.Reason, its message in Error.Message),
// ErrQueryCanceled (cdpkit.ErrCanceled) or ErrQueryTimedOut
// (cdpkit.ErrFailed), with Error.QueryID and Error.Status; the caller's
// context ending is ctx.Err(). Several resources carrying the same key's
// tag are ErrConflict with Reason DUPLICATE_MANAGED_RESOURCES. The SDK
// error stays in the chain for errors.As. ValidationException with reason
// IAM_SYNCHRONIZATION_DELAY (a new role not yet visible to the service) is
// retried with exponential backoff (Options.IAMRetries, IAMBackoff,
// IAMMaxBackoff). Errors and logs never contain identifier values.
//
// # Concurrency
//
// Validation functions are pure and safe for concurrent use. A Client is
// safe for concurrent use, but two concurrent Ensure* calls for the same
// Key may both create the resource: run one per Key at a time. No call
// starts goroutines; the only waits are retry backoff and query polling,
// both on timers that honour the context. Result iterators hold one
// object open at a time and close it before they return.
//
// # Testing
//
// Package cleanroomtest provides CleanRooms, an in-memory fake for several
// accounts (CleanRooms.As) enforcing the same model checks server-side
// with the service's error types and running protected queries on an
// embedded SQL engine over data the test supplies, a REST test server for
// a real *cleanrooms.Client, an in-memory S3 for results, and the
// conformance suite all of them pass (and the real service, behind
// CDPKIT_CLEANROOMS_LIVE=1). Query polling is tested under testing/synctest.
package cleanroom
