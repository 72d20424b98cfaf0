// Package identity resolves records from many sources (CRM rows, web
// logins, call-center logs, partner files) into persons: deterministically,
// with stable person ids across runs and guards against over-merging.
//
// A [Record] has a source, a key unique within the source, a time, and
// identifiers: a kind and a normalized or hashed value (a hashing.Cell's
// Value fits; see [Cells]). Raw PII is never needed. [Resolve] reads records
// from an iter.Seq2 ([RecordsFromRows] adapts the rows of a clean-zone
// zones/dataset, [RecordsFromArrow] Arrow record batches), links
// them with named match rules ([Rule]: one kind, or several that must all
// agree, optionally scoped to sources) and clusters them by connected
// components.
//
// Results are deterministic: clusters, links, audits and ids do not depend
// on the input order. Values are compared in full, so two persons are never
// merged by a hash collision. A record sent in several rows (or again in an
// Add batch) is one record: a conjunctive rule combines the values of all
// its rows.
//
// # Guards
//
// Guards are evaluated in this order, each decision written to an [Audit]
// record that names records and kinds, never values:
//
//  1. blocked values per kind ([Options].Blocked; empty values always);
//  2. a degree cap per kind or rule: a value shared by more records than
//     the cap links none of them;
//  3. limits per kind in priority order ([Limit]): a union that would give
//     a person more distinct values of a limited kind (two customer ids)
//     than allowed is refused;
//  4. a cluster-size cap: rules run strongest first and, within a rule,
//     values shared by fewer records first, so the edge a full cluster
//     refuses is the weakest one. When guards 3 or 4 refuse a record's
//     edge to the first record sharing a value, it is tried against up to
//     three other records of that value (those refused before it), so one
//     refusal does not cut the rest of the group apart. Refusals are
//     audited per value group, guard and limit: one [Audit] with the exact
//     count and sample records, so a hub value costs one audit record, not
//     one per refused edge;
//  5. manual overrides ([Override]) with the highest precedence: includes
//     are linked first and bypass guards 3 and 4; excludes keep two records
//     in different persons whatever links them, and are checked before
//     everything else on every union.
//
// # Person ids
//
// A new person's id is derived from its smallest record (in canonical
// order): "p" and 16 hex digits. Given the previous run's ids
// ([Options].Previous, for which [Result.Lookup] fits), a person keeps its id
// when it grows; on a merge the id of the larger (then older) part survives;
// on a split the largest part keeps it. [Result.Events] lists merges and
// splits.
//
// # Incremental mode
//
// With [Options].Incremental the Result keeps each rule's sorted index, and
// [Result.Add] resolves a new batch into it: only the batch is hashed and
// sorted; it is merged into the kept indices and the links are replayed in
// linear passes. The result equals a full Resolve over all records with
// Previous set to the old result, so ids carry over by the rules above.
//
// # Beyond one machine
//
// Package identity/sqlgen generates the same resolution (rules, blocklist,
// degree caps) as SQL for Athena or Spark: an edge table and a
// client-driven connected-components loop.
//
// # Outputs
//
// [Result] yields assignments, links (with the rule that fired), persons
// (size, sources, first and last seen), audit records and [Stats]
// (identifiers kept and blocked per kind, edges refused per guard, cluster
// size histogram, largest cluster, linkage rate). [Result.WriteTo] writes
// them as zones/dataset datasets through a *zones.Store (any backend,
// reruns replace; register them with catalog's RegisterDataset); the Write
// methods write each as one Parquet file to an io.Writer. [Bounds] fail a run whose largest cluster or
// linkage rate jumps past a configured bound.
//
// # Errors
//
// Bad options and input return errors matching [ErrInvalidInput] (and the
// category every cdpkit package shares, cdpkit.ErrInvalid); a run failed by
// [Bounds] returns a [*BoundError] matching [ErrBoundExceeded] (and
// cdpkit.ErrLimitExceeded) together with its Result. Errors from the input iterator and context are
// kept in the chain ([*Error] unwraps to them); the context is checked
// while reading, grouping, linking (every 64k group members) and assigning
// ids (every 64k records), so a cancelled call returns promptly with an
// error matching context.Canceled and no Result. Records with an empty source
// or key, or an identifier with an empty kind, are not errors: they are
// listed by [Result.Rejected] with a reason. Rules and limits naming kinds
// or sources the input never had are reported in [Stats].Warnings.
// No error, log line or audit record holds an identifier value or digest.
//
// # Concurrency
//
// Resolve uses up to [Options].Concurrency goroutines besides the caller's
// (ingest, ranking and grouping run in parallel with the caller's linking)
// and joins every one before it returns, on every path. It copies what it
// keeps, so iterators may reuse or release their buffers after yield
// returns. A [Result] is immutable and safe for concurrent use, including
// concurrent Add calls on the same Result. Memory stays near the size of
// the ingested identifiers: set [Options].ExpectedRecords when the count is
// known.
//
// # Testing
//
// Resolve is pure and in process: tests call it on records built in
// memory. The package's own tests compare clusters with a naive resolver
// over full values, check input-order independence (byte-identical
// Parquet), force compact-key collisions, exercise each guard and the id
// rules, and check that Add equals a full run. How the engine works
// (sorting, memory, prefetching) and how to run the benchmarks is in
// DESIGN.md beside this file.
package identity
