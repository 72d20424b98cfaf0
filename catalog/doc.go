// Package catalog registers Parquet datasets in the AWS Glue Data Catalog:
// databases, tables, schema evolution and partitions, so Athena, Redshift
// Spectrum, Glue ETL, EMR and Clean Rooms can query them.
//
// A [Registrar] wraps anything that implements [GlueAPI] (a *glue.Client, or
// catalogtest.Glue in tests). It takes plain values: a table is described by
// a [Schema] (columns with Hive types, partition keys, S3 location,
// compression, description, table parameters, optional Athena partition
// projection), never by types of other cdpkit packages.
//
//	r := catalog.New(glue.NewFromConfig(cfg))
//	_, err := r.EnsureDatabase(ctx, catalog.Database{Name: "lake"})
//	ch, err := r.EnsureTable(ctx, "lake", "orders", schema)
//	res, err := r.AddPartitions(ctx, "lake", "orders", parts)
//
// The table written is exactly the Parquet definition of AWS SDK for pandas
// (awswrangler) and the Glue crawler: EXTERNAL_TABLE, ParquetHiveSerDe with
// serialization.format=1, MapredParquetInputFormat/OutputFormat,
// classification=parquet, compressionType, typeOfData=file,
// CrawlerSchemaDeserializerVersion=1.0, NumberOfBuckets -1, an explicit
// (possibly empty) partition key list and projection.enabled. See
// [Schema.TableInput].
//
// It fixes what that reference implementation's users run into:
//
//   - Reruns are free: EnsureDatabase and EnsureTable read first and write
//     only when something differs; AddPartitions and DeletePartitions look
//     partitions up with BatchGetPartition and write only what is missing or
//     present (AlreadyExists and EntityNotFound answers from a race count as
//     success).
//   - Parallel writers do not lose schema updates: UpdateTable carries the
//     VersionId that was read; on ConcurrentModificationException the table
//     is re-read and the change merged again, with backoff.
//   - Frequent updates do not exhaust Glue's 100,000 table versions:
//     SkipArchive is true unless Options.ArchiveVersions, and
//     [Registrar.PruneTableVersions] trims tables that already archive.
//   - Schema changes are explicit: new columns are appended; a type change,
//     a removed column, other partition keys or bucketing, or another
//     location is a [*SchemaError] unless the caller opts in (Options.AllowTypeChanges,
//     Options.MissingColumns, Options.AllowLocationChange).
//   - Partition values are Hive-escaped in paths ([EscapePathValue]), empty
//     values map to __HIVE_DEFAULT_PARTITION__, and partition locations must
//     lie under the table location; a partition already registered
//     elsewhere is reported, not ignored, or moved with
//     Options.RelocatePartitions (commit a rewrite by switching the
//     location).
//   - Names are checked before any call ([ValidateName], [ValidateType]),
//     and so are comments (255 characters), descriptions (2048) and
//     parameters (keys 255, values 512000) against Glue's limits;
//     [SanitizeNames] turns arbitrary column names into valid ones and
//     reports every rename instead of applying it silently.
//
// Partitions are created and relocated in batches of 100, looked up in
// batches of 1000 and deleted in batches of 25 (Glue's limits), with up to Options.Concurrency batches in flight.
// [Registrar.Databases], [Registrar.Tables], [Registrar.Partitions] and
// [Registrar.PartitionsMatching] (a server-side filter expression) are
// iterators built on the SDK paginators; [Registrar.ListTables] and
// [Registrar.ListPartitions] return one page and a token for callers that
// checkpoint.
//
// # Concurrent writers
//
// Writers that each add their own columns to a table at the same time all
// land with the default options. A writer that writes only a subset of the
// table's columns, and may start after another writer has added one, must
// set Options.MissingColumns to [MissingColumnsKeep]; otherwise the column it
// does not know is reported as removed. (Columns added by others between
// this call's read and its write are always kept.) The optimistic check
// relies on Glue changing VersionId on every update, including with
// SkipArchive; catalogtest's conformance suite checks exactly that, and can
// be run against real Glue.
//
// # Errors
//
// Every failure is a [*Error] naming the operation, database and table. It
// matches one category with errors.Is — [ErrNotFound], [ErrAlreadyExists],
// [ErrConflict], [ErrInvalidInput], [ErrIncompatibleSchema], [ErrThrottled],
// [ErrLimitExceeded], [ErrAccessDenied], [ErrUnavailable] — and keeps its
// cause: errors.As reaches the Glue exception (*types.EntityNotFoundException,
// *types.ConcurrentModificationException ...) inside the SDK's
// *smithy.OperationError, or this package's typed errors: [*NameError],
// [*TypeError], [*InputError], [*SchemaError], [*BatchError] (the
// per-item failures of a batch, by input index). Context cancellation
// is reported as such (errors.Is(err, context.Canceled)). Messages never
// contain partition values or data: on partition calls Glue's own message
// (which may quote values or the filter expression) is withheld from
// Error() and shown as the operation and error code only; errors.As still
// reaches the exception and its Message.
//
// Throttling, transient service faults and concurrent modifications are
// retried up to Options.MaxAttempts with Options.Backoff; waits end early
// when the context is done.
//
// # Concurrency
//
// A Registrar is safe for concurrent use. Batch calls run in goroutines
// bounded by Options.Concurrency and joined before the call returns; no
// goroutine outlives a call. Iterators fetch lazily on the caller's
// goroutine.
//
// # Testing
//
// Package catalogtest provides an in-memory Glue with Glue's semantics
// (catalogtest.NewGlue), an httptest server speaking Glue's JSON protocol for
// a real *glue.Client (catalogtest.NewGlueServer), and the conformance suite
// both pass (catalogtest.RunGlue), which also runs against real Glue when
// CDPKIT_GLUE_LIVE=1.
package catalog
