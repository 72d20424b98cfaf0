// Package athenarun runs identity resolution on Amazon Athena, for lakes
// too large for one process or data that must not leave the lake: it
// drives the SQL that identity/sqlgen generates (connected components by
// min-label propagation, one CTAS per iteration) and brings the clusters
// back into Go for identity's stable person ids.
//
//	r, err := athenarun.New(athena.NewFromConfig(cfg), s3.NewFromConfig(cfg), func(o *athenarun.Options) {
//		o.Database = "lake"
//		o.ResultLocation = "s3://my-bucket/athena-results/"
//	})
//	res, err := r.Resolve(ctx, "load-2026-12-07", sqlgen.Config{
//		Records: "records", Identifiers: "identifiers", Output: "resolved",
//		Location: "s3://my-bucket/identity-tmp/", Rules: rules,
//	})
//	persons, err := r.Persons(ctx, res, func(o *identity.Options) { o.Previous = previous.Lookup })
//
// Resolve creates the node and edge tables, label tables cc_0, cc_1, ...
// until a count query finds no label changed, and the output table
// (source, record_key, cluster_source, cluster_key); it drops each label
// table once the next two exist, and at the end drops every temporary
// table and deletes its files (Athena's DROP TABLE leaves them). Persons
// reads the output (through GetQueryResults, or with
// Options.ReadOutputFiles from the table's Parquet files in S3) and runs identity.Resolve over it with one rule on the
// cluster, so a person's id comes from its smallest record exactly as in
// process, and Options.Previous carries ids over across runs by the same
// rules. The clusters are those identity.Resolve finds for the same rules,
// blocklist and degree caps (sqlgen's limits apply: no Limits,
// MaxClusterSize or Overrides, and a conjunctive rule joins all
// combinations of a record's values where identity caps them at 16).
//
// # Restarts
//
// Everything a run creates is named from its run id, which should name
// the input (a load or snapshot id):
//   - every statement is started with ClientRequestToken = Token(run id,
//     step, statement), so a restarted process that repeats a start gets
//     the query the first process started (waiting for it if it still
//     runs) instead of a second one;
//   - temporary tables are named <Prefix><hash of run id>_nodes, _edges,
//     _cc_<i>; a restarted Resolve lists them and adopts those that exist,
//     resuming after the last label table;
//   - each CTAS attempt writes under <Location><hash>/<table>/<token>/, a
//     location no other attempt uses, since Athena refuses a CTAS into a
//     non-empty location (HIVE_PATH_ALREADY_EXISTS, the failure that
//     breaks dbt-athena retries);
//   - a finished run adopts its output and starts nothing.
//
// A query that fails for good fails the same way when restarted with the
// same run id (the token returns it); fix the cause and use a new run id.
// Queries Athena marks retryable, and queries an earlier process's
// cancellation left CANCELLED, are started again under a new token, up to
// Options.MaxAttempts.
//
// # Cost
//
// Every step reports DataScannedInBytes and Athena's execution time
// through Options.Progress and in Result.Steps. A run is 3 setup CTAS, per
// iteration one CTAS and one count over the edge and label tables (and,
// from the second, the DROP of an old label table), the output CTAS and
// four final DROPs: 3·I + 7 queries for I iterations (10–25 in practice,
// set by the largest component's diameter), and one more when Persons
// reads the output. COST.md beside this file
// gives the model: about 300–530 GB scanned ($1.50–$2.65 at $5/TB) at 100
// million records and 3–5.3 TB ($15–$27) at a billion, most of it the
// edges step, and the limits to plan for at that scale.
//
// # Errors
//
// Errors match the shared cdpkit categories with errors.Is: ErrInvalid
// for bad configuration or a user error in a query, ErrNotFound for a
// missing database, table or bucket, ErrAccessDenied for a missing
// permission, ErrThrottled (and ErrLimitExceeded for the active-query
// limit) when throttling outlasts MaxRetries, ErrUnavailable for service
// faults, ErrAlreadyExists for an output table this run did not write,
// ErrFailed for a FAILED query (with *QueryError giving the step, query
// id, state-change reason and Athena's error category), ErrNotConverged
// (an ErrLimitExceeded) when MaxIterations is reached. A call that fails
// is an *Error with the SDK error in its chain. When ctx ends, the
// running query is stopped and the error wraps ctx's. Error messages
// print the leading error name of a state-change reason, never the rest,
// which may quote data.
//
// # Concurrency
//
// A Runner is safe for concurrent use; each call runs its statements one
// at a time on the calling goroutine and starts no goroutines. Two
// Resolve calls with the same run id at once are not safe: they would
// adopt each other's half-made tables.
//
// # Testing
//
// Package athenatest has an in-memory Athena that runs the SQL on an
// embedded SQLite engine (pure Go), walks queries through QUEUED, RUNNING
// and their end on a clock the test controls (testing/synctest), injects
// throttling, the concurrency limit, QUEUED flaps and failures, and serves
// the same over the wire for a real *athena.Client. The tests compare
// Resolve with identity.Resolve on the same data, and kill and restart
// runs after 2, 5, 9 and 14 queries.
package athenarun
