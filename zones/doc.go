// Package zones stores a data lake's files in zones: raw (immutable
// originals), clean (normalized Parquet), curated (identity, profiles,
// segments) and quarantine (rejected rows with their reasons), on a local
// directory (filezone, the embedded default), S3 (s3zone) or memory
// (memzone).
//
// A [Store] is the portable, concrete handle; a [Backend] is the small
// contract the storage implements. Every key goes through one validation
// ([ValidateKey]) and is scoped to its zone ("<zone>/<key>" in the
// backend), so a zone's keys are never visible through another zone and no
// key can escape with "../". Options.Backends can route zones to separate
// backends (one bucket per layer, as AWS recommends).
//
// Writes are create-only everywhere: filezone writes a temp file, fsyncs it
// and links it into place (link fails instead of replacing); s3zone sends
// If-None-Match: * on PutObject and CompleteMultipartUpload; memzone checks
// under a lock. Of concurrent writers of one key exactly one wins, the
// others get [ErrAlreadyExists], and a failed or cancelled write leaves no
// partial object visible.
//
// [Store.PutRaw] lands an original file once, content-addressed:
//
//	raw/source=<src>/ingest_date=YYYY-MM-DD/sha256=<hex>.<ext>
//
// with a [Manifest] (source, size, digest, time, original name) under
// raw/_manifests/. Ingesting bytes the same source already delivered
// returns the existing object.
//
// Generated files (Parquet in zones/dataset, quarantine files) are
// published with [Output]: spooled with bounded memory, named from their
// content, written create-only, and only then are the files an earlier run
// over the same input left removed ([Store.RemoveStale]). A rerun replaces
// rather than duplicates, and nothing is deleted before its replacement
// exists. Rejected rows go to the quarantine zone through a
// [RejectWriter] as JSON Lines (file, line, column, reason; never values)
// and are read back with [Store.Rejections].
//
// Related packages: zones/dataset writes and reads typed Parquet datasets
// and describes their schemas for Glue; zones/records streams raw CSV and
// JSON Lines into records, sending malformed lines to quarantine.
//
// # Errors
//
// Failures are *[Error] values ("zones: put \"raw/k\": already exists")
// that name the key, never data. They match one category with errors.Is —
// [ErrNotFound], [ErrAlreadyExists], [ErrInvalidInput], [ErrImmutable]
// (deleting from raw), [ErrConflict], [ErrThrottled], [ErrAccessDenied] —
// each of which also matches the category every cdpkit package shares
// (cdpkit.ErrNotFound, cdpkit.ErrInvalid, cdpkit.ErrAccessDenied, …), and
// keep the cause (an S3 smithy API error, an *fs.PathError, ctx.Err()) in
// the chain for errors.As.
//
// # Concurrency
//
// A Store and the built-in backends are safe for concurrent use, also
// across processes sharing a directory or bucket. No call leaves a
// goroutine running after it returns. An [Output] is for one goroutine; a
// [RejectWriter] may be shared.
//
// # Testing
//
// zones/zonestest has the conformance suite every Backend passes
// (zonestest.RunBackend), zonestest.New(t) for a ready in-memory Store, and
// zonestest.NewFaulty for fault injection. zones/s3zone/s3zonetest runs an
// in-process S3 server.
package zones
