package meta_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// failingSave is a Checkpoint whose Save fails (as a crash would stop it)
// once fail reports true for the state being saved.
type failingSave struct {
	meta.Checkpoint
	fail func(*meta.CheckpointState) bool
}

var errDiskFull = errors.New("disk full")

func (f failingSave) Save(ctx context.Context, key string, st *meta.CheckpointState) error {
	if f.fail(st) {
		return errDiskFull
	}
	return f.Checkpoint.Save(ctx, key, st)
}

// closedSession reports whether a session's last batch was acknowledged.
func closedSession(st *meta.CheckpointState) bool {
	for _, s := range st.Sessions {
		if s.Closed {
			return true
		}
	}
	return false
}

// Meta applied the last batch, but the checkpoint could not record it (a
// crash or a failed write): the resumed call must finish, not fail on
// "session already finished".
func TestLastBatchAppliedButNotCheckpointed(t *testing.T) {
	for _, op := range []meta.Operation{meta.Add, meta.Replace, meta.Remove} {
		t.Run(string(op), func(t *testing.T) {
			rec := metatest.NewGraph()
			aud := rec.Model.AddAudience()
			up := meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10 })
			if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "old", 30)); err != nil {
				t.Fatal(err)
			}
			seed := "new"
			if op == meta.Remove {
				seed = "old"
			}
			dir := t.TempDir()
			up = meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10 })
			run := func(cp meta.Checkpoint) (*meta.Result, error) {
				opt := func(o *meta.Options) { o.Checkpoint = cp }
				switch op {
				case meta.Add:
					return up.Add(t.Context(), aud, testSchema, rows(t, seed, 50), opt)
				case meta.Remove:
					return up.Remove(t.Context(), aud, testSchema, rows(t, seed, 25), opt)
				}
				return up.Replace(t.Context(), aud, testSchema, rows(t, seed, 50), opt)
			}
			fc := meta.NewFileCheckpoint(dir)
			if _, err := run(failingSave{fc, closedSession}); !errors.Is(err, meta.ErrCheckpoint) || !errors.Is(err, errDiskFull) {
				t.Fatalf("first run: got %v, want the checkpoint error", err)
			}
			res, err := run(fc)
			if err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			want := int64(80)
			switch op {
			case meta.Replace:
				want = 50
			case meta.Remove:
				want = 5
			}
			if got := rec.Model.Size(aud); got != want {
				t.Errorf("audience has %d members, want %d", got, want)
			}
			if res.BatchesResumed == 0 {
				t.Errorf("nothing resumed")
			}
			for _, b := range rec.Model.Batches() {
				if b.Session == res.SessionIDs[len(res.SessionIDs)-1] && b.Last && b.Applied != 1 {
					t.Errorf("last batch applied %d times", b.Applied)
				}
			}
		})
	}
}

// A resumed call whose input now ends on a batch the checkpoint recorded
// as an inner one cannot close the session: it says so instead of
// reporting success with the session (for a replace: the replace) open.
func TestResumeRejectsShorterInput(t *testing.T) {
	for _, op := range []meta.Operation{meta.Add, meta.Replace} {
		t.Run(string(op), func(t *testing.T) {
			rec := metatest.NewGraph()
			aud := rec.Model.AddAudience()
			cp := meta.NewFileCheckpoint(t.TempDir())
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			run := func(ctx context.Context, n int, more ...func(*meta.Options)) error {
				up := meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10; o.Concurrency = 1; o.Checkpoint = cp })
				var err error
				if op == meta.Add {
					_, err = up.Add(ctx, aud, testSchema, rows(t, "s", n), more...)
				} else {
					_, err = up.Replace(ctx, aud, testSchema, rows(t, "s", n), more...)
				}
				return err
			}
			err := run(ctx, 100, func(o *meta.Options) {
				o.Progress = func(p meta.Progress) {
					if p.BatchesAcked == 3 {
						cancel()
					}
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("first run: %v", err)
			}
			if err := run(t.Context(), 30); !errors.Is(err, meta.ErrCheckpoint) {
				t.Fatalf("shorter input: got %v, want ErrCheckpoint", err)
			}
			if err := run(t.Context(), 100); err != nil {
				t.Fatalf("same input: %v", err)
			}
			if got := rec.Model.Size(aud); got != 100 {
				t.Errorf("audience has %d members, want 100", got)
			}
		})
	}
}

