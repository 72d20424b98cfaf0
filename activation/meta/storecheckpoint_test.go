package meta_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/s3zone/s3zonetest"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func checkpointStores(t *testing.T) map[string]func(t *testing.T) *zones.Store {
	return map[string]func(t *testing.T) *zones.Store{
		"filezone": func(t *testing.T) *zones.Store { return zonestest.New(t) },
		"memzone":  func(t *testing.T) *zones.Store { return zones.New(memzone.New()) },
		"s3zone": func(t *testing.T) *zones.Store {
			srv := s3zonetest.NewServer(t)
			return zones.New(srv.Backend(t))
		},
	}
}

// A StoreCheckpoint round-trips states on every backend, writes deltas
// (not snapshots) while batches are only added, and a fresh instance loads
// exactly what was saved.
func TestStoreCheckpoint(t *testing.T) {
	for name, newStore := range checkpointStores(t) {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			ctx := t.Context()
			cp := meta.NewStoreCheckpoint(store, zones.Curated, "_checkpoints/meta")
			if st, err := cp.Load(ctx, "none"); st != nil || err != nil {
				t.Fatalf("Load of a missing key: %v, %v", st, err)
			}
			if err := cp.Delete(ctx, "none"); err != nil {
				t.Fatalf("Delete of a missing key: %v", err)
			}
			st := &meta.CheckpointState{Version: 1, Audience: "1", Op: meta.Add, Schema: testSchema, BatchSize: 10,
				Sessions: []meta.CheckpointSession{{Op: meta.Add, ID: 9, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}}
			for _, key := range []string{"../escape", "meta-add-1"} {
				const n = 300
				st.Acked = nil
				for i := range n {
					st.Acked = append(st.Acked, meta.AckedBatch{Index: i, Rows: 10, Sum: uint32(i * 7)})
					if i == n/2 {
						st.Sessions[0].Closed = true // not an append: a snapshot
					}
					if err := cp.Save(ctx, key, st); err != nil {
						t.Fatal(err)
					}
					if i%37 == 0 || i == n-1 {
						got, err := meta.NewStoreCheckpoint(store, zones.Curated, "_checkpoints/meta").Load(ctx, key)
						if err != nil {
							t.Fatalf("after batch %d: %v", i, err)
						}
						if diff := cmp.Diff(st, got); diff != "" {
							t.Fatalf("after batch %d, Load differs (-want +got):\n%s", i, diff)
						}
					}
				}
				st.Sessions[0].Closed = false
			}
			objects := 0
			for o, err := range store.Objects(ctx, zones.Curated, "") {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(o.Key, "_checkpoints/meta/") {
					t.Errorf("object %q outside the prefix", o.Key)
				}
				objects++
			}
			// One snapshot and fewer deltas than an eighth of its batches
			// (at least 16) per key: old objects are removed.
			if objects > 2*(1+300/8) {
				t.Errorf("%d objects for 2 keys of 300 batches", objects)
			}
			for _, key := range []string{"../escape", "meta-add-1"} {
				if err := cp.Delete(ctx, key); err != nil {
					t.Fatal(err)
				}
				if st, err := cp.Load(ctx, key); st != nil || err != nil {
					t.Fatalf("Load after Delete: %v, %v", st, err)
				}
			}
			for o := range store.Objects(ctx, zones.Curated, "") {
				t.Errorf("Delete left %q", o.Key)
			}
		})
	}
}

// An upload canceled part-way resumes from a checkpoint on S3 without
// sending acknowledged batches again.
func TestUploadResumesFromS3Checkpoint(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	store := zones.New(srv.Backend(t))
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	cp := func() meta.Checkpoint { return meta.NewStoreCheckpoint(store, zones.Curated, "_checkpoints") }
	ctx, cancel := context.WithCancel(t.Context())
	opts := func(o *meta.Options) {
		fast(o)
		o.BatchSize = 10
		o.Concurrency = 1
		o.Checkpoint = cp()
		o.Progress = func(p meta.Progress) {
			if p.BatchesAcked == 3 {
				cancel()
			}
		}
	}
	if _, err := meta.NewUploader(rec, opts).Add(ctx, aud, testSchema, rows(t, "s3", 100)); err == nil {
		t.Fatal("the canceled upload succeeded")
	}
	res, err := meta.NewUploader(rec, func(o *meta.Options) { fast(o); o.BatchSize = 10; o.Concurrency = 1; o.Checkpoint = cp() }).
		Add(t.Context(), aud, testSchema, rows(t, "s3", 100))
	if err != nil {
		t.Fatal(err)
	}
	if res.BatchesResumed != 3 || res.Batches != 7 {
		t.Errorf("resumed %d and sent %d batches, want 3 and 7", res.BatchesResumed, res.Batches)
	}
	for _, b := range rec.Model.Batches() {
		if b.Applied != 1 {
			t.Errorf("batch %d applied %d times", b.Seq, b.Applied)
		}
	}
	for o := range store.Objects(t.Context(), zones.Curated, "_checkpoints/") {
		t.Errorf("the finished upload left %q", o.Key)
	}
}
