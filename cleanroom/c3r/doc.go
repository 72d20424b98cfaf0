// Package c3r implements Cryptographic Computing for Clean Rooms (C3R),
// format version 02, byte-compatible with AWS's official C3R client: it
// encrypts tables client-side before they are shared in an AWS Clean Rooms
// collaboration and decrypts query results.
//
// Each target column of a Schema is one of:
//
//   - Cleartext: copied as is (only when the collaboration allows it).
//   - Fingerprint: "02:hmac:" + Base64(HMAC-SHA256(key, value ‖ class
//     tag)). Strings, integers, booleans and dates join across types of one
//     class (an INT32 5 matches an INT64 5). Fingerprints cannot be
//     decrypted; they are what collaborators join on.
//   - Sealed: "02:enc:" + Base64(nonce ‖ IV ‖ AES-256-GCM(type tag ‖ value ‖
//     zero padding ‖ pad length)), with a random 32-byte nonce per row and
//     padding NONE, FIXED (every value padded to the same length) or MAX
//     (to the column's longest value plus a length, which needs a first
//     pass over the input).
//
// Keys come from the shared secret (at least 32 bytes, a Secret that never
// prints) and the collaboration id (the salt) by HKDF-SHA256: the sealed
// root key with info "c3r-encryption-primary-aes-gcm-256", and the HMAC
// key either the same (Settings.AllowJoinsOnColumnsWithDifferentNames) or
// one per target column ("c3r-hmac-sha256-col-" + name).
//
// Use:
//
//	settings, err := c3r.ReadSettings(ctx, cleanroomsClient, collabID) // or given
//	secret, err := c3r.SecretFromBase64(os.Getenv("C3R_SHARED_SECRET"))
//	in := c3r.Input{Format: c3r.CSV, R: file, Size: size}
//	header, err := c3r.ReadHeader(in)
//	schema, err := c3r.GenerateSchema(header, map[string]c3r.ColumnType{"email": c3r.Fingerprint}, c3r.Pad{Type: c3r.PadMax}, settings, false)
//	err = schema.Validate(settings, rule) // the configured table's analysis rule
//	enc, err := c3r.NewEncryptor(secret, collabID, settings)
//	stats, err := enc.Encrypt(ctx, w, c3r.Parquet, in, schema) // or EncryptCSV, EncryptParquet
//	pub, err := enc.Publish(ctx, store, "c3r/customers", in, c3r.Parquet, schema) // into the clean zone
//	_, err = registrar.EnsureTable(ctx, "db", "customers", c3r.CatalogSchema(pub.Stats.Output, pub.Location))
//
// and, for the result receiver, NewDecryptor with DecryptCSV,
// DecryptParquet, Rows (an iter.Seq2 of typed rows) or DecryptCell. ParseSchema and Schema.MarshalJSON read
// and write the official client's schema files.
//
// Parquet input may hold the columns the official client reads: STRING,
// INT32 (plain, INT(32), INT(16), DATE), INT64, BOOLEAN, FLOAT, DOUBLE,
// DECIMAL (on INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY) and
// TIMESTAMP (INT64, any unit, adjusted to UTC or not). A flat column of
// another type (INT96, unsigned or 8-bit integers, TIME, UUID, plain
// binary) is TypeUnknown: as with the official client it can only be
// cleartext, and is copied with its Parquet type (Options.ParquetBinaryAsString
// reads plain binary as STRING, like the client's --parquetBinaryAsString).
// Nested and repeated columns are ErrType when the schema uses them. Sealed DECIMALs carry their precision
// and scale and the text of Java's BigDecimal.toPlainString; TIMESTAMPs
// carry their unit and UTC flag; both keep them in sealed NULLs, byte for
// byte as the official client seals them. A DECIMAL whose unscaled value
// has more digits than its precision is ErrInput (the official client
// rounds it silently). DECIMAL and TIMESTAMP cannot be fingerprinted.
// Cleartext columns keep their exact Parquet type. Parquet output keeps
// the schema's column order; every column is optional. Decrypted
// TIMESTAMPs render in CSV as the official client writes them
// ("2023-11-14 22:13:20.123000"), always in UTC, where the official client
// uses the JVM's zone for timestamps not adjusted to UTC. Sealed CHAR and
// VARCHAR values from other producers decrypt too.
//
// Encryption enforces the collaboration's settings: cleartext columns need
// AllowCleartext; without AllowDuplicates a fingerprint column may not
// repeat a value (nor hold two NULLs unless PreserveNulls); with
// PreserveNulls NULL stays NULL, otherwise a NULL fingerprint is random and
// a NULL sealed value is an encrypted NULL marker. Limits are checked
// before anything reaches the destination: 1,600 output columns, padding of
// at most 10,000 bytes, padded plaintext of at most 12,000 bytes, cells of
// at most 16,383 bytes. CSV input follows the official client: unquoted
// values are trimmed, quoted ones are not, empty lines are skipped, and an
// empty cell or "" is NULL unless Options.CSVNullValue says otherwise.
//
// Output rows are shuffled (ordered by their random nonce, as the official
// client orders them) with bounded memory: rows stay in memory up to
// Options.MemoryBudget (64 MiB by default), then spill to 256 bucket files
// under Options.TempDir by the nonce's first byte; at the end each bucket
// is sorted in memory and emitted in turn, and a bucket larger than the
// budget is first range-split by its next byte. Since nonces are uniform,
// buckets hold about 1/256 of the rows each, so memory stays near the
// budget plus the spill buffers (256 × 16 KiB per spilled stream) whatever
// the row count: 10 million rows peaked at 36 MiB of heap with an 8 MiB
// budget. Duplicate detection spills the HMAC digests the same way and
// compares neighbours. Nothing reaches the destination before the last
// row passed every check, and the temp files are removed before the call
// returns.
//
// # Errors
//
// Every failure is an *Error naming the operation, the target column and
// the 1-based input row where they apply, never a value or a digest. It
// matches one kind with errors.Is — ErrSecret, ErrSchema, ErrNotAllowed,
// ErrLimit, ErrDuplicate, ErrType, ErrInput, ErrFormat (a malformed or
// legacy "01:enc:" sealed cell), ErrDecrypt (a tampered or foreign sealed
// cell), ErrCanceled — and through them cdpkit's categories
// (cdpkit.ErrInvalid, cdpkit.ErrLimitExceeded, cdpkit.ErrCanceled). Causes
// (I/O errors, ctx.Err(), SDK errors from ReadSettings) stay in the chain.
//
// # Concurrency
//
// Encryptor and Decryptor are safe for concurrent use; each call runs on
// the caller's goroutine and starts none. Calls check their context every
// 1,024 rows.
//
// # Testing
//
// The tests reproduce the official client's published vectors byte for
// byte and decrypt its published sample file (testdata). ReadSettings
// takes CleanRoomsAPI, which cleanroomtest's fake satisfies; Publish takes
// a zones.Store (memzone in tests) and CatalogSchema feeds
// catalog.Registrar (catalogtest.Glue in tests).
package c3r
