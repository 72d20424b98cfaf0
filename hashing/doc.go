// Package hashing normalizes customer PII per field and hashes it with
// SHA-256, byte-compatible with Meta's Custom Audience rules (scheme
// "meta-sha256-v1"), as fixed by the project's NORMALIZATION.md.
//
// # Errors
//
// Every rejected value returns an error matching [ErrInvalid]; errors.As to
// [*Error] gives the key, a [Reason] code and the position. Errors never hold
// the value itself.
//
// # Concurrency
//
// All functions are safe for concurrent use.
//
// # Testing
//
// Golden vectors live in testdata/; fuzz targets check that normalization
// never panics and is idempotent.
package hashing
