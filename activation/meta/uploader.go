package meta

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"iter"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
	"golang.org/x/sync/errgroup"
)

// AudienceAPI is what the Uploader needs from Graph. *Client implements it
// over HTTP; metatest.Graph implements it in process.
type AudienceAPI interface {
	// UpdateUsers sends one users/usersreplace request, exactly once.
	UpdateUsers(ctx context.Context, op Operation, audienceID string, req *UsersRequest) (*UsersResponse, error)
	// OperationStatus reads the audience's operation_status.
	OperationStatus(ctx context.Context, audienceID string) (OperationStatus, error)
}

// Defaults for Options.
const (
	DefaultBatchSize       = MaxBatchSize
	DefaultConcurrency     = 4
	DefaultAttemptTimeout  = 2 * time.Minute
	DefaultReplaceWindow   = 80 * time.Minute
	DefaultSlowdownPercent = 90
	DefaultMaxSlowdown     = time.Minute
	DefaultMaxAttempts     = 8
	DefaultMinDelay        = time.Second
	DefaultMaxDelay        = 2 * time.Minute
	// ReplaceLimit is Meta's lifetime of a replace session, counted from
	// its first batch.
	ReplaceLimit = 90 * time.Minute
	// MaxRejectSamples is how many rejected rows Result.Rejects keeps.
	MaxRejectSamples = 100
)

// RetryPolicy says how failed requests are retried: exponential backoff
// from MinDelay, doubling up to MaxDelay, each delay jittered uniformly in
// [d/2, d]. Throttled requests wait at least Meta's
// estimated_time_to_regain_access. Zero fields mean the defaults.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts per batch, the first included.
	// Zero means DefaultMaxAttempts.
	MaxAttempts int
	// MinDelay is the delay before the second attempt. Zero means
	// DefaultMinDelay.
	MinDelay time.Duration
	// MaxDelay caps one backoff delay. Zero means DefaultMaxDelay.
	MaxDelay time.Duration
}

// Options configures an Uploader. The zero value means every default.
type Options struct {
	// BatchSize is rows per request, 1..MaxBatchSize. Zero means
	// DefaultBatchSize (10,000). Resuming requires the same value.
	BatchSize int
	// MaxRequestBytes, when positive, also closes a batch before its JSON
	// body would exceed this many bytes (estimated from the cells), for
	// wide schemas: 10,000 rows of 15 digests is about 10 MB, and Meta does
	// not document a body limit. Zero means no byte limit. Resuming
	// requires the same value.
	MaxRequestBytes int
	// Concurrency is how many requests may be in flight. Zero means
	// DefaultConcurrency. The first batch of a replace and the last batch
	// of every session are always sent alone.
	Concurrency int
	// Retry is the retry policy.
	Retry RetryPolicy
	// AttemptTimeout bounds one request. Zero means DefaultAttemptTimeout.
	// A timed-out request may have been applied; it is retried (see the
	// package documentation for why that is safe). When the call's context
	// ends, requests already sent are not cut: their answers are awaited
	// for up to AttemptTimeout and recorded, and no new request starts.
	AttemptTimeout time.Duration
	// ReplaceWindow is how long a replace session may run before the
	// Uploader closes it (with the batch at hand as last batch) and sends
	// the remaining rows as an add session. Zero means
	// DefaultReplaceWindow; it must stay below ReplaceLimit.
	ReplaceWindow time.Duration
	// SlowdownPercent is the rate-limit usage (highest percentage in the
	// usage headers) at which the Uploader starts pausing between requests.
	// Zero means DefaultSlowdownPercent; negative disables slowing down
	// (throttling errors are still honoured).
	SlowdownPercent float64
	// MaxSlowdown is the pause at 100% usage; pauses grow linearly from 0 at
	// SlowdownPercent. Zero means DefaultMaxSlowdown.
	MaxSlowdown time.Duration
	// EstimatedTotal, when positive, is sent as estimated_num_total.
	EstimatedTotal int64
	// Checkpoint, when set, records acknowledged batches so that the same
	// call with the same rows resumes after a crash.
	Checkpoint Checkpoint
	// CheckpointKey names the upload in Checkpoint. Zero means
	// "meta-<op>-<audience>".
	CheckpointKey string
	// SkipStatusCheck skips reading operation_status before a replace. Set
	// it for an endpoint that has no operation_status (a proxy, a fake):
	// without it, such a replace fails and its error names this option.
	SkipStatusCheck bool
	// Logger receives debug records about batches, retries and pauses
	// (never row data). Nil discards.
	Logger *slog.Logger
	// Progress, when set, is called after every acknowledged batch, one
	// call at a time.
	Progress func(Progress)
	// OnReject, when set, is called for every row the Uploader rejects
	// before sending, one call at a time.
	OnReject func(Reject)
}

// Progress is a snapshot passed to Options.Progress.
type Progress struct {
	RowsRead     int64
	RowsRejected int64
	// RowsAcked and BatchesAcked count rows and batches acknowledged, this
	// call and resumed ones.
	RowsAcked    int64
	BatchesAcked int
	Retries      int
}

