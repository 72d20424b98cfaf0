// Package dataset writes and reads typed Parquet datasets of Go structs in a
// zone of a zones.Store, with the settings AWS Glue, Athena and older Spark
// readers need, and describes each dataset's schema for a catalog.
//
// A [Dataset] of T lives under "<name>/" in the clean, curated or quarantine
// zone. Files are written with parquet-go: data page V1, PLAIN strings
// (dictionary for fields tagged `dict`), millisecond timestamps (other units
// are rejected by New), bounded row groups, snappy by default, and key-value
// metadata recording the dataset name and, per column, the hashing scheme
// of hashed values (`cdpkit:"scheme=meta-sha256-v1"` tags or
// Options.HashSchemes, stored as "cdpkit.hash_scheme.<column>"), column
// comments ("cdpkit.comment.<column>") and the partition keys
// ("cdpkit.partition_keys"). Hashed columns carry no min/max statistics:
// bounds of uniformly spread digests prune nothing.
//
// Partitioned datasets use Hive paths (country=FR/), values escaped as Hive
// does (zones.EscapePartition); the partition columns are not stored in
// the files, and Options.SetPartition puts them back into the rows read. File names are deterministic —
// part-<input group>-<seq>-<content hash>.snappy.parquet, where the input
// group is derived from the Write's input identifier — so a rerun over the
// same input leaves identical files untouched and replaces changed ones:
// the new files are published create-only first, and only then are the
// input's older files removed. Nothing is deleted before its replacement
// exists; readers may briefly see both. A dataset owns only the files at
// its partition depth, so a dataset named "crm/contacts" is never read,
// listed or cleaned up by one named "crm".
//
// Dates are [Date] fields tagged `parquet:"name,date"`: days since
// 1970-01-01, a Glue "date" column ([DateOf] and [Date.Time] convert). A
// time.Time tagged date is refused, because parquet-go would store it as
// truncated nanoseconds. Unsigned integers are refused too (older Spark and
// Glue readers reject UINT_n columns): use the next signed width. Column
// and partition names must be 1-127 lowercase letters, digits and
// underscores, what both Glue/Athena and Clean Rooms accept, so a dataset
// is refused when it is declared rather than after its files are written.
//
// [Dataset.Schema] returns a [Schema] of plain strings (columns with
// Hive/Glue types, partition keys, location, compression, parameters);
// catalog's Registrar.RegisterDataset registers a dataset (its table and
// the partitions its files are in) in one call.
//
// Memory is bounded: rows stream in as an iter.Seq2, each open file holds
// at most one row group, and finished files are spooled to disk
// (zones.Output) before publishing. Reading streams row by row.
//
// # Errors
//
// New rejects types Glue cannot represent or Spark cannot read (unsigned
// integers, a time.Time tagged date, non-millisecond timestamps, TIME, UUID
// and other logical types without a Hive equivalent, non-struct T) and
// names Glue or Clean Rooms would refuse with zones.ErrInvalidInput (which
// matches cdpkit.ErrInvalid). Write returns the
// row source's error or ctx.Err() (publishing nothing), or a *zones.Error
// from the store. Reading a corrupt or mismatched file yields an error
// matching zones.ErrInvalidInput; parquet-go panics on such input are
// recovered and turned into errors.
//
// # Concurrency
//
// A Dataset is safe for concurrent use. Writes for different inputs are
// independent; concurrent Writes for the same input race (each removes the
// other's files as stale), so serialize them per input.
//
// # Testing
//
// Use zonestest.New(t) for an in-memory store. The package's tests read
// every file format property back with parquet-go and with arrow-go's
// Parquet reader (a second implementation).
package dataset
