// Package sqlgen generates identity resolution as SQL for Amazon Athena and
// Spark, for data that must stay in the lake or is too large for one
// process: an edge table from the match rules (with blocked values and
// degree caps), then connected components by min-label propagation with
// pointer jumping, one CTAS per iteration driven by the client ([Plan.Run])
// because Athena caps recursive CTEs at depth 10.
//
// The clusters are the ones identity.Resolve finds for the same rules,
// blocklist and degree caps; the test runs the SQLite form on an embedded
// engine and compares. Order-dependent guards (limits, cluster-size cap,
// overrides) and stable person ids stay in Go. One difference by design: for
// a record with several values of a conjunctive rule's kinds, the SQL joins
// every combination while identity caps them at 16 per record.
//
// # Dialects
//
// The three dialects differ only where they must:
//   - CREATE TABLE ... AS: Athena adds WITH (format = 'PARQUET'[,
//     external_location]), Spark USING PARQUET, SQLite nothing;
//   - the string type in one CAST (conjunctive rules): VARCHAR, STRING,
//     TEXT.
//
// Everything else (window ROW_NUMBER, UNION ALL, GROUP BY MIN, CASE, ||) is
// common SQL all three accept.
//
// # Errors
//
// [New] rejects bad configurations with [ErrInvalidInput]; [Plan.Run]
// wraps engine errors with the stage and returns [ErrNotConverged] when
// MaxIterations is reached.
//
// # Concurrency
//
// A Plan is immutable. Run executes statements one at a time.
//
// # Testing
//
// sqlgen_test.go runs the generated SQLite SQL on modernc.org/sqlite (pure
// Go, from the module proxy, no cgo) against identity.Resolve on the same
// data; golden files in testdata/ hold the Athena and Spark scripts.
package sqlgen