// Reject describes a row the Uploader did not send. It never holds values.
type Reject struct {
	// Row is the 0-based index of the row in the input.
	Row int64
	// Reason is one of the Reason* constants.
	Reason string
}

// Reasons a row is rejected before sending.
const (
	ReasonKeyNotInSchema  = "key_not_in_schema"
	ReasonDuplicateKey    = "duplicate_key"
	ReasonEmptyRow        = "empty_row"
	ReasonBadLookalike    = "bad_lookalike_value"
	ReasonInvalidCellKind = "invalid_cell"
	// ReasonKeyedDigest: a cell holds a keyed hmac-sha256-v1 digest, which
	// Meta can never match (see hashing.Cell.Keyed).
	ReasonKeyedDigest = "keyed_digest"
)

// Result reports an upload. It never holds identifier values or digests.
type Result struct {
	Op Operation
	// SessionIDs lists the Graph sessions used, in order.
	SessionIDs []int64
	// RowsRead is how many rows the input yielded.
	RowsRead int64
	// RowsRejected is how many rows were not sent (see Rejects).
	RowsRejected int64
	// Rejects holds the first MaxRejectSamples rejected rows.
	Rejects []Reject
	// RowsSent and Batches count rows and batches acknowledged by Meta in
	// this call.
	RowsSent int64
	Batches  int
	// RowsResumed and BatchesResumed count those acknowledged in an
	// earlier call and skipped.
	RowsResumed    int64
	BatchesResumed int
	// BatchesRetried counts batches that needed more than one attempt;
	// Retries counts the extra attempts.
	BatchesRetried int
	Retries        int
	// NumReceived sums, over sessions, the highest num_received Meta
	// reported (cumulative per session, so it includes rows acknowledged in
	// an earlier call of a resumed session, and rows Meta received twice
	// because a response was lost and the batch was sent again).
	NumReceived int64
	// NumInvalidEntries sums num_invalid_entries; InvalidEntrySamples counts
	// the samples Meta returned (the samples themselves are dropped).
	NumInvalidEntries   int64
	InvalidEntrySamples int
	// ContinuedAsAdd is set when a replace ran past ReplaceWindow or Meta
	// expired it (2650/1870158): the replace was closed and the remaining
	// rows were added in a new session.
	ContinuedAsAdd bool
	// Paused is the time requests waited for rate limits, summed over
	// requests: with concurrent requests it can exceed the wall time.
	Paused time.Duration
	// Duration is the wall time of the call.
	Duration time.Duration
}

// Uploader uploads rows of hashed cells to Custom Audiences in sessions of
// batches, with retries, rate-limit pacing and checkpoints.
//
// An Uploader is safe for concurrent use; it refuses to run a replace on an
// audience while another of its uploads to that audience runs, and the
// reverse.
type Uploader struct {
	api  AudienceAPI
	opts Options

	mu     sync.Mutex
	active map[string]map[Operation]int
	keys   map[string]bool // checkpoint keys in use
}

// NewUploader returns an Uploader sending through api.
func NewUploader(api AudienceAPI, optFns ...func(*Options)) *Uploader {
	u := &Uploader{api: api, active: map[string]map[Operation]int{}, keys: map[string]bool{}}
	for _, f := range optFns {
		f(&u.opts)
	}
	return u
}

// Add adds the rows to the audience (POST /{audience}/users) in one
// session. rows yields one row per person: cells for some or all of the
// schema's keys, in any order (missing keys are sent as ""). The input is
// read once; with a Checkpoint, a resumed call must yield the same rows in
// the same order.
func (u *Uploader) Add(ctx context.Context, audienceID string, schema Schema, rows iter.Seq2[[]hashing.Cell, error], optFns ...func(*Options)) (*Result, error) {
	return u.upload(ctx, Add, audienceID, schema, rows, optFns)
}

// Remove removes the rows from the audience (DELETE /{audience}/users).
func (u *Uploader) Remove(ctx context.Context, audienceID string, schema Schema, rows iter.Seq2[[]hashing.Cell, error], optFns ...func(*Options)) (*Result, error) {
	return u.upload(ctx, Remove, audienceID, schema, rows, optFns)
}

// Replace replaces every member of the audience with the rows
// (POST /{audience}/usersreplace). It checks operation_status first, sends
// batch 1 alone, and closes the session with last_batch_flag. If the
// replace would outlive ReplaceWindow, it is closed early and the remaining
// rows are added (Result.ContinuedAsAdd).
func (u *Uploader) Replace(ctx context.Context, audienceID string, schema Schema, rows iter.Seq2[[]hashing.Cell, error], optFns ...func(*Options)) (*Result, error) {
	return u.upload(ctx, Replace, audienceID, schema, rows, optFns)
}

