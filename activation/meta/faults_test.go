package meta_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// mixedFaults fails requests in every way the fakes know, except Slow
// (which only delays).
var mixedFaults = []metatest.Fault{
	{Kind: metatest.ServerError},
	{Kind: metatest.Unavailable},
	{Kind: metatest.HTML},
	{Kind: metatest.Reset},
	{Kind: metatest.LostResponse},
	{Kind: metatest.FailAfterApply},
	{Kind: metatest.Throttle},
	{Kind: metatest.Throttle, Status: 400},
	{Kind: metatest.GraphError, Code: meta.CodeUserRateLimit},
	{Kind: metatest.GraphError, Status: 500, Code: 2, Transient: true},
	{Kind: metatest.GraphError, Code: meta.CodeAudienceUpdate, Subcode: meta.SubcodeUpdateInProgress},
	{Kind: metatest.GraphError, Code: 1},
	{Kind: metatest.Slow, Delay: 3 * time.Millisecond},
}

// failing counts the injected faults that made a request fail.
func failing(st metatest.Stats) int {
	n := 0
	for k, v := range st.Faults {
		if k != metatest.Slow {
			n += v
		}
	}
	return n
}

// checkBatches asserts that session's batches 1..n were each acknowledged
// exactly once (applied once, plus once per dropped answer; the last batch
// exactly once), that only
// batch n carried last_batch_flag, and returns the rows applied twice.
func checkBatches(t *testing.T, m *metatest.Model, session int64, n int) (reapplied int64) {
	t.Helper()
	seen := map[int]bool{}
	for _, b := range m.Batches() {
		if b.Session != session {
			continue
		}
		if seen[b.Seq] {
			t.Errorf("batch %d recorded twice", b.Seq)
		}
		seen[b.Seq] = true
		switch {
		case b.Last && b.Applied != 1:
			// A last batch is never applied twice: after a dropped answer
			// the retry is refused with 2650/1870159, which is the ack.
			t.Errorf("last batch %d applied %d times", b.Seq, b.Applied)
		case !b.Last && b.Applied-b.Dropped != 1:
			t.Errorf("batch %d: applied %d times with %d answers dropped; want exactly one acknowledged application", b.Seq, b.Applied, b.Dropped)
		}
		if b.Last != (b.Seq == n) {
			t.Errorf("batch %d: last_batch_flag %v", b.Seq, b.Last)
		}
		reapplied += int64(b.Applied-1) * int64(b.Rows)
	}
	for seq := 1; seq <= n; seq++ {
		if !seen[seq] {
			t.Errorf("batch %d never applied", seq)
		}
	}
	return reapplied
}

