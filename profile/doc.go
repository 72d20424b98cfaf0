// Package profile builds unified customer profiles from resolved
// identities and clean-zone rows: survivorship per field with lineage,
// computed traits, the person's hashed identifiers, and segments whose
// members become Meta Custom Audience rows. Results go to the curated zone
// as typed Parquet datasets, described for the Glue Data Catalog.
//
// # Building
//
// Declare a [Spec]: the input [Column]s, the profile [Field]s with a
// survivorship [Policy] each (SourcePriority with recency fallback,
// MostRecent, Oldest, MostFrequent, Min, Max, Sum, Count, UniqueList),
// caller-defined [Trait]s (typed aggregates over a person's rows,
// optionally per source and within a time window) and [Segment]s. Then:
//
//	b, err := profile.NewBuilder(spec, func(o *profile.Options) { o.RunAt = runTime })
//	defer b.Close()
//	res, err := b.Build(ctx, idres.Assignments(), profile.Concat(crmRows, webRows))
//	for p, err := range res.Profiles(ctx) { ... }
//
// Build takes identity's record-to-person assignments ([identity.Result]'s
// Assignments fits) and [Row]s from any number of clean-zone datasets
// ([DatasetRows] and [PartitionedRows] adapt a zones/dataset Dataset),
// keyed by source and record key. The assignments are indexed in memory
// (32 to 64 bytes per record); the rows are encoded, partitioned by person
// and spilled to Options.TempDir past Options.MemoryBudget, then each
// partition is sorted by person and processed on its own, so memory does
// not grow with the rows. A Builder keeps its Results' files until Close:
// use one Builder per run (and the Updates that follow it).
//
// Every surviving value keeps its [Lineage] (source, record key, observed
// at). Ties break deterministically: rows are ordered by time, source
// name, record key, then content, and each policy's rule (the most recent
// of the highest-priority source, the most recent row of the most
// frequent value, ...) follows from that order. Profiles come out ordered
// by a fixed hash of the person id, then the id. So the same input in any
// order gives the same profiles and byte-identical datasets.
//
// Traits: rows per source, first and last seen, recency in days, frequency
// (rows within Options.FrequencyWindow), and the Spec's aggregates. A
// profile carries the person's identifiers (hashed digests, or normalized
// MADID and EXTERN_ID values) per key, most recent first, at most
// Options.MaxIdentifiersPerKey per key; the rest are counted, never
// silently lost.
//
// # Segments
//
// A segment is an [Expr] over fields, traits and built-in names (records,
// records.<source>, first_seen, last_seen, recency_days, frequency,
// sources, source_count, id.<KEY>; see [Spec]): and, or, not,
// comparisons, in, exists and time windows relative to the run time. Build
// it in Go ([And], [Eq], [Within], ...) or parse its text form:
//
//	spend >= 100 and last_seen within 30d and not (country in ("FR", "DE"))
//
// [Parse](e.String()) gives back an expression [Expr.Equal] to e. Parse
// errors are [*ParseError] values with line, column and byte offset.
//
// [Result.Members] lists a segment's members; [Diff] compares two runs'
// memberships (entered, exited) in one streaming merge. [MetaRows],
// [Result.AudienceRows] and [AudienceChanges] turn members into
// activation/meta rows with every identifier the profiles have
// ([Result.AudienceSchema]): feed them to meta.Uploader's Replace, or Add
// and Remove.
//
// # Incremental
//
// [Builder.Update] takes a Result, the new identity resolution's lookup,
// the events of identity's Add (merged, split) and the new rows, and
// rebuilds only the persons they touch (and, transitively, the persons
// their previous records now belong to); everyone else keeps the previous
// profile. The Result equals what Build gives on all the rows with the
// new assignments, byte for byte once written. Rows rejected earlier
// because their record had no person are tried again. Update computes
// with the Builder's run time: for a new run time, Build again.
//
// # Output
//
// [NewDatasets] describes five curated-zone datasets (profiles,
// profile_fields with lineage, profile_traits, profile_identifiers and
// segment_members partitioned by segment) and profile_rejections in the
// quarantine zone. [Datasets.Write] writes a Result in one pass; file
// names depend on content only, so a rerun replaces the previous files
// instead of duplicating them. [Datasets.Tables] describes them as catalog
// Schemas and [Datasets.Register] registers them in Glue. [WriteWide]
// writes profiles to a dataset of the caller's own row type (a wide table
// with a column per field).
//
// # Errors
//
// A bad Spec returns an error matching [ErrInvalidInput] (and
// cdpkit.ErrInvalid); a name a policy, trait or segment refers to that the
// Spec does not declare matches [ErrUnknownName] too; a segment text that
// does not parse is a [*ParseError] matching [ErrSyntax]. Input rows that
// cannot be used are not errors: [Result.Rejected] lists them with a
// reason (no person for the record, a value of the wrong type, too many
// values, an empty source or key), [Stats].Rejected counts them and
// [Datasets.Write] writes them to the quarantine zone. Errors from the
// input iterators and the context stop a call and are kept in the chain
// of the returned [*Error]. Reading a Result of a closed Builder returns
// an error matching [ErrClosed]. No error holds a field value or digest.
//
// # Concurrency
//
// Build reads its iterators on the caller's goroutine; with
// Options.Concurrency of 2 or more, one more goroutine indexes the
// assignments and files the rows meanwhile. Partitions are then processed
// on up to Options.Concurrency goroutines. Update reads and rebuilds on
// the caller's goroutine. Profiles computes partitions ahead on as many,
// and Datasets.Write runs its writers concurrently. Every goroutine is joined before the call (or the
// iteration) returns, also when the caller stops early. A Result is
// immutable and safe for concurrent use; a Builder may run several builds
// at once. Close the Builder when done: it removes the spill and state
// files, and its Results can no longer be read.
//
// # Testing
//
// Tests check every policy and trait against a naive implementation on
// random rows full of ties; byte-identical datasets for shuffled input,
// for memory budgets that spill or not, and for any concurrency; Update
// against a full Build after identity Add batches with merges (skipped
// with -short) and after split and merge events; reruns replacing files;
// Glue registration on catalogtest; the text form's round trip, error
// positions and a fuzz target (FuzzParse); and audience rows uploaded
// through meta.Uploader on metatest. The examples run on an in-memory
// zone store. The benchmark builds 100k, 1M or 10M rows (about 1.5 per
// person, five fields, five traits, three segments) and a 1% Update, and
// reports CPU seconds and peak RSS; run one size per process:
//
//	go test -run '^$' -bench 'Build/1M$' -benchtime 1x ./profile/
package profile
