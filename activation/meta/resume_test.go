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

// ackedIndexes returns the batch indexes a checkpoint lists.
func ackedIndexes(t *testing.T, cp meta.Checkpoint, key string) (*meta.CheckpointState, map[int]bool) {
	t.Helper()
	st, err := cp.Load(t.Context(), key)
	if err != nil || st == nil {
		t.Fatalf("Load checkpoint: %v, %v", st, err)
	}
	out := map[int]bool{}
	for _, a := range st.Acked {
		out[a.Index] = true
	}
	return st, out
}

// checkNotResent asserts that no batch acknowledged before the crash was
// applied again after it, and that every batch was applied.
func checkNotResent(t *testing.T, m *metatest.Model, session int64, acked map[int]bool, n int) {
	t.Helper()
	bySeq := map[int]metatest.Batch{}
	for _, b := range m.Batches() {
		if b.Session == session {
			bySeq[b.Seq] = b
		}
	}
	for i := range n {
		b, ok := bySeq[i+1]
		switch {
		case !ok:
			t.Errorf("batch %d never applied", i+1)
		case acked[i] && b.Applied-b.Dropped != 1 && !(b.Last && b.Applied == 1):
			t.Errorf("batch %d was acknowledged before the crash but applied %d times (%d answers dropped)", i+1, b.Applied, b.Dropped)
		}
	}
}

func TestCanceledAndResumed(t *testing.T) {
	n, batch := size(60_000, 10_000), size(1000, 200)
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Random(5, 0.25, mixedFaults...))
	cp := meta.NewFileCheckpoint(t.TempDir())
	opts := func(o *meta.Options) { o.BatchSize = batch; o.Checkpoint = cp }

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := meta.NewUploader(srv.Client(), fast, opts, func(o *meta.Options) {
		o.Progress = func(p meta.Progress) {
			if p.BatchesAcked == 25 {
				cancel()
			}
		}
	}).Add(ctx, aud, testSchema, rows(t, "resume", n))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: got %v, want context.Canceled", err)
	}
	key := "meta-add-" + aud
	st, acked := ackedIndexes(t, cp, key)
	if len(acked) < 25 || len(acked) >= n/batch {
		t.Fatalf("%d batches acknowledged before the cancel", len(acked))
	}

	res, err := meta.NewUploader(srv.Client(), fast, opts).Add(t.Context(), aud, testSchema, rows(t, "resume", n))
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if res.BatchesResumed != len(acked) || res.Batches != n/batch-len(acked) || res.RowsSent+res.RowsResumed != int64(n) {
		t.Errorf("resumed %d batches, sent %d, rows %d+%d; checkpoint had %d", res.BatchesResumed, res.Batches, res.RowsSent, res.RowsResumed, len(acked))
	}
	if len(res.SessionIDs) != 1 || res.SessionIDs[0] != st.Sessions[0].ID {
		t.Errorf("resumed run used sessions %d, want the checkpointed one", len(res.SessionIDs))
	}
	checkNotResent(t, srv.Graph().Model, st.Sessions[0].ID, acked, n/batch)
	if got := srv.Graph().Model.Size(aud); got != int64(n) {
		t.Errorf("audience has %d members, want %d", got, n)
	}
	if st, err := cp.Load(t.Context(), key); err != nil || st != nil {
		t.Errorf("checkpoint not removed after success: %v", err)
	}
}

func TestResumeRejectsChangedInput(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	cp := meta.NewFileCheckpoint(t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := func(o *meta.Options) { o.BatchSize = 100; o.Checkpoint = cp; o.Concurrency = 1 }
	meta.NewUploader(rec, fast, opts, func(o *meta.Options) {
		o.Progress = func(p meta.Progress) {
			if p.BatchesAcked == 3 {
				cancel()
			}
		}
	}).Add(ctx, aud, testSchema, rows(t, "a", 1000))

	for _, tc := range []struct {
		name string
		seed string
		opts func(*meta.Options)
	}{
		{"other rows", "b", func(*meta.Options) {}},
		{"other batch size", "a", func(o *meta.Options) { o.BatchSize = 200 }},
	} {
		_, err := meta.NewUploader(rec, fast, opts, tc.opts).Add(t.Context(), aud, testSchema, rows(t, tc.seed, 1000))
		if !errors.Is(err, meta.ErrCheckpoint) {
			t.Errorf("%s: got %v, want ErrCheckpoint", tc.name, err)
		}
	}
	_, err := meta.NewUploader(rec, fast, opts).Add(t.Context(), aud, meta.Schema{testSchema[0]}, rows(t, "a", 1000))
	if !errors.Is(err, meta.ErrCheckpoint) {
		t.Errorf("other schema: got %v, want ErrCheckpoint", err)
	}
}

func TestReplaceResumed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, batch = 20_000, 1000
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		cp := meta.NewFileCheckpoint(t.TempDir())
		opts := func(o *meta.Options) { o.BatchSize = batch; o.Checkpoint = cp }
		up := meta.NewUploader(rec, fast, opts)
		if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "old", 3000)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		_, err := meta.NewUploader(rec, fast, opts, func(o *meta.Options) {
			o.Progress = func(p meta.Progress) {
				if p.BatchesAcked == 8 {
					cancel()
				}
			}
		}).Replace(ctx, aud, testSchema, rows(t, "new", n))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("first run: %v", err)
		}
		st, acked := ackedIndexes(t, cp, "meta-replace-"+aud)
		time.Sleep(30 * time.Minute) // within the replace window
		res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", n))
		if err != nil {
			t.Fatalf("resumed replace: %v", err)
		}
		if res.ContinuedAsAdd {
			t.Error("replace continued as add inside the window")
		}
		checkNotResent(t, rec.Model, st.Sessions[0].ID, acked, n/batch)
		if got := rec.Model.Size(aud); got != n {
			t.Errorf("audience has %d members, want %d", got, n)
		}
		if rec.Model.Contains(aud, row(t, "old", 1)) {
			t.Error("old member survived the replace")
		}
	})
}

func TestReplaceTooOldToResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		cp := meta.NewFileCheckpoint(t.TempDir())
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		opts := func(o *meta.Options) { o.BatchSize = 100; o.Checkpoint = cp }
		meta.NewUploader(rec, fast, opts, func(o *meta.Options) {
			o.Progress = func(p meta.Progress) {
				if p.BatchesAcked == 3 {
					cancel()
				}
			}
		}).Replace(ctx, aud, testSchema, rows(t, "new", 1000))
		time.Sleep(meta.ReplaceLimit + time.Minute)
		_, err := meta.NewUploader(rec, fast, opts).Replace(t.Context(), aud, testSchema, rows(t, "new", 1000))
		if !errors.Is(err, meta.ErrReplaceNotResumable) {
			t.Fatalf("got %v, want ErrReplaceNotResumable", err)
		}
	})
}

// A replace that would outlive ReplaceWindow is closed early and the rest
// is added, so every row still arrives.
func TestReplaceWindowContinuesAsAdd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		rec.SetFaults(func(int) metatest.Fault { return metatest.Fault{Kind: metatest.Slow, Delay: 10 * time.Minute} })
		up := meta.NewUploader(rec, fast, func(o *meta.Options) {
			o.BatchSize = 100
			o.Concurrency = 1
			o.ReplaceWindow = 25 * time.Minute
			o.AttemptTimeout = time.Hour
		})
		res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "w", 1000))
		if err != nil {
			t.Fatal(err)
		}
		if !res.ContinuedAsAdd || len(res.SessionIDs) != 2 {
			t.Fatalf("continued as add %v with %d sessions", res.ContinuedAsAdd, len(res.SessionIDs))
		}
		var replaced, added int
		for _, r := range rec.Requests() {
			switch r.Op {
			case meta.Replace:
				replaced++
				if r.Last != (r.Seq == 5) {
					t.Errorf("replace batch %d last=%v", r.Seq, r.Last)
				}
			case meta.Add:
				added++
				if r.Last != (r.Seq == 5) {
					t.Errorf("add batch %d last=%v", r.Seq, r.Last)
				}
			}
		}
		// Batches take 10 minutes each, one at a time. Batch 5 is built at
		// minute 30, past the 25-minute window, so it closes the replace.
		if replaced != 5 || added != 5 {
			t.Errorf("%d replace and %d add requests, want 5 and 5", replaced, added)
		}
		if got := rec.Model.Size(aud); got != 1000 {
			t.Errorf("audience has %d members, want 1000", got)
		}
	})
}

// A checkpointed replace whose batch 1 was never acknowledged, and whose
// session may have expired at Meta, starts again in a new session.
func TestReplaceRestartsUnacknowledgedSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		cp := meta.NewFileCheckpoint(t.TempDir())
		old := meta.CheckpointState{Version: 1, Audience: aud, Op: meta.Replace, Schema: testSchema, BatchSize: 100,
			Sessions: []meta.CheckpointSession{{Op: meta.Replace, ID: 5, Start: 0, Started: time.Now()}}}
		if err := cp.Save(t.Context(), "meta-replace-"+aud, &old); err != nil {
			t.Fatal(err)
		}
		time.Sleep(meta.ReplaceLimit)
		res, err := meta.NewUploader(rec, func(o *meta.Options) { o.BatchSize = 100; o.Checkpoint = cp }).
			Replace(t.Context(), aud, testSchema, rows(t, "n", 250))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.SessionIDs) != 1 || res.SessionIDs[0] == 5 {
			t.Errorf("sessions %v, want one new session", res.SessionIDs)
		}
		if got := rec.Model.Size(aud); got != 250 {
			t.Errorf("audience has %d members, want 250", got)
		}
	})
}

// When Meta expires a replace session under the Uploader (2650/1870158),
// the refused batches and the rest are added in a new session: the audience
// ends with every row.
func TestReplaceExpiredContinuesAsAdd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		// Batch 1 is quick; batches 2-5 (sent together) take 100 minutes,
		// so they reach the fake after the replace expired.
		slow := metatest.Fault{Kind: metatest.Slow, Delay: 100 * time.Minute}
		rec.SetFaults(metatest.Script(metatest.Fault{}, slow, slow, slow, slow))
		up := meta.NewUploader(rec, func(o *meta.Options) {
			o.BatchSize = 100
			o.AttemptTimeout = 3 * time.Hour
		})
		res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "x", 550))
		if err != nil {
			t.Fatal(err)
		}
		if !res.ContinuedAsAdd || len(res.SessionIDs) != 2 || res.Batches != 6 || res.RowsSent != 550 {
			t.Errorf("continued %v, %d sessions, %d batches, %d rows", res.ContinuedAsAdd, len(res.SessionIDs), res.Batches, res.RowsSent)
		}
		adds := 0
		for _, r := range rec.Requests() {
			if r.Op == meta.Add {
				adds++
			}
		}
		if adds != 5 {
			t.Errorf("%d add requests, want 5 (batches 2-5 again, then 6)", adds)
		}
		if got := rec.Model.Size(aud); got != 550 {
			t.Errorf("audience has %d members, want 550", got)
		}
		for i := range 550 {
			if !rec.Model.Contains(aud, row(t, "x", i)) {
				t.Fatalf("row %d missing", i)
			}
		}
	})
}
