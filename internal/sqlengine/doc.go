// Package sqlengine runs a SQL query over in-memory tables on an embedded,
// pure-Go SQLite (modernc.org/sqlite), so fakes and local checks can
// execute the SQL a Clean Rooms protected query would run, without cgo and
// without a service.
//
// Run loads each Table into a fresh in-memory database and returns the
// whole Result; Stream hands the rows to a callback as they are produced.
// Tables come from Go rows (RowsOf), a Parquet file (ParquetTable,
// ReadParquet) or every Parquet object under a zones.Store location
// (StoreTable). WriteParquet and WriteCSV write a result the way the
// service writes protected-query output.
//
// # Types and values
//
// Column types are Glue (Hive) type names. Row values are Go values of
// the column's type, nil for NULL:
//
//	string, varchar(n), char(n)        string
//	bigint, int, smallint, tinyint     int64 (any Go integer up to 32 bits or int/int64 is accepted)
//	double, float, decimal(p,s)        float64 (integers accepted)
//	boolean                            bool
//	date                               time.Time (midnight UTC; a "yyyy-mm-dd" string is accepted)
//	timestamp                          time.Time (UTC, microseconds)
//	binary                             []byte
//
// Result columns that are plain table columns keep their declared type;
// computed columns (aggregates, expressions) are typed from their values:
// bigint, double, string, binary. Dates and timestamps computed by an
// expression come back as strings, booleans computed by an expression as
// bigint 0/1.
//
// # Dialect
//
// The engine is SQLite's, so what Clean Rooms SQL shares with it works:
// SELECT with joins, subqueries and CTEs, GROUP BY/HAVING, COUNT(DISTINCT),
// SUM, AVG, MIN, MAX, CASE, COALESCE, CAST, window functions, LIMIT, the
// string and math functions. Named parameters are written :name, as in
// analysis templates (Options.Params). These functions are added: nvl,
// nvl2, left, right, len, strpos, split_part, sha2(x, 224|256|384|512),
// date_trunc(unit, x), and the aggregates approx_count_distinct (exact),
// stddev, stddev_samp, stddev_pop, variance, var_samp and var_pop. What
// SQLite does not parse (EXTRACT, ILIKE, INTERVAL literals, typed DATE
// literals) fails with the engine's message, as a SQL error on the service
// would. The engine does not apply any analysis rule: that is the caller's
// job.
//
// # Errors
//
// A query the engine rejects or fails is an *Error of kind ErrQuery whose
// Message is the engine's message (for example "no such column: x"); an
// unusable table (unsupported type, a row that does not match its columns,
// an unreadable Parquet file) is ErrTable. Both match cdpkit.ErrInvalid.
// Messages name tables, columns and row numbers, never values. A cancelled
// or expired context is returned as ctx.Err(): loading looks at the context
// every 1,024 rows (its statements run without it, which spares the engine a
// watcher goroutine per statement), the query is interrupted at once.
//
// # Concurrency
//
// Run and Stream are safe for concurrent use; each call has its own
// database, and everything it opened is closed when it returns. The
// functions above are registered on a driver private to this package, not
// on the process-wide "sqlite" driver. A Table's Rows sequence is iterated
// once per call.
//
// # Testing
//
// The package needs no fake: tests run queries over RowsOf tables or
// Parquet files written with WriteParquet into memory or a memzone store.
package sqlengine
