// Package identity resolves records from many sources (CRM rows, web
// logins, call-center logs, partner files) into persons: deterministically,
// with stable person ids across runs and guards against over-merging.
//
// A [Record] has a source, a key unique within the source, a time, and
// identifiers: a kind and a normalized or hashed value (a hashing.Cell's
// Value fits; see [Cells]). Raw PII is never needed. [Resolve] reads records
// from an iter.Seq2 ([RecordsFromArrow] adapts Arrow record batches), links
// them with named match rules ([Rule]: one kind, or several that must all
// agree, optionally scoped to sources) and clusters them by connected
// components with union-find (union by size, path halving).
//
// # How linking works
//
// Each identifier value (or combination, for a conjunctive rule) is encoded
// once and given a 64-bit compact key: a 64-digit hex digest is decoded to
// 32 bytes whose first 8 are the key; other values are hashed. Each rule's
// occurrences are partitioned by the keys' top bits as they arrive, then
// each small partition is radix-sorted in cache, so records sharing a value
// sit next to each other; equal keys are then checked against the full
// values, so a compact-key collision can never merge two persons. Records are
// ordered canonically by a hash of source and key, and rules, values and
// records are visited in that canonical order, so the result (clusters,
// links, audits, ids) does not depend on input order or map iteration.
//
// A record sent in several rows (or again in an Add batch) is one record:
// a conjunctive rule combines the values of all its rows. Each row's own
// combinations are made as it arrives; rows lacking a kind of the rule or
// carrying more than 16 combinations also keep their values aside, and
// once records are ranked the records of several rows get the
// combinations only their pooled values make.
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
// size histogram, largest cluster, linkage rate). The Write methods write
// each as a Parquet dataset. [Bounds] fail a run whose largest cluster or
// linkage rate jumps past a configured bound.
//
// # Errors
//
// Bad options and input return errors matching [ErrInvalidInput]; a run
// failed by [Bounds] returns a [*BoundError] matching [ErrBoundExceeded]
// together with its Result. Errors from the input iterator and context are
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
// Resolve uses up to [Options].Concurrency goroutines besides the
// caller's. With Concurrency >= 2 (the default on a multi-core machine)
// ingest runs the iterator and decodes identifiers on the caller's
// goroutine while one more goroutine stores the records and files the
// occurrences into the rules' buckets;
// with [Options].ReadAhead instead, the caller's goroutine only reads the
// input while a second one does all the storing (each batch of records is
// copied first). Either way Resolve copies what it keeps, so iterators may
// reuse or release their buffers after yield returns. Large runs rank
// records in two halves; the rules are grouped in parallel (large ones in
// two halves), in the background, while the caller's goroutine links each
// rule as soon as its groups are final. Every goroutine is joined before
// Resolve returns, on every path.
//
// In a large run (ingest buckets of 256 MB or more, about 7M identifier
// occurrences) Resolve collects garbage (runtime.GC) after each rule is
// grouped and once grouping ends, so that later rules, linking and the
// result reuse the memory of the buckets grouped: this holds peak memory
// near the ingest footprint instead of twice it. Without
// [Options].ExpectedRecords it also collects after every 64 MB of arrays
// outgrown during ingest. The arrays hold no pointers, so a collection
// takes milliseconds. On Linux the
// large arrays a run fills are faulted in with one madvise each rather
// than a page fault per 4 KiB (see [Options].HugePages). A [Result] is
// immutable and safe for concurrent use, including concurrent Add calls on
// the same Result.
//
// # Testing
//
// Tests compare clusters with a naive resolver over full values, check
// input-order independence (byte-identical Parquet), force compact-key
// collisions with 1- to 12-bit keys, exercise each guard and the id rules
// for growth, merge and split, and check that Add equals a full run.
// Benchmarks generate realistic synthetic data (3 digests per record, about
// 1.5 records per person, household phones shared by four persons, a junk
// email hub) and report records/s, CPU seconds and peak RSS per record:
//
//	go test -run '^$' -bench 'Resolve/10M/plain$' -benchtime 1x ./identity/
//
// Run one size per process so peak RSS belongs to it. The generator writes
// into reused buffers and costs about 0.1 s per million records; gen-s
// reports one untimed pass of it and resolve-records/s excludes it.
package identity
