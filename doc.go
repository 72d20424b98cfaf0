// Package cdpkit is an embeddable SDK of clean-room and customer-data-platform
// (CDP) primitives on AWS, for teams that build a CDP on a data lake, share it
// with partners through AWS Clean Rooms and activate audiences on Meta.
//
// The root package holds no code; the work is done by small packages that are
// each useful alone and are composed by the caller:
//
//   - [github.com/cdpkit/cdpkit/zones]: raw (immutable originals), clean
//     (normalized Parquet) and curated zones plus quarantine, over a local
//     directory (the embedded default), S3 or memory.
//   - [github.com/cdpkit/cdpkit/hashing]: PII normalization per field and
//     SHA-256, byte-compatible with Meta's Custom Audience rules.
//   - [github.com/cdpkit/cdpkit/identity]: links records from many sources into
//     persons with stable ids and over-merge guards.
//   - [github.com/cdpkit/cdpkit/profile]: unified profiles (survivorship
//     with lineage), traits and segments in the curated zone.
//   - [github.com/cdpkit/cdpkit/catalog]: AWS Glue tables and partitions for
//     what the zones wrote.
//   - [github.com/cdpkit/cdpkit/cleanroom]: AWS Clean Rooms analysis rules
//     validated locally, idempotent setup and protected queries.
//   - [github.com/cdpkit/cdpkit/activation/meta]: Meta Custom Audiences with
//     batched, rate-limit aware, resumable uploads.
//   - examples/: runnable programs that compose the packages on embedded
//     defaults (no AWS account, no network).
//
// The packages fit each other without glue: catalog's RegisterDataset
// registers what zones/dataset wrote, hashing's RowsFrom hashes a
// zones/records stream, identity reads a clean-zone dataset
// (RecordsFromRows) and writes through a *zones.Store (Result.WriteTo),
// and activation/meta takes rows from a slice, digests in bulk or a
// dataset (Rows, Digests, DigestRows) and keeps its checkpoints in a zone
// (StoreCheckpoint).
//
// Errors share one vocabulary: whichever package returned an error,
// errors.Is(err, cdpkit.ErrNotFound) (or ErrInvalid, ErrAccessDenied, …)
// answers the same question, and [Category] names the category. Package
// sentinels (zones.ErrInvalidInput, meta.ErrForbidden, …) are finer kinds
// that match their category.
//
// Every package that talks to a service ships an exported fake in an xxxtest
// package of one shape: an in-memory NewXxx, an XxxServer on loopback with
// URL, Close, Config and Client, and a conformance suite RunXxx / TestXxx
// that runs against the fake, the server and, behind environment
// variables, the real service.
package cdpkit
