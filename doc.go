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
//   - profile (planned): unified profiles, survivorship, traits and segments;
//     examples/pipeline shows a simple survivorship in the meantime.
//   - [github.com/cdpkit/cdpkit/catalog]: AWS Glue tables and partitions for
//     what the zones wrote.
//   - [github.com/cdpkit/cdpkit/cleanroom]: AWS Clean Rooms analysis rules
//     validated locally and idempotent setup (protected queries are planned).
//   - [github.com/cdpkit/cdpkit/activation/meta]: Meta Custom Audiences with
//     batched, rate-limit aware, resumable uploads.
//   - examples/: runnable programs that compose the packages on embedded
//     defaults (no AWS account, no network).
//
// Every package that talks to a service ships an exported fake in an xxxtest
// package (zonestest, catalogtest, cleanroomtest, metatest) and a conformance
// suite that runs against both the fake and the real service.
package cdpkit
