// Package cleanroomtest is an in-memory AWS Clean Rooms for tests and for
// running cdpkit without an AWS account.
//
// CleanRooms (NewCleanRooms) implements configured tables and their
// analysis rules, collaborations, memberships, configured table
// associations and their analysis rules, analysis templates, protected
// queries, schemas and their analysis rules, ID mapping tables and tags,
// with the SDK's method signatures, so it satisfies cleanroom.CleanRoomsAPI. One fake holds several accounts: As returns a
// view acting as another account, so a collaboration's creator and an
// invited member (who joins with CreateMembership: being listed is the
// invitation) are two views of one service. Configured tables, memberships
// and tags belong to their account; collaborations are visible to their
// members.
//
// It enforces the model-level (E) checks of package cleanroom server-side
// and fails the way the service does: *types.ValidationException with
// reason FIELD_VALIDATION_FAILED and a fieldList of JSON paths (including
// a rule naming a column the table does not allow),
// *types.ConflictException for a second analysis rule on a table, a taken
// association or template name, a second membership (ALREADY_EXISTS),
// deleting resources that still have sub-resources (SUBRESOURCES_EXIST)
// and cancelling an ended query, *types.ResourceNotFoundException for
// unknown ids, *types.AccessDeniedException for collaborations the account
// cannot see and for queries from a member that cannot query, and
// *types.ServiceQuotaExceededException past the configured-table,
// template (25 per membership) and ongoing-query (5 per membership)
// quotas. List operations page with maxResults (1–100, default 100) and
// nextToken; Options.PageSize makes pages shorter than maxResults, as the
// service may. Writes counts write calls, Calls counts calls per
// operation, FailNext injects errors (IAMDelay is the IAM
// eventual-consistency error).
//
// # Protected queries
//
// The fake runs queries. SetTableData gives a Glue table its content:
// rows, Parquet files, or the Parquet objects under a zones.Store location.
// A query is SUBMITTED for Options.QueryQueued, STARTED for
// Options.QueryRuns, by Options.Now (a clock the test controls), and runs
// on the next read (GetProtectedQuery, ListProtectedQueries or
// UpdateProtectedQuery), in that caller and without holding the fake's
// lock: other calls go on while it runs and see it STARTED; a cancel
// while it runs stops it and it ends CANCELLED; a caller whose context
// ends mid-run gets the context's error and the query runs again on a
// later read. Package cleanroom/sqlcheck checks it against the
// analysis rules of the tables of the collaboration (an unassociated table
// or a column outside the allowed columns does not exist for it) and runs
// it on an embedded pure-Go SQL engine, applying the aggregation output
// constraints (groups under a minimum distinct count are removed); the
// association analysis rules' result receivers and the custom rules'
// templates are enforced too. The result is written in the requested
// format (CSV or Parquet, in files of Options.ResultFileRows rows) to the
// requested S3 location, or the receiving member's default result
// configuration, through Options.Results (default: an in-memory S3 on the
// fake's clock, see CleanRooms.S3 and S3, which cleanroom.ResultRows
// reads). A query the rules refuse ends FAILED with CodeRuleViolation and
// the checker's problems, a SQL error with CodeInvalidQuery and the
// engine's message, a table without data with CodeNoData (the service's
// own codes for these cases are not documented).
//
// # Schemas and ID mapping tables
//
// GetSchema, ListSchemas and BatchGetSchema show a collaboration's tables
// to its members: a TABLE schema per configured table association (its
// allowed columns, typed from the table's data when the fake has rows or
// Parquet files, else string) and an ID_MAPPING_TABLE schema per ID
// mapping table. GetSchemaAnalysisRule and BatchGetSchemaAnalysisRule
// return a table's analysis rule (with the association's collaboration
// rule as collaborationPolicy; no consolidatedPolicy) and an ID mapping
// table's service-managed ID_MAPPING_TABLE rule, in the service's JSON
// shape: a real SDK client decodes it, and cleanroom.IDMappingRuleFromSchema
// and cleanroom.ParseIDMappingRule read it back, as sqlcheck.FromSchema
// does. A missing schema or rule is ResourceNotFoundException (in the
// batch operations, an entry of errors with that code; the service's
// codes there are not documented).
//
// On the service an ID mapping table comes from Entity Resolution ID
// namespace associations and an ID mapping workflow, which the fake does
// not have: AddIDMappingTable puts one into a collaboration with its rows
// (source id, target id) and its rule (join columns, requireOverlap,
// dimension columns). GetIdMappingTable, ListIdMappingTables and
// DeleteIdMappingTable serve it with the service's shapes;
// CreateIdMappingTable is not served. Protected queries of the
// collaboration read it under its rule (sqlcheck's Table.IDMapping: the
// mapping table on the inner side of each join, its id columns only in ON,
// each requireOverlap column equated with another table's column), and a
// query that breaks it fails with CodeRuleViolation.
//
// CleanRoomsServer (NewCleanRoomsServer) serves a fake view over the Clean
// Rooms REST-JSON protocol on 127.0.0.1; its Client (or Config) is a real
// *cleanrooms.Client that runs unmodified against it. A request body over
// MaxRequestBody (8 MiB) is answered HTTP 413 with a ValidationException
// (the service documents neither its limit nor its answer; see
// MaxRequestBody), which package cleanroom classifies as invalid input.
//
// RunCleanRooms (in tests) and TestCleanRooms (elsewhere) are the
// conformance suite every implementation must pass: the fake, the server,
// and the real service.
//
// # Errors
//
// Errors are the SDK's own types from
// github.com/aws/aws-sdk-go-v2/service/cleanrooms/types (S3's for the
// in-memory S3), or the context's error when the context is done.
//
// # Concurrency
//
// CleanRooms and S3 are safe for concurrent use. Every call holds the
// fake's one lock only while it reads or changes the fake's state: a
// protected query runs (loads its tables, runs the SQL, writes the
// result) without it, so a slow query does not hold up other calls, and
// queries of different callers run at the same time. No call leaves a
// goroutine behind.
//
// # Testing
//
// The conformance suite runs against AWS when CDPKIT_CLEANROOMS_LIVE=1 with
// CDPKIT_CLEANROOMS_MEMBERSHIP (a membership able to query and receive
// results), CDPKIT_CLEANROOMS_ROLE_ARN, CDPKIT_CLEANROOMS_GLUE_DATABASE,
// CDPKIT_CLEANROOMS_GLUE_TABLE and CDPKIT_CLEANROOMS_RESULT_BUCKET set. It
// creates a collaboration, templates and queries (which fail on purpose)
// besides configured tables and associations. With
// CDPKIT_CLEANROOMS_ID_MAPPING_TABLE naming an ID mapping table of the
// membership's collaboration it also reads that table's schema and rule;
// against the fakes the suite adds one with AddIDMappingTable
// (IDMappingTableAdder).
package cleanroomtest
