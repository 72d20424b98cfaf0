//go:build unix

package meta_test

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// TestKilledAndResumed kills a child process mid-upload (SIGKILL, with
// requests in flight) and resumes from its file checkpoint.
func TestKilledAndResumed(t *testing.T) {
	if os.Getenv("META_CHILD_URL") != "" {
		runChild(t)
		return
	}
	n, batch := size(40_000, 10_000), size(1000, 250)
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Random(9, 0.25, mixedFaults...))
	dir := t.TempDir()

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestKilledAndResumed$", "-test.count=1")
	cmd.Env = append(os.Environ(), "META_CHILD_URL="+srv.URL(), "META_CHILD_AUD="+aud, "META_CHILD_DIR="+dir,
		"META_CHILD_BATCH="+strconv.Itoa(batch), "META_CHILD_ROWS="+strconv.Itoa(n))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed: %v\n%s", err, out)
	}
	cp := meta.NewFileCheckpoint(dir)
	st, acked := ackedIndexes(t, cp, "meta-add-"+aud)
	if len(acked) < 15 || len(acked) >= n/batch {
		t.Fatalf("%d batches acknowledged before the kill", len(acked))
	}
	res, err := meta.NewUploader(srv.Client(), fast, func(o *meta.Options) { o.BatchSize = batch; o.Checkpoint = cp }).
		Add(t.Context(), aud, testSchema, rows(t, "killed", n))
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if res.BatchesResumed != len(acked) || res.RowsSent+res.RowsResumed != int64(n) {
		t.Errorf("resumed %d batches (checkpoint %d), rows %d+%d", res.BatchesResumed, len(acked), res.RowsSent, res.RowsResumed)
	}
	checkNotResent(t, srv.Graph().Model, st.Sessions[0].ID, acked, n/batch)
	if got := srv.Graph().Model.Size(aud); got != int64(n) {
		t.Errorf("audience has %d members, want %d", got, n)
	}
}

// runChild uploads until 15 batches are acknowledged, then kills itself.
func runChild(t *testing.T) {
	batch, _ := strconv.Atoi(os.Getenv("META_CHILD_BATCH"))
	n, _ := strconv.Atoi(os.Getenv("META_CHILD_ROWS"))
	client := meta.NewClient("test-token", func(o *meta.ClientOptions) { o.BaseURL = os.Getenv("META_CHILD_URL") })
	up := meta.NewUploader(client, fast, func(o *meta.Options) {
		o.BatchSize = batch
		o.Checkpoint = meta.NewFileCheckpoint(os.Getenv("META_CHILD_DIR"))
		o.Progress = func(p meta.Progress) {
			if p.BatchesAcked == 15 {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	})
	up.Add(t.Context(), os.Getenv("META_CHILD_AUD"), testSchema, rows(t, "killed", n))
	t.Fatal("child finished without being killed")
}
