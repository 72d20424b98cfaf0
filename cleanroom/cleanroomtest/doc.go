// Package cleanroomtest is an in-memory AWS Clean Rooms for tests and for
// running cdpkit without an AWS account.
//
// CleanRooms implements configured tables and their analysis rules,
// collaborations, memberships, configured table associations and their
// analysis rules, and tags, with the SDK's method signatures, so it
// satisfies cleanroom.CleanRoomsAPI. It enforces the model-level (E)
// checks of package cleanroom server-side and fails the way the service
// does: *types.ValidationException with reason FIELD_VALIDATION_FAILED and
// a fieldList of JSON paths, *types.ConflictException for a second analysis
// rule on a table or a taken association name (ALREADY_EXISTS) and for
// deleting resources that still have sub-resources (SUBRESOURCES_EXIST),
// *types.ResourceNotFoundException for unknown ids,
// *types.AccessDeniedException for collaborations the account cannot see,
// and *types.ServiceQuotaExceededException past the configured-table quota.
// List operations page with maxResults (1–100, default 100) and nextToken;
// Options.PageSize makes pages shorter than maxResults, as the service may,
// so callers' pagination is exercised with a handful of resources.
// Writes counts write calls, Calls counts calls per operation, FailNext
// injects errors (IAMDelay is the IAM eventual-consistency error).
//
// NewServer serves the same fake over the Clean Rooms REST-JSON protocol on
// loopback, so a real *cleanrooms.Client with BaseEndpoint set to the
// server URL, static credentials and a fixed region runs unmodified.
//
// Run (in tests) and Test (elsewhere) are the conformance suite every
// implementation must pass: the fake, the server, and the real service.
//
// # Errors
//
// Errors are the SDK's own types from
// github.com/aws/aws-sdk-go-v2/service/cleanrooms/types, or the context's
// error when the context is done.
//
// # Concurrency
//
// CleanRooms is safe for concurrent use; every call holds one lock.
//
// # Testing
//
// The conformance suite runs against AWS when CDPKIT_CLEANROOMS_LIVE=1 with
// CDPKIT_CLEANROOMS_MEMBERSHIP, CDPKIT_CLEANROOMS_ROLE_ARN,
// CDPKIT_CLEANROOMS_GLUE_DATABASE and CDPKIT_CLEANROOMS_GLUE_TABLE set.
package cleanroomtest
