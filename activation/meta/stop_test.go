package meta_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// wireAPI models requests on the wire: Meta applies batches 2..4 as soon
// as they arrive, and their answers come back only once release is closed.
// A request whose context ends first is cut: its answer is lost although
// Meta applied it.
type wireAPI struct {
	*metatest.Graph
	release  chan struct{}
	inFlight chan int
	mu       sync.Mutex
	sent     map[int]int // batch_seq → requests
}

func (w *wireAPI) UpdateUsers(ctx context.Context, op meta.Operation, aud string, req *meta.UsersRequest) (*meta.UsersResponse, error) {
	w.mu.Lock()
	w.sent[req.Session.BatchSeq]++
	w.mu.Unlock()
	resp, err := w.Graph.UpdateUsers(ctx, op, aud, req)
	if seq := req.Session.BatchSeq; err == nil && seq >= 2 && seq <= 4 {
		w.inFlight <- seq
		select {
		case <-w.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return resp, err
}

// A graceful stop (the caller cancels ctx) lets the attempts already on
// the wire finish and records them, so the resumed call does not send
// them again.
func TestStopLetsAttemptsOnTheWireFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		api := &wireAPI{Graph: rec, release: make(chan struct{}), inFlight: make(chan int, 3), sent: map[int]int{}}
		cp := meta.NewFileCheckpoint(t.TempDir())
		opts := func(o *meta.Options) { fast(o); o.BatchSize = 10; o.Concurrency = 3; o.Checkpoint = cp }
		up := meta.NewUploader(api, opts)
		ctx, cancel := context.WithCancel(t.Context())
		var (
			res *meta.Result
			err error
		)
		done := make(chan struct{})
		go func() {
			res, err = up.Add(ctx, aud, testSchema, rows(t, "s", 60))
			close(done)
		}()
		for range 3 {
			<-api.inFlight
		}
		cancel()
		time.Sleep(time.Second) // the stop does not cut them…
		synctest.Wait()
		close(api.release) // …their answers arrive
		<-done
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if res.Batches != 4 {
			t.Errorf("result counts %d acknowledged batches, want 4 (1 before the stop, 3 on the wire)", res.Batches)
		}
		_, acked := ackedIndexes(t, cp, "meta-add-"+aud)
		for i := range 4 {
			if !acked[i] {
				t.Errorf("batch %d was applied but not checkpointed", i+1)
			}
		}
		res, err = meta.NewUploader(api, opts).Add(t.Context(), aud, testSchema, rows(t, "s", 60))
		if err != nil {
			t.Fatal(err)
		}
		if res.BatchesResumed != 4 || res.Batches != 2 {
			t.Errorf("resumed %d and sent %d batches, want 4 and 2", res.BatchesResumed, res.Batches)
		}
		for seq, n := range api.sent {
			if n != 1 {
				t.Errorf("batch %d sent %d times", seq, n)
			}
		}
	})
}

// An attempt on the wire at a stop is waited for at most AttemptTimeout.
func TestStopWaitsAtMostAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		api := &wireAPI{Graph: rec, release: make(chan struct{}), inFlight: make(chan int, 3), sent: map[int]int{}}
		up := meta.NewUploader(api, fast, func(o *meta.Options) { o.BatchSize = 10; o.Concurrency = 3; o.AttemptTimeout = 30 * time.Second })
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		time.AfterFunc(time.Second, cancel)
		_, err := up.Add(ctx, aud, testSchema, rows(t, "s", 60))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("the call returned after %v, want the attempt timeout (30s)", d)
		}
	})
}
