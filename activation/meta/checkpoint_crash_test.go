package meta_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/activation/meta"
)

func newState() *meta.CheckpointState {
	return &meta.CheckpointState{Version: 1, Audience: "1", Op: meta.Add, Schema: testSchema, BatchSize: 10}
}

func ack(st *meta.CheckpointState, i int) {
	st.Acked = append(st.Acked, meta.AckedBatch{Index: i, Rows: 10, Sum: uint32(i)})
}

// savedBatchByBatch saves an upload of n batches to a new directory, one
// Save per batch (the first makes the snapshot, the rest go to the log).
func savedBatchByBatch(t *testing.T, n int) (dir string, st *meta.CheckpointState) {
	t.Helper()
	dir = t.TempDir()
	cp := meta.NewFileCheckpoint(dir)
	st = newState()
	for i := range n {
		ack(st, i)
		if err := cp.Save(t.Context(), "k", st); err != nil {
			t.Fatal(err)
		}
	}
	return dir, st
}

// loadsAs fails the test unless a fresh FileCheckpoint on dir loads want.
func loadsAs(t *testing.T, dir string, want *meta.CheckpointState, what string) {
	t.Helper()
	if got, err := meta.NewFileCheckpoint(dir).Load(t.Context(), "k"); err != nil || !cmp.Equal(want, got) {
		t.Fatalf("%s: Load differs from the saved state (err %v)", what, err)
	}
}

// TestFileCheckpointTruncatedAtEveryByte models a crash inside the last
// appends: the log cut at every offset must Load (with whole lines only),
// and two more Saves must then Load with both batches.
func TestFileCheckpointTruncatedAtEveryByte(t *testing.T) {
	ctx := t.Context()
	dir, _ := savedBatchByBatch(t, 6)
	full, err := os.ReadFile(filepath.Join(dir, "k.log"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := os.ReadFile(filepath.Join(dir, "k.json"))
	if err != nil {
		t.Fatal(err)
	}
	for cut := 0; cut <= len(full); cut++ {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "k.json"), snap, 0o644)
		os.WriteFile(filepath.Join(d, "k.log"), full[:cut], 0o644)
		c := meta.NewFileCheckpoint(d)
		got, err := c.Load(ctx, "k")
		if err != nil {
			t.Fatalf("log cut at byte %d of %d: Load: %v", cut, len(full), err)
		}
		// Whole lines before the cut are kept, nothing after it.
		whole := bytes.Count(full[:cut], []byte("\n"))
		if want := 1 + max(whole-1, 0); len(got.Acked) != want {
			t.Fatalf("log cut at byte %d: loaded %d batches, want %d", cut, len(got.Acked), want)
		}
		n := len(got.Acked)
		for j := range 2 {
			ack(got, 100+j)
			if err := c.Save(ctx, "k", got); err != nil {
				t.Fatal(err)
			}
		}
		again, err := meta.NewFileCheckpoint(d).Load(ctx, "k")
		if err != nil || again == nil || len(again.Acked) != n+2 {
			t.Fatalf("log cut at byte %d: after two more Saves Load lost batches (err %v)", cut, err)
		}
	}
}

// TestFileCheckpointInstances: a Save by an instance whose key was deleted
// or replaced by another instance still lands.
func TestFileCheckpointInstances(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := meta.NewFileCheckpoint(dir)
	st := newState()
	if err := a.Save(ctx, "k", st); err != nil {
		t.Fatal(err)
	}
	if err := meta.NewFileCheckpoint(dir).Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	ack(st, 0)
	if err := a.Save(ctx, "k", st); err != nil {
		t.Fatal(err)
	}
	loadsAs(t, dir, st, "Save after another instance's Delete")
	// Another instance replaces the snapshot: a's next append must not
	// start a log over a snapshot it has not seen.
	other := newState()
	other.Audience = "2"
	if err := meta.NewFileCheckpoint(dir).Save(ctx, "k", other); err != nil {
		t.Fatal(err)
	}
	ack(st, 1)
	if err := a.Save(ctx, "k", st); err != nil {
		t.Fatal(err)
	}
	loadsAs(t, dir, st, "Save after another instance's snapshot")
}

// TestFileCheckpointShrinkToSnapshot: a state that goes back to exactly
// its snapshot must not leave the log that extended it loadable.
func TestFileCheckpointShrinkToSnapshot(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	cp := meta.NewFileCheckpoint(dir)
	st := newState()
	ack(st, 0)
	if err := cp.Save(ctx, "k", st); err != nil { // snapshot with batch 0
		t.Fatal(err)
	}
	ack(st, 1)
	if err := cp.Save(ctx, "k", st); err != nil { // log with batch 1
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "k.log")
	if _, err := os.Stat(logFile); err != nil {
		t.Fatal(err)
	}
	st.Acked = st.Acked[:1]
	if err := cp.Save(ctx, "k", st); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(logFile); !os.IsNotExist(err) {
		t.Fatal("the log extending the snapshot survived a Save back to that snapshot")
	}
	loadsAs(t, dir, st, "after shrinking")
}

// TestFileCheckpointRandomHistories saves random histories (appends,
// changed and dropped batches, new sessions, reloads by fresh instances)
// and checks every Save against a fresh Load.
func TestFileCheckpointRandomHistories(t *testing.T) {
	seeds, steps := uint64(soakSize(20, 4, 2)), 200
	if testing.Short() {
		steps = 100
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 7))
		dir := t.TempDir()
		ctx := t.Context()
		cp := meta.NewFileCheckpoint(dir)
		st := newState()
		next := 0
		for step := range steps {
			switch r := rng.IntN(100); {
			case r < 80:
				for range 1 + rng.IntN(3) {
					ack(st, next)
					next++
				}
			case r < 84 && len(st.Acked) > 0:
				st.Acked[rng.IntN(len(st.Acked))].Sum ^= 1
			case r < 88 && len(st.Acked) > 0:
				st.Acked = st.Acked[:rng.IntN(len(st.Acked))]
			case r < 92:
				st.Sessions = append(st.Sessions, meta.CheckpointSession{ID: int64(step)})
			default:
				cp = meta.NewFileCheckpoint(dir)
				got, err := cp.Load(ctx, "k")
				if err != nil {
					t.Fatalf("seed %d step %d: %v", seed, step, err)
				}
				if got != nil {
					st = got
				}
			}
			if err := cp.Save(ctx, "k", st); err != nil {
				t.Fatal(err)
			}
			loadsAs(t, dir, st, fmt.Sprintf("seed %d step %d", seed, step))
		}
	}
}
