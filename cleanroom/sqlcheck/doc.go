// Package sqlcheck checks a Clean Rooms SQL query against the analysis rules
// of the tables it reads, before the query runs, as the service does when a
// protected query starts.
//
// Describe the collaboration's tables with Table (FromSpec builds one from a
// cleanroom.TableSpec, FromSchema from what GetSchema and
// GetSchemaAnalysisRule return to a collaboration member, and TablesOf
// reads every table of a collaboration, ID mapping tables included, with
// the member's Clean Rooms client) and call Check:
//
//	rep := sqlcheck.Check(query, tables, func(o *sqlcheck.Options) { o.Runner = "111122223333" })
//	if err := rep.Err(); err != nil { … } // rep.Problems lists every problem at once
//
// Check parses the query (a recursive-descent parser for the SELECT dialect
// of Clean Rooms SQL: joins, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, CTEs,
// subqueries, set operators, CAST and ::, CASE, window functions, literals
// and analysis-template parameters such as :start_date), resolves every
// column through aliases, CTEs and subqueries, and holds each use against
// the rule of the table it comes from:
//
//   - AGGREGATION: at least one aggregate in the SELECT list; aggregate
//     functions (COUNT, COUNT DISTINCT, SUM, SUM DISTINCT, AVG) only on the
//     columns the rule allows them on, and only over a plain column;
//     outside aggregates only dimension columns; join columns only in ON;
//     only the rule's scalar functions; INNER JOIN … ON col = col combined
//     with the allowed operators (AND unless the rule allows OR); a join to
//     a table of the member who runs the query when the rule requires it;
//     no CTEs, subqueries, LIMIT, CASE, DISTINCT, window functions or *.
//     The output constraints that apply are listed in Report.OutputConstraints.
//   - LIST: SELECT DISTINCT of list columns only, join columns only in ON,
//     always an inner join reaching a table of the member who queries, no
//     functions, GROUP BY, HAVING, ORDER BY, CTEs or subqueries, and only
//     the comparisons the service lists (=, <>, !=, <, >, <=, >=, IN, LIKE,
//     IS [NOT] NULL).
//   - CUSTOM: the query is an analysis template the rule allows
//     (Options.AnalysisTemplate) or the runner is an allowed analysis
//     provider; disallowed output columns never reach the result, by any
//     route (alias, expression, CTE, SELECT *); with differential privacy,
//     only AVG, COUNT, COUNT DISTINCT, STDDEV and SUM in the final SELECT and
//     the documented SQL limits (no TOP, CROSS JOIN, USING, EXISTS or IN
//     subqueries, set operators in the final SELECT, LIMIT, OFFSET or ORDER
//     BY in CTEs, ROLLUP or CUBE; CTEs output the user identifier; windows
//     partition by it; joins between differential-privacy tables equate
//     their user identifiers). Report.DifferentialPrivacy says the service
//     adds noise to such results.
//   - C3R columns (Table.C3R): fingerprint columns only in join conditions
//     and COUNT / COUNT DISTINCT, sealed columns only as plain SELECT outputs
//     (or under COUNT).
//   - ID mapping tables (Table.IDMapping, a cleanroom.IDMappingRule read
//     with GetSchemaAnalysisRule): the service-managed ID_MAPPING_TABLE rule
//     is not a rule of its own. A query reading a mapping table follows the
//     rule type of its other tables (all of one type; the mapping table
//     alone cannot be queried), and in addition the mapping table is never
//     on the side of a join whose unmatched rows are kept (t LEFT JOIN m,
//     m RIGHT JOIN t and t INNER JOIN m are allowed; m LEFT JOIN t,
//     t RIGHT JOIN m, FULL joins, and m anywhere in the left side of a
//     later LEFT JOIN are not), it is joined only with an explicit ON (not
//     a comma, CROSS JOIN, NATURAL or USING), its mapping columns appear
//     only in join conditions unless the rule lists them as dimension
//     columns, and each requireOverlap column is equated, through AND, with
//     a column of another table in an INNER, LEFT or RIGHT join. Joining
//     through a mapping table does not meet another table's join
//     requirement by itself: the path must reach a table of the member who
//     runs the query.
//
// A query may read only tables with one rule type, and every table needs a
// rule. Options.AdditionalAnalysis checks the rules' additional-analyses
// setting. Each Problem names the table and rule, a stable Reason code, the
// position in the SQL (line:column, 1-based, columns count characters) and
// the identifier involved; problems the service rejects are
// cleanroom.SeverityError, documented-but-unverified behaviour and checks
// that could not be made (no Options.Runner) cleanroom.SeverityWarning.
// Problems never contain a literal value from the query.
//
// Simulate runs a query that passes Check on sample rows (Table.Rows) with
// the embedded pure-Go SQL engine the Clean Rooms fake uses (SQLite, through
// modernc.org/sqlite: no cgo), then applies the output constraints as the
// service does: a result row (a group) whose distinct count of a
// constrained column is below the minimum is removed. The Simulation
// reports how many rows each constraint removed, never which. Queries
// through an ID mapping table join its sample rows as written: in the
// joins Check allows, a mapping row without a partner on each overlap
// side reaches no result, which is what the service's overlap enforcement
// is for (reasoned from the User Guide, not compared with the service).
// Simulate adds no differential-privacy noise, and Clean Rooms functions
// SQLite lacks fail the simulation with the engine's message.
//
// # Errors
//
// Check returns a *Report and no error; Report.Err and Problems.Err turn
// error-severity problems into an *Error of kind ErrRejected (which matches
// cdpkit.ErrInvalid) carrying all problems. Simulate returns that same
// error for a query Check rejects, an *Error of kind ErrSimulation (also
// cdpkit.ErrInvalid) when the engine cannot run the query or a table's
// sample is unusable, and ctx.Err() when the context ends.
//
// # Concurrency
//
// Check is pure and safe for concurrent use. Simulate is safe for
// concurrent use; each call has its own in-memory database, closed before
// it returns, and starts no goroutine that outlives it. A Table's Rows
// sequence is iterated once per Simulate call.
//
// # Testing
//
// The package needs no fake: Check runs on table descriptions, Simulate on
// in-memory rows. The Clean Rooms fake (cleanroomtest) runs the same Check
// before it starts a protected query, so a query that breaks a rule fails
// there as it would on the service.
package sqlcheck
