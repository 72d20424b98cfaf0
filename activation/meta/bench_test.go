package meta_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
)

// cheapRows yields n synthetic rows whose "digests" are pseudo-random hex,
// generated on the fly so the input holds no memory of its own.
func cheapRows(b *testing.B, n int) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		var raw [32]byte
		var buf [64]byte
		row := make([]hashing.Cell, len(testSchema))
		x := uint64(0x9e3779b97f4a7c15)
		for i := range n {
			for j, k := range testSchema {
				for w := 0; w < 4; w++ {
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
					binary.LittleEndian.PutUint64(raw[w*8:], x)
				}
				hex.Encode(buf[:], raw[:])
				c, err := hashing.CellFromDigest(k, string(buf[:]))
				if err != nil {
					b.Fatal(err)
				}
				row[j] = c
			}
			_ = i
			if !yield(row, nil) { // the Uploader copies the cells
				return
			}
		}
	}
}

// peakHeap samples the heap every millisecond while a benchmark runs.
type peakHeap struct {
	mu   sync.Mutex
	peak uint64
	stop chan struct{}
	done sync.WaitGroup
}

func (p *peakHeap) start() {
	runtime.GC()
	p.stop = make(chan struct{})
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			p.mu.Lock()
			p.peak = max(p.peak, s[0].Value.Uint64())
			p.mu.Unlock()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
}

func (p *peakHeap) end() float64 {
	close(p.stop)
	p.done.Wait()
	return float64(p.peak) / (1 << 20)
}

// BenchmarkAdd uploads rows through meta.Client to metatest.Server on
// loopback (3-column rows, 10,000 per request, 4 in flight). The model
// only counts members, so peak-heap-MB measures the upload path (client,
// uploader, server request handling), which must not grow with rows.
func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			m := metatest.NewModel()
			m.CountOnly = true
			srv := metatest.NewServer(m)
			defer srv.Close()
			up := meta.NewUploader(srv.Client())
			b.ReportAllocs()
			var peak peakHeap
			peak.start()
			for b.Loop() {
				aud := m.AddAudience()
				res, err := up.Add(b.Context(), aud, testSchema, cheapRows(b, n))
				if err != nil {
					b.Fatal(err)
				}
				if res.RowsSent != int64(n) || m.Size(aud) != int64(n) {
					b.Fatalf("sent %d, audience %d, want %d", res.RowsSent, m.Size(aud), n)
				}
			}
			b.ReportMetric(peak.end(), "peak-heap-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkAddRecorder is BenchmarkAdd without HTTP: the Uploader's own
// cost (batching, placing cells, accounting) plus the model's.
func BenchmarkAddRecorder(b *testing.B) {
	const n = 1_000_000
	m := metatest.NewModel()
	m.CountOnly = true
	rec := metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = m })
	up := meta.NewUploader(rec)
	b.ReportAllocs()
	var peak peakHeap
	peak.start()
	for b.Loop() {
		if _, err := up.Add(b.Context(), m.AddAudience(), testSchema, cheapRows(b, n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peak.end(), "peak-heap-MB")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAppendJSON encodes one full 10,000-row, 3-column request body.
func BenchmarkAppendJSON(b *testing.B) {
	req := &meta.UsersRequest{Schema: testSchema, Session: meta.Session{ID: 1, BatchSeq: 1}}
	for r := range cheapRows(b, meta.MaxBatchSize) {
		req.Cells = append(req.Cells, r...)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = req.AppendJSON(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(meta.MaxBatchSize)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFileCheckpointUpload saves the state of an upload of 10,000
// batches (100M rows at the default batch size) after every batch, as the
// Uploader does; one op is the whole upload. Saves fsync, so the time
// depends on the disk (this machine: ~250 µs a save with the log, 1.8 ms
// when every Save rewrote the snapshot).
func BenchmarkFileCheckpointUpload(b *testing.B) {
	const batches = 10_000
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		cp := meta.NewFileCheckpoint(dir)
		st := &meta.CheckpointState{Version: 1, Audience: "1", Op: meta.Add, Schema: meta.Schema{"EMAIL"}, BatchSize: 10_000,
			Sessions: []meta.CheckpointSession{{Op: meta.Add, ID: 9}}}
		b.StartTimer()
		for i := range batches {
			st.Acked = append(st.Acked, meta.AckedBatch{Index: i, Rows: 10_000, Sum: uint32(i) * 2654435761})
			if err := cp.Save(b.Context(), "upload", st); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batches), "µs/save")
}