func (u *Uploader) resolve(optFns []func(*Options)) (Options, error) {
	o := u.opts
	for _, f := range optFns {
		f(&o)
	}
	switch {
	case o.BatchSize == 0:
		o.BatchSize = DefaultBatchSize
	case o.BatchSize < 0 || o.BatchSize > MaxBatchSize:
		return o, fmt.Errorf("batch size %d is outside 1..%d", o.BatchSize, MaxBatchSize)
	}
	if o.MaxRequestBytes < 0 {
		return o, fmt.Errorf("max request bytes %d is negative", o.MaxRequestBytes)
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	} else if o.Concurrency < 0 {
		return o, fmt.Errorf("concurrency %d is negative", o.Concurrency)
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	if o.ReplaceWindow <= 0 {
		o.ReplaceWindow = DefaultReplaceWindow
	} else if o.ReplaceWindow >= ReplaceLimit {
		return o, fmt.Errorf("replace window %s is not below %s", o.ReplaceWindow, ReplaceLimit)
	}
	if o.SlowdownPercent == 0 {
		o.SlowdownPercent = DefaultSlowdownPercent
	}
	if o.MaxSlowdown <= 0 {
		o.MaxSlowdown = DefaultMaxSlowdown
	}
	if o.Retry.MaxAttempts <= 0 {
		o.Retry.MaxAttempts = DefaultMaxAttempts
	}
	if o.Retry.MinDelay <= 0 {
		o.Retry.MinDelay = DefaultMinDelay
	}
	if o.Retry.MaxDelay <= 0 {
		o.Retry.MaxDelay = DefaultMaxDelay
	}
	o.Retry.MaxDelay = max(o.Retry.MaxDelay, o.Retry.MinDelay)
	return o, nil
}

// lock registers an upload of op on audience, refusing a replace next to
// anything else.
func (u *Uploader) lock(audience string, op Operation) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.active[audience]
	if m == nil {
		m = map[Operation]int{}
		u.active[audience] = m
	}
	if m[Replace] > 0 || (op == Replace && len(m) > 0) {
		return false
	}
	m[op]++
	return true
}

func (u *Uploader) lockKey(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.keys[key] {
		return false
	}
	u.keys[key] = true
	return true
}

func (u *Uploader) unlockKey(key string) {
	u.mu.Lock()
	delete(u.keys, key)
	u.mu.Unlock()
}

func (u *Uploader) unlock(audience string, op Operation) {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.active[audience]
	if m[op]--; m[op] == 0 {
		delete(m, op)
	}
	if len(m) == 0 {
		delete(u.active, audience)
	}
}

// batch is one request being built or in flight.
type batch struct {
	index int
	cells []hashing.Cell
	rows  int
	bytes int // estimated JSON size of the rows, with MaxRequestBytes
}

// rowBytes is an upper bound of a row's JSON size in a request body.
func rowBytes(row []hashing.Cell, width int) int {
	n := 3 + 3*width // brackets, comma, and "" per column
	for _, c := range row {
		n += len(c.Value()) + 6 // quotes, comma, escapes of short values
	}
	return n
}

// run is the state of one upload call.
type run struct {
	api      AudienceAPI
	o        Options
	op       Operation
	audience string
	schema   Schema
	key      string

	gate gate

	mu       sync.Mutex // guards everything below
	res      *Result
	state    *CheckpointState // in memory even without a Checkpoint
	persist  bool
	acked    map[int]AckedBatch
	received map[int64]int64
	flying   map[int]struct{} // indexes of batches sent concurrently, not yet done
	pool     []*batch
}

func (r *run) fail(kind, err error) error {
	return &Error{Op: string(r.op), Audience: r.audience, Kind: kind, Err: err}
}

func (u *Uploader) upload(ctx context.Context, op Operation, audience string, schema Schema, rows iter.Seq2[[]hashing.Cell, error], optFns []func(*Options)) (res *Result, err error) {
	start := time.Now()
	res = &Result{Op: op}
	defer func() { res.Duration = time.Since(start) }()
	r := &run{api: u.api, op: op, audience: audience, schema: slices.Clone(schema), res: res,
		acked: map[int]AckedBatch{}, received: map[int64]int64{}, flying: map[int]struct{}{}}
	o, err := u.resolve(optFns)
	if err != nil {
		return res, r.fail(ErrInvalidInput, err)
	}
	r.o = o
	if err := schema.Validate(); err != nil {
		return res, r.fail(ErrInvalidInput, err)
	}
	if audience == "" {
		return res, r.fail(ErrInvalidInput, errors.New("audience id is required"))
	}
	if !u.lock(audience, op) {
		return res, r.fail(ErrAudienceBusy, errors.New("a replace and another upload cannot run together on one audience"))
	}
	defer u.unlock(audience, op)

	if o.Checkpoint != nil {
		r.key = o.CheckpointKey
		if r.key == "" {
			r.key = "meta-" + string(op) + "-" + audience
		}
		if !u.lockKey(r.key) {
			return res, r.fail(ErrCheckpoint, fmt.Errorf("checkpoint key %q is in use by another upload", r.key))
		}
		defer u.unlockKey(r.key)
	}
	if err := r.loadCheckpoint(ctx); err != nil {
		return res, err
	}
	if op == Replace && !o.SkipStatusCheck && !r.replaceUnderway() {
		st, err := r.status(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			return res, r.fail(nil, fmt.Errorf("reading operation_status before the replace (an endpoint without it needs Options.SkipStatusCheck): %w", err))
		}
		switch {
		case st.Code == 0 && st.Description == "":
			return res, r.fail(ErrInvalidInput, errors.New("the endpoint returned no operation_status, so the replace cannot check that the audience is idle: set Options.SkipStatusCheck to replace without the check"))
		case st.Restricted():
			return res, r.fail(ErrAudienceRestricted, fmt.Errorf("operation_status %d", st.Code))
		case st.Busy():
			return res, r.fail(ErrAudienceBusy, fmt.Errorf("operation_status %d", st.Code))
		}
	}
	if err := r.feed(ctx, rows); err != nil {
		if r.persist && op == Replace && replaceRefused(err) {
			// Meta refused the replace session (first batch missing,
			// replace failed, already finished, too large): resuming it
			// would fail the same way. Clear the checkpoint so that the
			// next call starts the replace again.
			if derr := r.o.Checkpoint.Delete(context.WithoutCancel(ctx), r.key); derr != nil {
				return res, errors.Join(err, r.fail(ErrCheckpoint, derr))
			}
		}
		return res, err
	}
	if r.persist {
		r.state.Done = true
		if err := r.o.Checkpoint.Save(ctx, r.key, r.state); err != nil {
			return res, r.fail(ErrCheckpoint, err)
		}
		if err := r.o.Checkpoint.Delete(ctx, r.key); err != nil {
			return res, r.fail(ErrCheckpoint, err)
		}
	}
	return res, nil
}

