// Package meta uploads customer-file Custom Audiences to Meta's Graph API:
// add, remove and replace members from rows of hashed cells, in sessions of
// batches of at most 10,000 rows, with retries, rate-limit pacing and
// resumable checkpoints, so that no row is lost.
//
// The pieces:
//
//   - [Client] is a Graph HTTP client: token in the Authorization header,
//     optional appsecret_proof, JSON bodies for POST and DELETE (payloads
//     never go in the query string), tolerant decoding of responses, and
//     typed errors. It makes one HTTP request per call.
//   - [AudienceAPI] is the seam the [Uploader] consumes; *Client implements
//     it over HTTP and metatest.Graph in process.
//   - [Uploader] streams rows (iter.Seq2[[]hashing.Cell, error]) into
//     batches, always with a multi-key schema, is_raw true, a stable column
//     order and a session (random positive session_id, batch_seq from 1,
//     last_batch_flag on the last batch, optional estimated_num_total).
//   - [Checkpoint] records acknowledged batches so a crashed upload resumes
//     without re-sending them: [StoreCheckpoint] keeps it in a zone of a
//     *zones.Store (S3, a local directory, memory), [FileCheckpoint] in a
//     local directory.
//   - [Client.EnsureAudience] finds the audience a previous run created by
//     its name, and creates it only when it is missing.
//
// Rows are []hashing.Cell. Only package hashing can make a non-missing
// cell, so unhashed PII cannot reach a payload through this package;
// [HashedRows] plugs hashing.Hasher.Rows straight into an upload.
//
// # Never losing a row
//
// Every row the input yields is either rejected before sending (reported in
// Result.Rejects and Options.OnReject, with its index and a reason) or sent
// in a batch that Meta acknowledged; otherwise the call returns an error.
// Batch boundaries depend only on the accepted rows and the batch size, so
// a resumed call (same rows, same order, same Options.BatchSize) rebuilds
// the same batches, skips those the checkpoint lists, and checks with a
// CRC-32 that their content did not change.
//
// A request whose answer is lost (connection reset, attempt timeout) may or
// may not have been applied. The Uploader sends it again:
//
//   - add and remove are set operations, so applying a batch twice is
//     harmless (num_received may then count its rows twice);
//   - a replace sends batch 1 alone and waits for its answer before any
//     other batch, so re-sending batch 1 only restarts a replace that holds
//     nothing else; middle batches are set additions to the new member list;
//   - the last batch of a session is sent alone after every other batch was
//     acknowledged; if an earlier attempt of it was applied, Meta answers
//     2650/1870159 (session already finished), which the Uploader takes as
//     the acknowledgement. The checkpoint records the last batch before it
//     is first sent, so a resumed call takes that answer as the
//     acknowledgement too (and reports changed input if its last batch
//     differs).
//
// A graceful stop (the call's context canceled) starts no new request but
// does not cut the requests already sent: their answers are awaited, for
// at most Options.AttemptTimeout, and recorded. The Save that records an
// acknowledgement is not canceled with the call either, so a batch Meta
// applied while the upload was stopping is not sent again by the resumed
// call.
//
// A replace that fails part-way (permanent error, exhausted retries,
// cancellation) leaves its session open at Meta. Resume it with the same
// checkpoint within 90 minutes of its first batch; otherwise Meta ends it
// and the audience holds only the rows that arrived.
//
// A replace that would outlive Options.ReplaceWindow (default 80 minutes,
// below Meta's 90) is closed with the batch at hand as its last batch, and
// the remaining rows are added in a new add session (Result.ContinuedAsAdd),
// as Meta advises. If Meta expires the replace anyway (2650/1870158: the
// audience now holds what arrived), the refused batches and the rest are
// added the same way. A checkpointed replace whose first batch was
// acknowledged more than 90 minutes ago cannot be resumed
// ([ErrReplaceNotResumable]) unless only its last batch's answer is
// missing (then that batch is sent again); one whose first batch was never
// acknowledged
// starts again in a new session. Other 2650 subcodes (1870147 first batch
// missing, 1870148 replace failed, 1870144 audience too large, 1870159
// outside the last-batch case) end the call with [ErrReplace]: run the
// replace again (for those four subcodes the Uploader deletes the
// replace's checkpoint, so the next call starts it over in a new session
// instead of resuming the refused one). While a replace runs, the Uploader refuses other uploads
// to the same audience ([ErrAudienceBusy]), a replace does not start while
// operation_status shows one running, and Meta answers /users calls with
// 2650/1870145, which is retried.
//
// # Rate limits
//
// Throttling errors (codes 4, 17, 32, 341, 613, 80000-80014) pause every request
// of the upload for the longer of the backoff delay and Meta's
// estimated_time_to_regain_access (X-Business-Use-Case-Usage, in minutes)
// or, with the ad account at 100%, its reset_time_duration
// (X-Ad-Account-Usage, in seconds).
// Before that point, once any usage percentage in the rate-limit headers
// reaches Options.SlowdownPercent (default 90), requests pause for a time
// growing linearly to Options.MaxSlowdown at 100%.
//
// # Errors
//
// Operations return *[Error] (operation, audience, batch, category, cause).
// Categories match with errors.Is: [ErrThrottled], [ErrTransient],
// [ErrPermanent], [ErrInvalidInput], [ErrUnauthorized], [ErrForbidden],
// [ErrNotFound], [ErrAudienceRestricted], [ErrAudienceBusy], [ErrReplace],
// [ErrReplaceNotResumable], [ErrConflict], [ErrCheckpoint]; each also
// matches the category every cdpkit package shares (ErrInvalidInput
// matches cdpkit.ErrInvalid, ErrForbidden and ErrUnauthorized
// cdpkit.ErrAccessDenied, ErrTransient cdpkit.ErrUnavailable, …; see each
// variable). Graph errors are reachable with
// errors.As as *[APIError] (code, subcode, is_transient, fbtrace_id, user
// title and message, HTTP status, parsed usage headers). Errors, logs and
// results never hold identifier values or digests; invalid_entry_samples are
// counted and dropped. Graph's error texts could echo request data, so the
// Client replaces in them every word holding "@", 32 or more hex digits
// (digests, mobile advertiser ids) or 7 or more decimal digits (phone
// numbers) with "[redacted]". A free-form EXTERN_ID cannot be recognised:
// do not use identifiers that look like prose.
//
// # Concurrency
//
// Client, Uploader, FileCheckpoint and StoreCheckpoint are safe for
// concurrent use. An upload
// runs at most Options.Concurrency requests at once (errgroup) and joins
// them before returning; no goroutine outlives a call. All waits (backoff,
// rate-limit pauses) use timers that honour the context and run on the fake
// clock under testing/synctest.
//
// # Testing
//
// Package metatest has Graph (the in-memory fake, an AudienceAPI, from
// NewGraph) and GraphServer (the same fake as a loopback Graph endpoint a
// real Client talks to, from NewGraphServer) over one Model, with
// scriptable faults, and the conformance suite RunGraph / TestGraph that
// both pass. The suite runs
// against the real Graph API when META_TEST_TOKEN and META_TEST_AD_ACCOUNT
// are set.
package meta