// raceAPI answers batch_seq 3 only after batch_seq 2 failed permanently and
// the upload's context was canceled: Meta applied batch 3 and its answer
// arrived as the upload was stopping.
type raceAPI struct {
	*metatest.Graph
	applied chan struct{}
}

func (r *raceAPI) UpdateUsers(ctx context.Context, op meta.Operation, aud string, req *meta.UsersRequest) (*meta.UsersResponse, error) {
	switch req.Session.BatchSeq {
	case 2:
		<-r.applied
		return nil, &meta.Error{Op: string(op), Kind: meta.ErrInvalidInput, Err: &meta.APIError{HTTPStatus: 400, Code: meta.CodeInvalidParameter}}
	case 3:
		resp, err := r.Graph.UpdateUsers(ctx, op, aud, req)
		close(r.applied)
		<-ctx.Done()
		return resp, err
	}
	return r.Graph.UpdateUsers(ctx, op, aud, req)
}

// A batch Meta acknowledged is checkpointed even when the upload is
// stopping, so that the resumed call does not send it again.
func TestAckRecordedWhileStopping(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	api := &raceAPI{Graph: rec, applied: make(chan struct{})}
	cp := meta.NewFileCheckpoint(t.TempDir())
	// Batch 3's attempt is not canceled with the upload: its answer comes
	// when the attempt times out.
	up := meta.NewUploader(api, fast, func(o *meta.Options) {
		o.BatchSize = 10
		o.Concurrency = 3
		o.Checkpoint = cp
		o.AttemptTimeout = 50 * time.Millisecond
	})
	_, err := up.Add(t.Context(), aud, testSchema, rows(t, "c", 60))
	if !errors.Is(err, meta.ErrInvalidInput) {
		t.Fatalf("got %v, want the permanent error of batch 2", err)
	}
	_, acked := ackedIndexes(t, cp, "meta-add-"+aud)
	if !acked[2] {
		t.Errorf("batch 3 was acknowledged by Meta but not checkpointed (checkpoint has %d batches)", len(acked))
	}
}

// A replace whose last batch was sent, but not recorded as acknowledged,
// resumes even after Meta's 90 minutes: the last batch is sent again and
// Meta's answer (finished, or expired: then it is added) completes it.
func TestReplaceLastBatchResumedLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		up := meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10 })
		if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "old", 30)); err != nil {
			t.Fatal(err)
		}
		fc := meta.NewFileCheckpoint(t.TempDir())
		opt := func(cp meta.Checkpoint) func(*meta.Options) { return func(o *meta.Options) { o.Checkpoint = cp } }
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", 50), opt(failingSave{fc, closedSession})); !errors.Is(err, errDiskFull) {
			t.Fatalf("first run: %v", err)
		}
		time.Sleep(meta.ReplaceLimit + time.Hour)
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", 50), opt(fc)); err != nil {
			t.Fatalf("resumed run: %v", err)
		}
		if got := rec.Model.Size(aud); got != 50 {
			t.Errorf("audience has %d members, want 50", got)
		}
		for i := range 50 {
			if !rec.Model.Contains(aud, row(t, "new", i)) {
				t.Fatalf("row %d missing", i)
			}
		}
	})
}

// A replace session Meta refused (2650/1870148: replace failed) cannot be
// resumed: the checkpoint is cleared and the next call starts over.
func TestFailedReplaceStartsOver(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	cp := meta.NewFileCheckpoint(t.TempDir())
	// Batch 1 is refused (the fake then holds no running replace; it cannot
	// model what Meta's session looks like after a refusal mid-way).
	rec.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.GraphError, Code: meta.CodeAudienceUpdate, Subcode: meta.SubcodeReplaceFailed}))
	up := meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10; o.Concurrency = 1; o.Checkpoint = cp })
	first, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", 50))
	if !errors.Is(err, meta.ErrReplace) {
		t.Fatalf("first run: got %v, want ErrReplace", err)
	}
	if st, err := cp.Load(t.Context(), "meta-replace-"+aud); err != nil || st != nil {
		t.Fatalf("checkpoint kept after a refused replace (err %v)", err)
	}
	res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", 50))
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if res.BatchesResumed != 0 || len(res.SessionIDs) != 1 || res.SessionIDs[0] == first.SessionIDs[0] {
		t.Errorf("second run resumed %d batches in sessions %v; want a new session from batch 1", res.BatchesResumed, len(res.SessionIDs))
	}
	if got := rec.Model.Size(aud); got != 50 {
		t.Errorf("audience has %d members, want 50", got)
	}
}