// replaceRefused reports whether err is a 2650 subcode after which the
// replace session cannot go on: 1870144 (audience too large), 1870147
// (first batch not detected), 1870148 (replace failed: run it again) or
// 1870159 (session already finished, outside the last-batch case).
func replaceRefused(err error) bool {
	ae := apiErrorOf(err)
	if ae == nil || ae.Code != CodeAudienceUpdate {
		return false
	}
	switch ae.Subcode {
	case SubcodeReplaceTooLarge, SubcodeReplaceNoFirstBatch, SubcodeReplaceFailed, SubcodeReplaceFinished:
		return true
	}
	return false
}

// status reads operation_status, retrying as the policy allows.
func (r *run) status(ctx context.Context) (OperationStatus, error) {
	for attempt := 1; ; attempt++ {
		if err := r.gate.wait(ctx, r); err != nil {
			return OperationStatus{}, r.fail(nil, err)
		}
		actx, cancel := context.WithTimeout(ctx, r.o.AttemptTimeout)
		st, err := r.api.OperationStatus(actx, r.audience)
		cancel()
		if err == nil {
			return st, nil
		}
		if ctx.Err() != nil {
			return st, r.fail(nil, ctx.Err())
		}
		if !(errors.Is(err, context.DeadlineExceeded) || isRetryable(err)) || attempt >= r.o.Retry.MaxAttempts {
			return st, err
		}
		d := r.backoff(attempt)
		if ae := apiErrorOf(err); ae != nil && errors.Is(err, ErrThrottled) {
			d = max(d, ae.Usage.RegainAccess())
		}
		r.logDebug("meta: retrying operation_status", slog.Int("attempt", attempt), slog.Duration("delay", d), slog.String("error", err.Error()))
		if err := sleep(ctx, d); err != nil {
			return st, r.fail(nil, err)
		}
	}
}

// loadCheckpoint reads and checks the checkpoint, if any.
func (r *run) loadCheckpoint(ctx context.Context) error {
	r.state = &CheckpointState{Version: checkpointVersion, Audience: r.audience, Op: r.op,
		Schema: r.schema, BatchSize: r.o.BatchSize, MaxRequestBytes: r.o.MaxRequestBytes}
	if r.o.Checkpoint == nil {
		return nil
	}
	r.persist = true
	st, err := r.o.Checkpoint.Load(ctx, r.key)
	if err != nil {
		return r.fail(ErrCheckpoint, err)
	}
	if st == nil || st.Done {
		return nil
	}
	switch {
	case st.Version != checkpointVersion:
		return r.fail(ErrCheckpoint, fmt.Errorf("unknown checkpoint version %d", st.Version))
	case st.Audience != r.audience || st.Op != r.op:
		return r.fail(ErrCheckpoint, fmt.Errorf("checkpoint is for %s of audience %q", st.Op, st.Audience))
	case !slices.Equal(st.Schema, r.schema):
		return r.fail(ErrCheckpoint, errors.New("checkpoint schema differs"))
	case st.BatchSize != r.o.BatchSize:
		return r.fail(ErrCheckpoint, fmt.Errorf("checkpoint batch size %d differs from %d", st.BatchSize, r.o.BatchSize))
	case st.MaxRequestBytes != r.o.MaxRequestBytes:
		return r.fail(ErrCheckpoint, fmt.Errorf("checkpoint max request bytes %d differs from %d", st.MaxRequestBytes, r.o.MaxRequestBytes))
	}
	r.state = st
	for _, a := range st.Acked {
		r.acked[a.Index] = a
	}
	for _, s := range st.Sessions {
		r.res.SessionIDs = append(r.res.SessionIDs, s.ID)
	}
	if n := len(st.Sessions); n > 0 {
		s := st.Sessions[n-1]
		switch {
		case s.Op != Replace || s.Closed:
		case r.hasAckIn(n-1) && s.LastSent == nil && time.Since(s.Started) >= ReplaceLimit:
			// (With LastSent, every batch but the last was acknowledged:
			// sending the last again gets 1870159, finished, or 1870158,
			// expired, and both are handled.)
			return r.fail(ErrReplaceNotResumable, fmt.Errorf("replace session started %s ago", time.Since(s.Started).Round(time.Second)))
		case !r.hasAckIn(n-1) && time.Since(s.Started) >= r.o.ReplaceWindow:
			// Batch 1 was never acknowledged and its session may have
			// expired at Meta: start the replace again in a new session.
			st.Sessions = st.Sessions[:n-1]
			r.res.SessionIDs = r.res.SessionIDs[:n-1]
		}
	}
	return nil
}

