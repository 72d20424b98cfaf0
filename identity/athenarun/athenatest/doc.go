// Package athenatest is a fake Amazon Athena for tests and examples: in
// memory (Athena) and over the wire (AthenaServer), with a conformance
// suite (RunAthena, TestAthena) that runs against both and against live
// Athena.
//
// The fake computes what Athena computes. StartQueryExecution queues a
// query; the query walks QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED
// on the clock of AthenaOptions.Now (inside a testing/synctest bubble,
// the bubble's clock), and runs on an embedded SQLite engine (pure Go) once
// its RunTime is up, in the first call that needs its outcome
// (GetQueryExecution, GetQueryResults or StopQueryExecution of it or of a
// later statement of its database, a catalog read of its database,
// Executions). That call runs the statement
// without holding the fake's lock; until it is published the query shows
// RUNNING to every other call. The SQL is Athena's dialect, the subset cdpkit
// generates: SELECT and WITH, CREATE TABLE ... WITH (format,
// external_location, partitioned_by, ...) AS SELECT, INSERT INTO ...
// SELECT, DROP TABLE [IF EXISTS]. What the fake cannot run the way Athena
// would, it fails as Athena fails rather than letting SQLite's looser
// grammar run it: a function outside its allow-list is FUNCTION_NOT_FOUND,
// CAST to a type Trino lacks (string, text) TYPE_NOT_FOUND, backquoted
// identifiers and second statements SYNTAX_ERROR, Spark's USING PARQUET
// NOT_SUPPORTED. Missing tables and columns are TABLE_NOT_FOUND and
// COLUMN_NOT_FOUND (AthenaError category 2).
//
// As on Athena: a ClientRequestToken seen before returns the same query
// and starts nothing (a different request under it is
// InvalidRequestException); CTAS writes its files under external_location
// into the fake's S3 and fails with HIVE_PATH_ALREADY_EXISTS when files are
// there already; DROP TABLE leaves the files; a CTAS or INSERT INTO that
// writes more than 100 partitions fails with HIVE_TOO_MANY_OPEN_PARTITIONS;
// queued plus running queries past MaxActiveQueries are refused with
// TooManyRequestsException (CONCURRENT_QUERY_LIMIT_EXCEEDED);
// GetQueryResults pages up to 1,000 rows with the header row first and
// column types in ColumnInfo (an integer expression is reported as bigint,
// where Athena says integer for a bare literal). Tables are stored as Parquet files (Snappy)
// in the fake's S3, partition columns in Hive paths (col=value/) and not
// in the files, so a reader of the lake finds what Athena would have
// written; DataScannedInBytes is the size of the files of the tables a
// query reads, each table once and all its columns (Athena reads only the
// columns a query needs, but again for every reference Trino inlines).
//
// StopQueryExecution of a statement another call is running stops it on
// the engine and leaves nothing behind: no table, no rows, no files (a
// CTAS, INSERT INTO or DROP TABLE is held in a SQLite transaction until it
// is published; Athena itself may leave the files of a stopped write). A call whose context ends while it runs a statement returns
// the context's error at once; the query stays RUNNING and the next call
// that needs it runs it again (after any statements of its database
// other calls took up meanwhile: only then can a database's statements
// run out of clock order). ListQueryExecutions lists query IDs newest
// first (the API reference states no order).
//
// Faults: Inject makes the next calls of an operation fail (Throttling,
// TooManyRequests or any error); Fail makes matching queries end FAILED
// with a given reason, category and retryability; Flap sends matching
// queries from RUNNING back to QUEUED once.
//
// S3 is the object store behind the fake, with ListObjectsV2 and
// DeleteObjects in *s3.Client's signatures.
//
// # Errors
//
// Operations return the service's shapes inside a *smithy.OperationError:
// *types.InvalidRequestException, *types.TooManyRequestsException,
// *types.MetadataException, and ThrottlingException as a generic API
// error. A canceled context returns a *smithy.CanceledError.
//
// # Concurrency
//
// Athena and S3 are safe for concurrent use, and the server handles
// requests concurrently. Every call holds the fake's one lock only while
// it reads or changes the fake's state: a statement runs on the engine
// without it, so a slow statement holds up no call that does not need its
// outcome (a Get, Stop or GetQueryResults of a query that has ended, is
// not yet due or is of another database, ListQueryExecutions, a new
// query, the catalog), and statements of different
// databases run at the same time. What still serialises is the statements
// of one database: each database is one in-memory SQLite connection, and
// its statements run in the order they complete by the clock, so a
// SELECT finds the table a CTAS that ended before it created. A call that
// needs a due statement's outcome therefore runs the due statements of
// that database that end before it, after any that another call is running.
// Each statement runs once (a call whose context ends gives it back). No
// call leaves a goroutine behind.
//
// # Testing
//
// conformance_test.go runs the suite against the fake in a synctest
// bubble and against the wire server. run_internal_test.go holds a
// statement mid-run at a hook (no sleeps) and checks that the other calls
// go on, that a stop or an ended context undoes it, and that concurrent
// pollers see states in order and each statement run once. Against live Athena it runs with
// CDPKIT_ATHENA_LIVE=1 and the default AWS credentials, in the database
// CDPKIT_ATHENA_DATABASE (default "default"), with results under
// CDPKIT_ATHENA_RESULTS (default: the workgroup's) and a test CTAS under
// CDPKIT_ATHENA_LOCATION (skipped when unset; its files are deleted).
package athenatest
