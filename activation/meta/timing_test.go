package meta_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// Backoff doubles from MinDelay, each delay jittered within [d/2, d].
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		un := metatest.Fault{Kind: metatest.Unavailable}
		rec.SetFaults(metatest.Script(un, un, un, un, un))
		up := meta.NewUploader(rec, func(o *meta.Options) {
			o.Retry = meta.RetryPolicy{MinDelay: time.Second, MaxDelay: 10 * time.Second}
		})
		start := time.Now()
		res, err := up.Add(t.Context(), aud, testSchema, rows(t, "b", 10))
		if err != nil {
			t.Fatal(err)
		}
		reqs := rec.Requests()
		if len(reqs) != 6 || res.Retries != 5 || res.BatchesRetried != 1 {
			t.Fatalf("%d requests, %d retries, %d batches retried; want 6, 5, 1", len(reqs), res.Retries, res.BatchesRetried)
		}
		if !reqs[0].At.Equal(start) {
			t.Errorf("first attempt waited %s", reqs[0].At.Sub(start))
		}
		for i, max := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second} {
			gap := reqs[i+1].At.Sub(reqs[i].At)
			if gap < max/2 || gap > max {
				t.Errorf("delay before attempt %d is %s, want within [%s, %s]", i+2, gap, max/2, max)
			}
		}
	})
}

func TestRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		rec.SetFaults(func(int) metatest.Fault { return metatest.Fault{Kind: metatest.ServerError} })
		up := meta.NewUploader(rec, func(o *meta.Options) { o.Retry.MaxAttempts = 3 })
		res, err := up.Add(t.Context(), aud, testSchema, rows(t, "x", 10))
		if !errors.Is(err, meta.ErrTransient) {
			t.Fatalf("got %v, want ErrTransient", err)
		}
		var ae *meta.APIError
		if !errors.As(err, &ae) || ae.Code != meta.CodeUnknown || ae.HTTPStatus != 500 {
			t.Errorf("APIError %+v", ae)
		}
		if n := len(rec.Requests()); n != 3 || res.Retries != 2 || res.RowsSent != 0 {
			t.Errorf("%d requests, %d retries, %d rows sent; want 3, 2, 0", n, res.Retries, res.RowsSent)
		}
	})
}

// A throttled request pauses every request of the upload for Meta's
// estimated_time_to_regain_access, not only its own retry.
func TestThrottleRegainAccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		rec.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Throttle, RegainMinutes: 3}))
		up := meta.NewUploader(rec, func(o *meta.Options) {
			o.BatchSize = 10
			o.Concurrency = 4
			o.Retry.MinDelay = time.Second
		})
		start := time.Now()
		res, err := up.Add(t.Context(), aud, testSchema, rows(t, "t", 200))
		if err != nil {
			t.Fatal(err)
		}
		reqs := rec.Requests()
		if reqs[0].Fault != metatest.Throttle {
			t.Fatal("first request was not throttled")
		}
		for i, r := range reqs {
			if d := r.At.Sub(start); d > 0 && d < 3*time.Minute {
				t.Errorf("request %d sent %s after the throttle, inside the 3 minute pause", i, d)
			}
		}
		if res.Paused < 3*time.Minute {
			t.Errorf("paused %s, want at least 3m", res.Paused)
		}
		if got := rec.Model.Size(aud); got != 200 {
			t.Errorf("audience has %d members, want 200", got)
		}
	})
}

// Usage headers near the limit slow requests down before Meta throttles.
func TestSlowdownBeforeLimit(t *testing.T) {
	for _, tc := range []struct {
		pct     float64
		wantGap time.Duration
	}{
		{50, 0},
		{90, 0},
		{95, 30 * time.Second},
		{100, time.Minute},
	} {
		synctest.Test(t, func(t *testing.T) {
			rec := metatest.NewGraph()
			aud := rec.Model.AddAudience()
			rec.SetUsage(&meta.Usage{Business: []meta.BusinessUseCaseUsage{{ObjectID: "act_1", Type: "custom_audience", CallCount: tc.pct}}})
			up := meta.NewUploader(rec, func(o *meta.Options) {
				o.BatchSize = 10
				o.Concurrency = 1
				o.MaxSlowdown = time.Minute
			})
			if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "s", 40)); err != nil {
				t.Fatal(err)
			}
			reqs := rec.Requests()
			for i := 1; i < len(reqs); i++ {
				if gap := reqs[i].At.Sub(reqs[i-1].At); gap != tc.wantGap {
					t.Errorf("usage %v%%: gap before request %d is %s, want %s", tc.pct, i, gap, tc.wantGap)
				}
			}
		})
	}
}