// replaceUnderway reports whether the checkpoint holds a replace whose
// first batch was acknowledged (then operation_status shows our own replace).
func (r *run) replaceUnderway() bool {
	return len(r.state.Sessions) > 0 && r.state.Sessions[0].Op == Replace && r.hasAckIn(0)
}

// hasAckIn reports whether session i's first batch was acknowledged.
func (r *run) hasAckIn(i int) bool {
	s := r.state.Sessions[i]
	_, ok := r.acked[s.Start]
	return ok
}

func (r *run) newBatch(index int) *batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b *batch
	if n := len(r.pool); n > 0 {
		b, r.pool = r.pool[n-1], r.pool[:n-1]
		b.cells = b.cells[:0]
	} else {
		b = &batch{cells: make([]hashing.Cell, 0, r.o.BatchSize*len(r.schema))}
	}
	b.index, b.rows, b.bytes = index, 0, 0
	return b
}

func (r *run) release(b *batch) {
	clear(b.cells[:cap(b.cells)]) // drop references to cell strings
	r.mu.Lock()
	r.pool = append(r.pool, b)
	r.mu.Unlock()
}

// place appends row to b in schema order, or returns a reject reason.
func (r *run) place(b *batch, row []hashing.Cell) string {
	w := len(r.schema)
	n := len(b.cells)
	if len(row) == w {
		direct := true
		for i, c := range row {
			if c.Key() != r.schema[i] {
				direct = false
				break
			}
		}
		if direct {
			b.cells = append(b.cells, row...)
			return r.checkRow(b, n)
		}
	}
	for _, k := range r.schema {
		b.cells = append(b.cells, hashing.Missing(k))
	}
	seen := uint64(0)
	for _, c := range row {
		j := slices.Index(r.schema, c.Key())
		if j < 0 {
			b.cells = b.cells[:n]
			if !c.Key().Valid() {
				return ReasonInvalidCellKind
			}
			return ReasonKeyNotInSchema
		}
		if seen&(1<<j) != 0 {
			b.cells = b.cells[:n]
			return ReasonDuplicateKey
		}
		seen |= 1 << j
		b.cells[n+j] = c
	}
	return r.checkRow(b, n)
}

// checkRow validates the row just appended at offset n, removing it if bad.
func (r *run) checkRow(b *batch, n int) string {
	empty := true
	for _, c := range b.cells[n:] {
		if c.IsMissing() {
			continue
		}
		empty = false
		if c.Keyed() {
			b.cells = b.cells[:n]
			return ReasonKeyedDigest
		}
		if c.Key() == hashing.LookalikeValue {
			f, err := strconv.ParseFloat(c.Value(), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				b.cells = b.cells[:n]
				return ReasonBadLookalike
			}
		}
	}
	if empty {
		b.cells = b.cells[:n]
		return ReasonEmptyRow
	}
	b.rows++
	return ""
}

func (r *run) reject(row int64, reason string) {
	r.res.RowsRejected++
	rj := Reject{Row: row, Reason: reason}
	if len(r.res.Rejects) < MaxRejectSamples {
		r.res.Rejects = append(r.res.Rejects, rj)
	}
	if r.o.OnReject != nil {
		r.o.OnReject(rj)
	}
}

// feed reads the rows, builds batches and sends them.
func (r *run) feed(ctx context.Context, rows iter.Seq2[[]hashing.Cell, error]) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.o.Concurrency)
	var inflight sync.WaitGroup
	s := &sender{run: r, g: g, gctx: gctx, inflight: &inflight}

	cur := r.newBatch(0)
	var nxt *batch
	var readErr error
	var idx int64
	for row, err := range rows {
		if err != nil {
			readErr = r.fail(nil, fmt.Errorf("reading row %d: %w", idx, err))
			break
		}
		if gctx.Err() != nil {
			break
		}
		r.mu.Lock()
		r.res.RowsRead++
		r.mu.Unlock()
		// A full batch is sent only once a row for the next one is accepted:
		// until then it may be the last batch of the session.
		target := cur
		est := 0
		if r.o.MaxRequestBytes > 0 {
			est = rowBytes(row, len(r.schema))
		}
		if cur.rows == r.o.BatchSize || (est > 0 && cur.rows > 0 && cur.bytes+est > r.o.MaxRequestBytes) {
			if nxt == nil {
				nxt = r.newBatch(cur.index + 1)
			}
			target = nxt
		}
		reason := r.place(target, row)
		if reason == "" {
			target.bytes += est
		}
		if reason != "" {
			r.mu.Lock()
			r.reject(idx, reason)
			r.mu.Unlock()
		}
		idx++
		if target == nxt && reason == "" {
			if !s.dispatch(cur, false) {
				cur = nil
				break
			}
			cur, nxt = nxt, nil
		}
	}
	if readErr == nil && cur != nil && gctx.Err() == nil {
		switch {
		case cur.rows > 0:
			s.dispatch(cur, true)
		case r.op == Replace && cur.index == 0:
			readErr = r.fail(ErrInvalidInput, errors.New("replace needs at least one valid row"))
		}
	}
	err := g.Wait()
	inflight.Wait()
	if err == nil && s.err != nil {
		err = s.err
	}
	if err == nil && readErr != nil {
		err = readErr
	}
	if err == nil && ctx.Err() != nil {
		err = r.fail(nil, ctx.Err())
	}
	return err
}

