package c3r

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// benchValues are 32-byte values. The benchmarks run single-threaded.
func benchValues(n int) []Value {
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = StringValue(fmt.Sprintf("u%027d@x.y", i))
	}
	return vs
}

// timeIt runs fn n times and returns the CPU time it took (cells per
// CPU-second are cells per second per core, whatever else runs on the
// machine).
func timeIt(n int, fn func(i int)) time.Duration {
	start := cpuTime()
	for i := range n {
		fn(i)
	}
	return max(cpuTime()-start, time.Microsecond)
}

// BenchmarkFingerprint measures the fingerprint cell (message with the
// class tag, HMAC-SHA256, "02:hmac:" + Base64) against bare HMAC-SHA256
// over the same 33 bytes, in the same run. x-bare is the ratio.
func BenchmarkFingerprint(b *testing.B) {
	vals := benchValues(1024)
	k, _ := newKeys(sampleSecret(b).b, sampleSalt, false)
	key, _ := k.fingerprintKey("email_fingerprint")
	f := newFingerprinter(key)
	var msg, cell []byte
	c3r := timeIt(b.N, func(i int) {
		msg = appendFingerprintMessage(msg[:0], vals[i&1023])
		cell = appendHMACCell(cell[:0], f.digest(msg))
	})
	mac := hmac.New(sha256.New, key)
	var sum [32]byte
	msgs := make([][]byte, len(vals))
	for i, v := range vals {
		msgs[i] = appendFingerprintMessage(nil, v)
	}
	bare := timeIt(b.N, func(i int) {
		mac.Reset()
		mac.Write(msgs[i&1023])
		mac.Sum(sum[:0])
	})
	report(b, c3r, bare)
}

// BenchmarkSealed measures a sealed cell (one sealed column per row, the
// worst case: the row's data key is derived for one cell) against the bare
// crypto the format prescribes on the same bytes: SHA-256(root ‖ nonce),
// AES-256 key setup, SHA-256(label ‖ nonce), AES-GCM seal of the 35-byte
// padded plaintext. x-gcm-only compares with just the GCM seal under a
// fixed key, for reference.
func BenchmarkSealed(b *testing.B) {
	vals := benchValues(1024)
	k, _ := newKeys(sampleSecret(b).b, sampleSalt, false)
	label := []byte("email_sealed")
	nonces := make([][nonceLen]byte, 1024)
	for i := range nonces {
		copy(nonces[i][:], fmt.Sprintf("%032d", i))
	}
	rc := newRowCipher(k.root)
	var enc, cell []byte
	c3r := timeIt(b.N, func(i int) {
		rc.reset(&nonces[i&1023])
		enc = appendEncoded(enc[:0], vals[i&1023])
		cell = rc.appendSealed(cell[:0], label, enc, 0)
	})
	pts := make([][]byte, len(vals))
	for i, v := range vals {
		pts[i] = append(appendEncoded(nil, v), 0, 0)
	}
	h := sha256.New()
	var dk, ivs [32]byte
	out := make([]byte, 0, 128)
	bare := timeIt(b.N, func(i int) {
		n := &nonces[i&1023]
		h.Reset()
		h.Write(k.root)
		h.Write(n[:])
		blk, _ := aes.NewCipher(h.Sum(dk[:0]))
		g, _ := cipher.NewGCM(blk)
		h.Reset()
		h.Write(label)
		h.Write(n[:])
		iv := h.Sum(ivs[:0])[:12]
		out = g.Seal(out[:0], iv, pts[i&1023], aad)
	})
	blk, _ := aes.NewCipher(k.root)
	g, _ := cipher.NewGCM(blk)
	iv := make([]byte, 12)
	gcmOnly := timeIt(b.N, func(i int) { out = g.Seal(out[:0], iv, pts[i&1023], aad) })
	report(b, c3r, bare)
	b.ReportMetric(float64(c3r)/float64(gcmOnly), "x-gcm-only")
}

func report(b *testing.B, c3r, bare time.Duration) {
	b.ReportMetric(float64(b.N)/c3r.Seconds(), "cells/cpu-s")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "bare-cells/cpu-s")
	b.ReportMetric(float64(c3r)/float64(bare), "x-bare")
	b.ReportMetric(0, "ns/op")
}

// rowsCSV generates n CSV rows (id, 32-byte email, name) on the fly and
// samples the heap every 16,384 rows.
type rowsCSV struct {
	n, i int
	buf  bytes.Buffer
	peak uint64
}

func (r *rowsCSV) Read(p []byte) (int, error) {
	for r.buf.Len() < len(p) && r.i <= r.n {
		if r.i == 0 {
			r.buf.WriteString("id,email,name\n")
		} else {
			fmt.Fprintf(&r.buf, "%d,user%027d@x,name %d\n", r.i, r.i, r.i%1000)
		}
		if r.i%16384 == 0 {
			r.sample()
		}
		r.i++
	}
	if r.buf.Len() == 0 {
		return 0, io.EOF
	}
	return r.buf.Read(p)
}

func (r *rowsCSV) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	r.peak = max(r.peak, m.HeapInuse)
}

// sampledWriter samples the heap while the shuffled rows are written.
type sampledWriter struct {
	r *rowsCSV
	n int
}