// An attempt that outlives AttemptTimeout is abandoned (and, on the fake,
// not applied) and retried.
func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		rec.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Slow, Delay: time.Hour}))
		up := meta.NewUploader(rec, func(o *meta.Options) {
			o.AttemptTimeout = time.Minute
			o.Retry.MinDelay = time.Second
		})
		start := time.Now()
		res, err := up.Add(t.Context(), aud, testSchema, rows(t, "a", 10))
		if err != nil {
			t.Fatal(err)
		}
		if res.Retries != 1 || time.Since(start) > time.Minute+time.Second {
			t.Errorf("%d retries after %s", res.Retries, time.Since(start))
		}
		for _, b := range rec.Model.Batches() {
			if b.Applied != 1 {
				t.Errorf("batch %d applied %d times", b.Seq, b.Applied)
			}
		}
	})
}

// When the answer to a replace's last batch is lost, the retry meets
// "session already finished", which proves the batch was applied.
func TestLostAnswerToLastBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		// Requests: batch 1, batches 2-4, then the last batch (index 4).
		rec.SetFaults(metatest.Script(metatest.Fault{}, metatest.Fault{}, metatest.Fault{}, metatest.Fault{},
			metatest.Fault{Kind: metatest.LostResponse}))
		up := meta.NewUploader(rec, func(o *meta.Options) { o.BatchSize = 10; o.Concurrency = 1 })
		res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "l", 50))
		if err != nil {
			t.Fatal(err)
		}
		reqs := rec.Requests()
		if len(reqs) != 6 || !reqs[4].Last || !reqs[5].Last {
			t.Fatalf("%d requests; want the last batch sent twice", len(reqs))
		}
		if res.Batches != 5 || res.RowsSent != 50 || res.Retries != 1 {
			t.Errorf("batches %d rows %d retries %d", res.Batches, res.RowsSent, res.Retries)
		}
		if got := rec.Model.Size(aud); got != 50 {
			t.Errorf("audience has %d members, want 50", got)
		}
	})
}

// While a replace runs, the Uploader refuses other uploads to the same
// audience, and a replace refuses to start while Meta reports one running.
func TestReplaceExclusive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		aud := rec.Model.AddAudience()
		rec.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Slow, Delay: time.Minute}))
		up := meta.NewUploader(rec)
		done := make(chan error)
		go func() {
			_, err := up.Replace(t.Context(), aud, testSchema, rows(t, "r", 10))
			done <- err
		}()
		synctest.Wait()
		if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "a", 10)); !errors.Is(err, meta.ErrAudienceBusy) {
			t.Errorf("Add during replace: got %v, want ErrAudienceBusy", err)
		}
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "a", 10)); !errors.Is(err, meta.ErrAudienceBusy) {
			t.Errorf("second Replace: got %v, want ErrAudienceBusy", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		// Another process's replace: Meta reports it in operation_status.
		other := metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = rec.Model })
		if _, err := other.UpdateUsers(t.Context(), meta.Replace, aud, &meta.UsersRequest{
			Schema: testSchema, Cells: row(t, "o", 1), Session: meta.Session{ID: 42, BatchSeq: 1},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "b", 10)); !errors.Is(err, meta.ErrAudienceBusy) {
			t.Errorf("Replace during another replace: got %v, want ErrAudienceBusy", err)
		}
	})
}

// Two uploads cannot share a checkpoint key.
func TestCheckpointKeyExclusive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := metatest.NewGraph()
		a1, a2 := rec.Model.AddAudience(), rec.Model.AddAudience()
		rec.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Slow, Delay: time.Minute}))
		cp := meta.NewFileCheckpoint(t.TempDir())
		up := meta.NewUploader(rec, func(o *meta.Options) { o.Checkpoint = cp; o.CheckpointKey = "nightly" })
		done := make(chan error)
		go func() {
			_, err := up.Add(t.Context(), a1, testSchema, rows(t, "k", 10))
			done <- err
		}()
		synctest.Wait()
		if _, err := up.Add(t.Context(), a2, testSchema, rows(t, "k", 10)); !errors.Is(err, meta.ErrCheckpoint) {
			t.Errorf("second upload with the same key: got %v, want ErrCheckpoint", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := up.Add(t.Context(), a2, testSchema, rows(t, "k", 10)); err != nil {
			t.Errorf("key not released: %v", err)
		}
	})
}