// sender dispatches batches into the errgroup.
type sender struct {
	*run
	g        *errgroup.Group
	gctx     context.Context
	inflight *sync.WaitGroup
	err      error // from synchronous sends
}

// dispatch sends b (or skips it if a checkpoint says it was acknowledged).
// It reports false when the upload must stop.
func (s *sender) dispatch(b *batch, last bool) bool {
	var sum uint32
	if s.persist {
		sum = checksum(b.cells)
		s.mu.Lock()
		a, ok := s.acked[b.index]
		s.mu.Unlock()
		if ok {
			defer s.release(b)
			if a.Rows != b.rows || a.Sum != sum {
				s.err = s.fail(ErrCheckpoint, fmt.Errorf("batch %d differs from the checkpointed batch: the input changed", b.index))
				return false
			}
			if last && !s.closedAt(b.index) {
				// Acknowledged as an inner batch: the input used to go on.
				s.err = s.fail(ErrCheckpoint, fmt.Errorf("the input ends with batch %d, which the checkpointed upload did not end with: the input changed", b.index))
				return false
			}
			s.mu.Lock()
			s.res.RowsResumed += int64(b.rows)
			s.res.BatchesResumed++
			s.mu.Unlock()
			return true
		}
	}
	sess, err := s.sessionFor(s.gctx, b.index)
	if err != nil {
		s.release(b)
		s.err = err
		return false
	}
	seq := b.index - sess.Start + 1
	if sess.Op == Replace && !last && seq > 1 && time.Since(sess.Started) >= s.o.ReplaceWindow {
		// Close the replace now; the rest goes to an add session.
		last = true
		s.mu.Lock()
		s.res.ContinuedAsAdd = true
		s.mu.Unlock()
		s.logDebug("meta: replace window reached, continuing as add", slog.Int("batch", seq))
	}
	if last || (sess.Op == Replace && seq == 1) {
		// Sent alone: every earlier batch must be acknowledged first (no
		// batch is accepted after the last one; a replace starts with
		// batch 1).
		s.inflight.Wait()
		if s.gctx.Err() != nil {
			s.release(b)
			return false
		}
		defer s.release(b)
		if err := s.deliver(b, sum, sess, last); err != nil {
			s.err = err
			return false
		}
		return true
	}
	s.inflight.Add(1)
	s.mu.Lock()
	s.flying[b.index] = struct{}{}
	s.mu.Unlock()
	s.g.Go(func() error {
		defer s.inflight.Done()
		defer s.release(b)
		return s.deliver(b, sum, sess, false)
	})
	return s.gctx.Err() == nil
}

// closedAt reports whether the session holding batch index was closed.
func (r *run) closedAt(index int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	closed := false
	for _, ss := range r.state.Sessions {
		if ss.Start <= index {
			closed = ss.Closed
		}
	}
	return closed
}

// deliver sends b in sess and records the acknowledgement. A replace batch
// refused because the replace session expired (2650/1870158: Meta replaced
// the audience with what had arrived) is sent again in an add session, as
// Meta advises, so its rows are not lost.
func (s *sender) deliver(b *batch, sum uint32, sess CheckpointSession, last bool) error {
	defer func() {
		s.mu.Lock()
		delete(s.flying, b.index)
		s.mu.Unlock()
	}()
	req := &UsersRequest{Schema: s.schema, Cells: b.cells,
		Session: Session{ID: sess.ID, BatchSeq: b.index - sess.Start + 1, Last: last, EstimatedTotal: s.o.EstimatedTotal}}
	resent, err := s.markLast(s.gctx, sess.ID, b, sum, last)
	if err != nil {
		return err
	}
	resp, err := s.send(s.gctx, sess.Op, req, resent)
	if err != nil && sess.Op == Replace {
		if ae := apiErrorOf(err); ae != nil && ae.Code == CodeAudienceUpdate && ae.Subcode == SubcodeReplaceTimedOut {
			if sess, err = s.replaceExpired(s.gctx, sess.ID, b.index); err != nil {
				return err
			}
			s.logDebug("meta: replace session expired, continuing as add", slog.Int("batch", req.Session.BatchSeq))
			req.Session.ID, req.Session.BatchSeq = sess.ID, b.index-sess.Start+1
			if resent, err = s.markLast(s.gctx, sess.ID, b, sum, last); err != nil {
				return err
			}
			resp, err = s.send(s.gctx, sess.Op, req, resent)
		}
	}
	if err != nil {
		return err
	}
	return s.ack(s.gctx, b, sum, sess.ID, req.Session.BatchSeq, last, resp)
}