// flakyStatus fails the first n operation_status reads with err.
type flakyStatus struct {
	*metatest.Graph
	n   int
	err error
}

func (f *flakyStatus) OperationStatus(ctx context.Context, aud string) (meta.OperationStatus, error) {
	if f.n > 0 {
		f.n--
		return meta.OperationStatus{}, f.err
	}
	return f.Graph.OperationStatus(ctx, aud)
}

// The operation_status read before a replace is retried like a batch: a
// transient failure does not fail the replace, a permanent one does at once.
func TestStatusCheckRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		unavailable := &meta.Error{Op: "status", Kind: meta.ErrTransient, Err: &meta.APIError{HTTPStatus: 503, Code: 2, Transient: true}}
		api := &flakyStatus{Graph: rec, n: 2, err: unavailable}
		up := meta.NewUploader(api, func(o *meta.Options) { o.BatchSize = 10; o.Retry.MinDelay = time.Second })
		start := time.Now()
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "s", 30)); err != nil {
			t.Fatalf("Replace: %v", err)
		}
		if d := time.Since(start); d < 1500*time.Millisecond {
			t.Errorf("two failed status reads retried after %s; want backoff of at least 1.5s", d)
		}
		if got := rec.Model.Size(aud); got != 30 {
			t.Errorf("audience has %d members, want 30", got)
		}
		denied := &meta.Error{Op: "status", Kind: meta.ErrForbidden, Err: &meta.APIError{HTTPStatus: 400, Code: 200}}
		api.n, api.err = 5, denied
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "s", 30)); !errors.Is(err, meta.ErrForbidden) || api.n != 4 {
			t.Errorf("got %v after %d reads, want ErrForbidden after 1", err, 5-api.n)
		}
	})
}

// An inner batch Meta applied but the checkpoint could not record is sent
// again by the resumed call, in its own batch_seq of the same session (set
// operations: harmless), and every other acknowledged batch is skipped.
func TestInnerBatchAppliedButNotCheckpointed(t *testing.T) {
	for _, op := range []meta.Operation{meta.Add, meta.Replace} {
		t.Run(string(op), func(t *testing.T) {
			rec := metatest.NewGraph()
			aud := rec.Model.AddAudience()
			fc := meta.NewFileCheckpoint(t.TempDir())
			run := func(cp meta.Checkpoint) (*meta.Result, error) {
				up := meta.NewUploader(rec, fast, func(o *meta.Options) { o.BatchSize = 10; o.Concurrency = 1; o.Checkpoint = cp })
				if op == meta.Add {
					return up.Add(t.Context(), aud, testSchema, rows(t, "i", 100))
				}
				return up.Replace(t.Context(), aud, testSchema, rows(t, "i", 100))
			}
			third := func(st *meta.CheckpointState) bool { return len(st.Acked) == 3 }
			if _, err := run(failingSave{fc, third}); !errors.Is(err, errDiskFull) {
				t.Fatalf("first run: %v", err)
			}
			res, err := run(fc)
			if err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			if res.BatchesResumed != 2 || res.Batches != 8 || len(res.SessionIDs) != 1 {
				t.Errorf("resumed %d, sent %d batches in %d sessions; want 2, 8, 1", res.BatchesResumed, res.Batches, len(res.SessionIDs))
			}
			for _, b := range rec.Model.Batches() {
				want := 1
				if b.Seq == 3 {
					want = 2 // applied, lost by the checkpoint, sent again
				}
				if b.Applied != want {
					t.Errorf("batch %d applied %d times, want %d", b.Seq, b.Applied, want)
				}
			}
			if got := rec.Model.Size(aud); got != 100 {
				t.Errorf("audience has %d members, want 100", got)
			}
		})
	}
}
