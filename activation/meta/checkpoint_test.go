package meta_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/google/go-cmp/cmp"
)

func TestFileCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cp")
	cp := meta.NewFileCheckpoint(dir)
	ctx := t.Context()
	if st, err := cp.Load(ctx, "none"); st != nil || err != nil {
		t.Fatalf("Load of a missing key: %v, %v", st, err)
	}
	if err := cp.Delete(ctx, "none"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	st := &meta.CheckpointState{Version: 1, Audience: "1", Op: meta.Add, Schema: testSchema, BatchSize: 10,
		Sessions: []meta.CheckpointSession{{Op: meta.Add, ID: 9, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
		Acked:    []meta.AckedBatch{{Index: 0, Rows: 10, Sum: 42}}}
	for _, key := range []string{"plain-key_1.x", "../escape/attempt", ".hidden", "ключ"} {
		if err := cp.Save(ctx, key, st); err != nil {
			t.Fatalf("Save(%q): %v", key, err)
		}
		got, err := cp.Load(ctx, key)
		if err != nil {
			t.Fatalf("Load(%q): %v", key, err)
		}
		if diff := cmp.Diff(st, got); diff != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", key, diff)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d files in the checkpoint directory, want 4 (no temp files, nothing outside)", len(entries))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); !os.IsNotExist(err) {
		t.Error("a key escaped the directory")
	}
	if err := cp.Delete(ctx, "../escape/attempt"); err != nil {
		t.Fatal(err)
	}
	if st, _ := cp.Load(ctx, "../escape/attempt"); st != nil {
		t.Error("Delete left the state")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Load(ctx, "bad"); err == nil {
		t.Error("corrupt checkpoint loaded without error")
	}
}

// TestFileCheckpointLog saves an upload's growing state batch by batch, as
// the Uploader does, and checks after every Save that a fresh
// FileCheckpoint loads exactly that state, that the snapshot is rewritten a
// logarithmic number of times (not once per batch), and that other changes
// still land.
func TestFileCheckpointLog(t *testing.T) {
	dir := t.TempDir()
	cp := meta.NewFileCheckpoint(dir)
	ctx := t.Context()
	st := &meta.CheckpointState{Version: 1, Audience: "1", Op: meta.Add, Schema: testSchema, BatchSize: 10,
		Sessions: []meta.CheckpointSession{{Op: meta.Add, ID: 9, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}}
	if err := cp.Save(ctx, "k", st); err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(dir, "k.json")
	stamp := func() string {
		fi, err := os.Stat(snapshot)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().String() + "/" + strconv.FormatInt(fi.Size(), 10)
	}
	n := soakSize(3000, 800, 400)
	rewrites, last := 0, stamp()
	for i := range n {
		st.Acked = append(st.Acked, meta.AckedBatch{Index: i, Rows: 10, Sum: uint32(i * 7)})
		if i == n/2 {
			st.Sessions[0].Closed = true // not an append: a new snapshot
		}
		if err := cp.Save(ctx, "k", st); err != nil {
			t.Fatal(err)
		}
		if s := stamp(); s != last {
			rewrites, last = rewrites+1, s
		}
		if i%97 == 0 || i == n-1 {
			got, err := meta.NewFileCheckpoint(dir).Load(ctx, "k")
			if err != nil {
				t.Fatalf("after batch %d: %v", i, err)
			}
			if diff := cmp.Diff(st, got); diff != "" {
				t.Fatalf("after batch %d, Load differs (-want +got):\n%s", i, diff)
			}
		}
	}
	// Snapshots double: about log2(n/64) of them, plus the session change.
	if rewrites > 16 {
		t.Errorf("saving %d batches rewrote the snapshot %d times, want O(log n)", n, rewrites)
	}

	// A second FileCheckpoint resuming from Load keeps appending.
	cp2 := meta.NewFileCheckpoint(dir)
	st2, err := cp2.Load(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	before := stamp()
	st2.Acked = append(st2.Acked, meta.AckedBatch{Index: n, Rows: 1, Sum: 1})
	if err := cp2.Save(ctx, "k", st2); err != nil {
		t.Fatal(err)
	}
	if stamp() != before {
		t.Error("a Save after Load that only adds a batch rewrote the snapshot")
	}
	if got, _ := meta.NewFileCheckpoint(dir).Load(ctx, "k"); !cmp.Equal(st2, got) {
		t.Fatal("Save after Load did not land")
	}

	// Delete removes the snapshot and the log.
	if err := cp2.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Delete left %d files", len(entries))
	}
}

// TestFileCheckpointCrashes: a torn last log line (a crash inside Save) is
// dropped and the next Save keeps everything before it; a log left from an
// older snapshot is ignored; a corrupt line before the last is an error.
func TestFileCheckpointCrashes(t *testing.T) {
	ctx := t.Context()
	dir, st := savedBatchByBatch(t, 10)
	logFile := filepath.Join(dir, "k.log")
	good, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no log after appends: %v", err)
	}
	if err := os.WriteFile(logFile, append(slices.Clone(good), `{"acked":[{"i":10,"n"`...), 0o644); err != nil {
		t.Fatal(err)
	}
	cp2 := meta.NewFileCheckpoint(dir)
	got, err := cp2.Load(ctx, "k")
	if err != nil {
		t.Fatalf("Load with a torn last line: %v", err)
	}
	if diff := cmp.Diff(st, got); diff != "" {
		t.Fatalf("Load with a torn last line (-want +got):\n%s", diff)
	}
	got.Acked = append(got.Acked, meta.AckedBatch{Index: 10, Rows: 10, Sum: 10})
	if err := cp2.Save(ctx, "k", got); err != nil {
		t.Fatal(err)
	}
	again, err := meta.NewFileCheckpoint(dir).Load(ctx, "k")
	if err != nil || !cmp.Equal(got, again) {
		t.Fatalf("Save after a torn line lost batches: err %v", err)
	}

	// A log whose header names another snapshot is stale: ignored.
	stale := `{"base":"00"}` + "\n" + `{"acked":[{"i":99,"n":1,"s":1}]}` + "\n"
	if err := os.WriteFile(logFile, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := meta.NewFileCheckpoint(dir).Load(ctx, "k"); err != nil || !cmp.Equal(got, st) {
		t.Fatalf("a stale log was applied (err %v)", err)
	}

	// A corrupt line before the last one is an error, not silent loss.
	dir2, _ := savedBatchByBatch(t, 4)
	log4 := filepath.Join(dir2, "k.log")
	b, err := os.ReadFile(log4)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) < 4 {
		t.Fatalf("log has %d lines, want a header and appends", len(lines))
	}
	lines[1] = "{\n"
	if err := os.WriteFile(log4, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := meta.NewFileCheckpoint(dir2).Load(ctx, "k"); err == nil {
		t.Fatal("a corrupt log line before the last loaded without error")
	}
}