// markLast records, before a last batch is sent, which batch closes the
// session, and reports whether an earlier call already sent it (its answer
// was never recorded). A different batch recorded as last means the input
// changed.
func (r *run) markLast(ctx context.Context, session int64, b *batch, sum uint32, last bool) (resent bool, err error) {
	if !last {
		return false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a := AckedBatch{Index: b.index, Rows: b.rows, Sum: sum}
	for i := range r.state.Sessions {
		s := &r.state.Sessions[i]
		if s.ID != session {
			continue
		}
		if s.LastSent != nil {
			if *s.LastSent != a {
				return false, r.fail(ErrCheckpoint, fmt.Errorf("batch %d was sent as the session's last batch, but the input now ends with batch %d: the input changed", s.LastSent.Index, b.index))
			}
			return true, nil
		}
		s.LastSent = &a
		if r.persist {
			if err := r.o.Checkpoint.Save(ctx, r.key, r.state); err != nil {
				return false, r.fail(ErrCheckpoint, err)
			}
		}
		return false, nil
	}
	return false, nil
}

// replaceExpired closes the expired replace session (once) and opens the
// add session that takes over, starting at the lowest batch still in
// flight so that every unacknowledged batch has a place in it.
func (r *run) replaceExpired(ctx context.Context, replaceID int64, index int) (CheckpointSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ss := r.state.Sessions
	cur := &ss[len(ss)-1]
	if cur.ID != replaceID {
		return *cur, nil // another batch already switched to add
	}
	cur.Closed = true
	start := index
	for i := range r.flying {
		start = min(start, i)
	}
	sess := CheckpointSession{Op: Add, ID: rand.Int64N(math.MaxInt64-1) + 1, Start: start, Started: time.Now().UTC()}
	r.state.Sessions = append(r.state.Sessions, sess)
	r.res.SessionIDs = append(r.res.SessionIDs, sess.ID)
	r.res.ContinuedAsAdd = true
	if r.persist {
		if err := r.o.Checkpoint.Save(ctx, r.key, r.state); err != nil {
			return sess, r.fail(ErrCheckpoint, err)
		}
	}
	return sess, nil
}

// sessionFor returns the session batch index belongs to, opening one if
// needed (and checkpointing it before anything is sent in it).
func (r *run) sessionFor(ctx context.Context, index int) (CheckpointSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ss := r.state.Sessions
	if n := len(ss); n > 0 && !ss[n-1].Closed && index >= ss[n-1].Start {
		return ss[n-1], nil
	}
	op := r.op
	if op == Replace && len(ss) > 0 {
		op = Add // the replace was closed early; the rest is added
	}
	sess := CheckpointSession{Op: op, ID: rand.Int64N(math.MaxInt64-1) + 1, Start: index, Started: time.Now().UTC()}
	r.res.SessionIDs = append(r.res.SessionIDs, sess.ID)
	r.state.Sessions = append(r.state.Sessions, sess)
	if r.persist {
		if err := r.o.Checkpoint.Save(ctx, r.key, r.state); err != nil {
			return sess, r.fail(ErrCheckpoint, err)
		}
	}
	return sess, nil
}

// send sends req, retrying as the policy allows. A last batch whose earlier
// attempt's answer was lost (in this call, or in an earlier call when
// resent is set) is acknowledged by Meta's "session already finished"
// (2650/1870159): that attempt was applied.
func (r *run) send(ctx context.Context, op Operation, req *UsersRequest, resent bool) (*UsersResponse, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, r.failBatch(req, nil, err)
		}
		if err := r.gate.wait(ctx, r); err != nil {
			return nil, r.failBatch(req, nil, err)
		}
		// An attempt on the wire is not cut when ctx ends (a graceful
		// stop): Meta may apply it anyway, and only its answer lets the
		// checkpoint record it, so that a resumed call does not send it
		// again. AttemptTimeout still bounds it.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.o.AttemptTimeout)
		resp, err := r.api.UpdateUsers(actx, op, r.audience, req)
		cancel()
		if err == nil {
			if resp == nil {
				resp = &UsersResponse{}
			}
			r.observe(resp.Usage)
			r.countAttempts(attempt)
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, r.failBatch(req, nil, ctx.Err())
		}
		ae := apiErrorOf(err)
		if ae != nil {
			r.observe(ae.Usage)
			if (attempt > 1 || resent) && req.Session.Last && ae.Code == CodeAudienceUpdate && ae.Subcode == SubcodeReplaceFinished {
				r.logDebug("meta: last batch already applied", slog.Int("batch", req.Session.BatchSeq))
				r.countAttempts(attempt)
				return &UsersResponse{}, nil
			}
		}
		timedOut := errors.Is(err, context.DeadlineExceeded)
		if !(timedOut || isRetryable(err)) || attempt >= r.o.Retry.MaxAttempts {
			r.countAttempts(attempt)
			return nil, err
		}
		d := r.backoff(attempt)
		if errors.Is(err, ErrThrottled) {
			if ae != nil {
				d = max(d, ae.Usage.RegainAccess())
			}
			// Everyone waits: the limit is per ad account, not per request.
			r.gate.hold(d)
		}
		r.logDebug("meta: retrying batch", slog.Int("batch", req.Session.BatchSeq),
			slog.Int("attempt", attempt), slog.Duration("delay", d), slog.String("error", err.Error()))
		if err := sleep(ctx, d); err != nil {
			return nil, r.failBatch(req, nil, err)
		}
	}
}

