package meta_test

import (
	"os"
	"path/filepath"
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