func (w *sampledWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n%256 == 0 {
		w.r.sample()
	}
	return len(p), nil
}

// encryptRows encrypts n generated rows (fingerprint, sealed, sealed with
// MAX padding: two passes) with an 8 MiB budget and returns the peak heap.
func encryptRows(tb testing.TB, n int) (Stats, uint64) {
	runtime.GC()
	src := &rowsCSV{n: n}
	e, _ := NewEncryptor(sampleSecret(tb), sampleSalt, HighAssurance(), func(o *Options) {
		o.MemoryBudget = 8 << 20
		o.TempDir = tb.TempDir()
	})
	schema := Schema{Columns: []Column{
		{Source: "email", Type: Fingerprint},
		{Source: "id", Type: Sealed},
		{Source: "name", Type: Sealed, Pad: Pad{PadFixed, 16}},
	}}
	st, err := e.EncryptCSV(context.Background(), &sampledWriter{r: src}, src, schema)
	if err != nil {
		tb.Fatal(err)
	}
	return st, src.peak
}

// BenchmarkEncryptCSV runs the whole pipeline (parse, fingerprint, seal,
// spill, shuffle, write) and reports rows/s and the peak heap, which should
// not grow with the row count.
//
// CDPKIT_C3R_BENCH_ROWS adds a size (e.g. 10000000).
func BenchmarkEncryptCSV(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if n, err := strconv.Atoi(os.Getenv("CDPKIT_C3R_BENCH_ROWS")); err == nil && n > 0 {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var peak uint64
			start, cpu := time.Now(), cpuTime()
			for range b.N {
				_, p := encryptRows(b, n)
				peak = max(peak, p)
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
			b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu).Seconds(), "rows/cpu-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// TestMemoryFlat checks that the peak heap does not grow with the rows:
// four times the rows, well past the 8 MiB budget, must stay within 1.5×
// the peak (plus 8 MiB of noise).
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("encrypts 300,000 rows")
	}
	st1, small := encryptRows(t, 60_000)
	st2, large := encryptRows(t, 240_000)
	if !st1.Spilled || !st2.Spilled {
		t.Fatal("rows did not spill")
	}
	t.Logf("peak heap: %d MiB at 60k rows, %d MiB at 240k rows", small>>20, large>>20)
	if float64(large) > 1.5*float64(small)+8<<20 {
		t.Errorf("peak heap grew with the rows: %d MiB → %d MiB", small>>20, large>>20)
	}
}

// BenchmarkSealedRow3 is BenchmarkSealed with three sealed columns per
// row, the data key derived once per row as the format allows; cells/cpu-s
// counts cells.
func BenchmarkSealedRow3(b *testing.B) {
	vals := benchValues(1024)
	k, _ := newKeys(sampleSecret(b).b, sampleSalt, false)
	labels := [][]byte{[]byte("a_sealed"), []byte("b_sealed"), []byte("c_sealed")}
	nonces := make([][nonceLen]byte, 1024)
	for i := range nonces {
		copy(nonces[i][:], fmt.Sprintf("%032d", i))
	}
	rc := newRowCipher(k.root)
	var enc, cell []byte
	rows := b.N/3 + 1
	c3r := timeIt(rows, func(i int) {
		rc.reset(&nonces[i&1023])
		for _, l := range labels {
			enc = appendEncoded(enc[:0], vals[i&1023])
			cell = rc.appendSealed(cell[:0], l, enc, 0)
		}
	})
	pts := make([][]byte, len(vals))
	for i, v := range vals {
		pts[i] = append(appendEncoded(nil, v), 0, 0)
	}
	h := sha256.New()
	var dk, ivs [32]byte
	out := make([]byte, 0, 128)
	bare := timeIt(rows, func(i int) {
		n := &nonces[i&1023]
		h.Reset()
		h.Write(k.root)
		h.Write(n[:])
		blk, _ := aes.NewCipher(h.Sum(dk[:0]))
		g, _ := cipher.NewGCM(blk)
		for _, l := range labels {
			h.Reset()
			h.Write(l)
			h.Write(n[:])
			out = g.Seal(out[:0], h.Sum(ivs[:0])[:12], pts[i&1023], aad)
		}
	})
	b.ReportMetric(float64(3*rows)/c3r.Seconds(), "cells/cpu-s")
	b.ReportMetric(float64(3*rows)/bare.Seconds(), "bare-cells/cpu-s")
	b.ReportMetric(float64(c3r)/float64(bare), "x-bare")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDecryptCell opens one sealed 32-byte value per op (each cell
// carries its row's nonce, so the data key is derived per cell).
func BenchmarkDecryptCell(b *testing.B) {
	vals := benchValues(1024)
	k, _ := newKeys(sampleSecret(b).b, sampleSalt, false)
	cells := make([][]byte, len(vals))
	rc := newRowCipher(k.root)
	for i, v := range vals {
		var n [nonceLen]byte
		copy(n[:], fmt.Sprintf("%032d", i))
		rc.reset(&n)
		cells[i] = rc.appendSealed(nil, []byte("email_sealed"), appendEncoded(nil, v), 0)
	}
	d, _ := NewDecryptor(sampleSecret(b), sampleSalt)
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		if _, err := d.DecryptCell(cells[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/(cpuTime()-start).Seconds(), "cells/cpu-s")
}