func (r *run) failBatch(req *UsersRequest, kind, err error) error {
	return &Error{Op: string(r.op), Audience: r.audience, Batch: req.Session.BatchSeq, Kind: kind, Err: err}
}

func (r *run) countAttempts(attempts int) {
	if attempts < 2 {
		return
	}
	r.mu.Lock()
	r.res.BatchesRetried++
	r.res.Retries += attempts - 1
	r.mu.Unlock()
}

// backoff returns the jittered delay after the given failed attempt.
func (r *run) backoff(attempt int) time.Duration {
	d := r.o.Retry.MinDelay
	for i := 1; i < attempt && d < r.o.Retry.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, r.o.Retry.MaxDelay)
	half := d / 2
	return half + rand.N(d-half+1)
}

// observe paces later requests by the usage headers of a response.
func (r *run) observe(u *Usage) {
	if u == nil {
		return
	}
	pause := u.RegainAccess()
	if thr := r.o.SlowdownPercent; thr > 0 && thr < 100 {
		if pct := u.MaxPercent(); pct >= thr {
			frac := min((pct-thr)/(100-thr), 1)
			pause = max(pause, time.Duration(frac*float64(r.o.MaxSlowdown)))
		}
	}
	if pause > 0 {
		r.gate.hold(pause)
		r.logDebug("meta: slowing down for rate limit", slog.Float64("usage_pct", u.MaxPercent()), slog.Duration("pause", pause))
	}
}

// ack records an acknowledged batch.
func (r *run) ack(ctx context.Context, b *batch, sum uint32, session int64, seq int, last bool, resp *UsersResponse) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.RowsSent += int64(b.rows)
	r.res.Batches++
	if resp.NumReceived > r.received[session] {
		r.res.NumReceived += resp.NumReceived - r.received[session]
		r.received[session] = resp.NumReceived
	}
	r.res.NumInvalidEntries += resp.NumInvalidEntries
	r.res.InvalidEntrySamples += resp.InvalidEntrySamples
	a := AckedBatch{Index: b.index, Rows: b.rows, Sum: sum}
	r.acked[b.index] = a
	r.state.Acked = append(r.state.Acked, a)
	if last {
		for i := range r.state.Sessions {
			if r.state.Sessions[i].ID == session {
				r.state.Sessions[i].Closed = true
			}
		}
	}
	if r.persist {
		// Meta applied the batch: record it even if the upload is being
		// canceled meanwhile, or a resumed call would send it again.
		if err := r.o.Checkpoint.Save(context.WithoutCancel(ctx), r.key, r.state); err != nil {
			return &Error{Op: string(r.op), Audience: r.audience, Batch: seq, Kind: ErrCheckpoint, Err: err}
		}
	}
	if r.o.Progress != nil {
		r.o.Progress(Progress{
			RowsRead: r.res.RowsRead, RowsRejected: r.res.RowsRejected,
			RowsAcked: r.res.RowsSent + r.res.RowsResumed, BatchesAcked: r.res.Batches + r.res.BatchesResumed,
			Retries: r.res.Retries,
		})
	}
	return nil
}

func (r *run) logDebug(msg string, attrs ...slog.Attr) {
	if r.o.Logger == nil {
		return
	}
	attrs = append(attrs, slog.String("op", string(r.op)), slog.String("audience", r.audience))
	r.o.Logger.LogAttrs(context.Background(), slog.LevelDebug, msg, attrs...)
}

// checksum is a CRC-32 of a batch's cells, to detect changed input on
// resume.
func checksum(cells []hashing.Cell) uint32 {
	var sum uint32
	sep := []byte{0}
	for _, c := range cells {
		sum = crc32.Update(sum, crc32.IEEETable, []byte(c.Value()))
		sum = crc32.Update(sum, crc32.IEEETable, sep)
	}
	return sum
}

// gate holds every request of an upload until a rate-limit pause ends.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) hold(d time.Duration) {
	t := time.Now().Add(d)
	g.mu.Lock()
	if t.After(g.until) {
		g.until = t
	}
	g.mu.Unlock()
}

func (g *gate) wait(ctx context.Context, r *run) error {
	for {
		g.mu.Lock()
		d := time.Until(g.until)
		g.mu.Unlock()
		if d <= 0 {
			return nil
		}
		start := time.Now()
		err := sleep(ctx, d)
		r.mu.Lock()
		r.res.Paused += time.Since(start)
		r.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx is done. Under testing/synctest the timer runs
// on the bubble's fake clock.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