// TestAddUnderFaults250k sends 250,000 rows under faults with
// CDPKIT_SOAK set, 40,000 by default and 12,000 under -short.
func TestAddUnderFaults250k(t *testing.T) {
	n, batch := soakSize(250_000, 40_000, 12_000), soakSize(1000, 300, 120)
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Random(7, 0.3, mixedFaults...))
	up := meta.NewUploader(srv.Client(), fast, func(o *meta.Options) { o.BatchSize = batch })

	res, err := up.Add(t.Context(), aud, testSchema, rows(t, "faults", n))
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	st := srv.Stats()
	fails := failing(st)
	if rate := float64(fails) / float64(st.Requests); rate < 0.2 {
		t.Fatalf("only %d of %d requests failed (%.0f%%); the test needs at least 20%%", fails, st.Requests, 100*rate)
	}
	t.Logf("%d requests, %d failed, faults %v, %d retries", st.Requests, fails, st.Faults, res.Retries)
	if !testing.Short() {
		for _, f := range mixedFaults {
			if st.Faults[f.Kind] == 0 {
				t.Errorf("no %v fault was injected: the mix is incomplete", f.Kind)
			}
		}
	}
	nb := (n + batch - 1) / batch
	if res.RowsRead != int64(n) || res.RowsSent != int64(n) || res.RowsRejected != 0 || res.Batches != nb {
		t.Errorf("result read %d sent %d rejected %d batches %d; want %d, %d, 0, %d", res.RowsRead, res.RowsSent, res.RowsRejected, res.Batches, n, n, nb)
	}
	if res.Retries != fails {
		t.Errorf("%d retries for %d failed requests", res.Retries, fails)
	}
	if len(res.SessionIDs) != 1 {
		t.Fatalf("%d sessions, want 1", len(res.SessionIDs))
	}
	reapplied := checkBatches(t, srv.Graph().Model, res.SessionIDs[0], nb)
	if want := int64(n) + reapplied; res.NumReceived != want {
		t.Errorf("num_received %d, want %d (%d rows plus %d received twice after lost answers)", res.NumReceived, want, n, reapplied)
	}
	if got := srv.Graph().Model.Size(aud); got != int64(n) {
		t.Errorf("audience has %d members, want %d", got, n)
	}
	missing := 0
	for i := range n {
		if !srv.Graph().Model.Contains(aud, row(t, "faults", i)) {
			missing++
			if missing < 5 {
				t.Errorf("row %d missing from the audience", i)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d rows missing", missing)
	}
}

func TestReplaceUnderFaults(t *testing.T) {
	n, batch := size(30_000, 6000), size(500, 300)
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	up := meta.NewUploader(srv.Client(), fast, func(o *meta.Options) { o.BatchSize = batch })
	if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "old", 5000)); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(metatest.Random(11, 0.3, mixedFaults...))
	res, err := up.Replace(t.Context(), aud, testSchema, rows(t, "new", n))
	if err != nil {
		t.Fatalf("Replace: %v", err)
	}
	st := srv.Stats()
	if fails := failing(st); res.Retries != fails {
		t.Errorf("%d retries for %d failed requests", res.Retries, fails)
	}
	checkBatches(t, srv.Graph().Model, res.SessionIDs[0], n/batch)
	if got := srv.Graph().Model.Size(aud); got != int64(n) {
		t.Errorf("audience has %d members after replace, want %d", got, n)
	}
	for i := 0; i < 5000; i += 97 {
		if srv.Graph().Model.Contains(aud, row(t, "old", i)) {
			t.Fatalf("old row %d survived the replace", i)
		}
	}
	for i := range n {
		if !srv.Graph().Model.Contains(aud, row(t, "new", i)) {
			t.Fatalf("new row %d missing", i)
		}
	}
}

func TestRemoveUnderFaults(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	up := meta.NewUploader(srv.Client(), fast, func(o *meta.Options) { o.BatchSize = 500 })
	if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "r", 10_000)); err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(metatest.Random(3, 0.3, mixedFaults...))
	res, err := up.Remove(t.Context(), aud, testSchema, rows(t, "r", 6000))
	if err != nil {
		t.Fatalf("Remove: %v", err)
	}
	checkBatches(t, srv.Graph().Model, res.SessionIDs[0], 12)
	if got := srv.Graph().Model.Size(aud); got != 4000 {
		t.Errorf("audience has %d members, want 4000", got)
	}
}

// A permanent error stops the upload at once and is reported with its
// category and Graph code; no retry is made.
func TestPermanentErrorStops(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Script(metatest.Fault{}, metatest.Fault{Kind: metatest.GraphError, Code: meta.CodePermission, Subcode: 1870090}))
	up := meta.NewUploader(srv.Client(), fast, func(o *meta.Options) { o.BatchSize = 100; o.Concurrency = 1 })
	res, err := up.Add(t.Context(), aud, testSchema, rows(t, "p", 1000))
	if !errors.Is(err, meta.ErrForbidden) || !errors.Is(err, meta.ErrPermanent) {
		t.Fatalf("got %v, want ErrForbidden", err)
	}
	var ae *meta.APIError
	if !errors.As(err, &ae) || ae.Code != meta.CodePermission || ae.Subcode != 1870090 || ae.TraceID == "" {
		t.Fatalf("APIError %+v", ae)
	}
	if res.Retries != 0 || res.Batches != 1 {
		t.Errorf("retries %d batches %d, want 0 and 1", res.Retries, res.Batches)
	}
	if st := srv.Stats(); st.Requests != 2 {
		t.Errorf("%d requests, want 2", st.Requests)
	}
}

func TestRestrictedAudience(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	rec.Model.SetStatus(aud, meta.OperationStatus{Code: meta.StatusCodeRestricted})
	up := meta.NewUploader(rec, fast)
	if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "x", 10)); !errors.Is(err, meta.ErrAudienceRestricted) {
		t.Errorf("Add: got %v, want ErrAudienceRestricted", err)
	}
	if _, err := up.Replace(t.Context(), aud, testSchema, rows(t, "x", 10)); !errors.Is(err, meta.ErrAudienceRestricted) {
		t.Errorf("Replace: got %v, want ErrAudienceRestricted", err)
	}
	if len(rec.Requests()) != 1 {
		t.Errorf("%d requests; Replace should stop at the status check", len(rec.Requests()))
	}
}
