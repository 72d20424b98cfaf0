package identity_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"iter"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cdpkit/cdpkit/identity"
)

// synth yields n synthetic records drawn from about n/1.5 persons, each with
// an email, a phone and a device id as 64-digit hex digests. 5% of persons
// share a household phone with three others, and 0.01% of emails are one
// junk value. Digests are made with a cheap mixer, not SHA-256, and written
// into buffers reused from one record to the next (Resolve copies what it
// keeps), so the generator costs little next to resolution: BenchmarkSynth
// measures it alone.
func synth(n int, seed uint64) iter.Seq2[identity.Record, error] {
	return func(yield func(identity.Record, error) bool) {
		persons := uint64(n) * 2 / 3
		srcs := []string{"crm", "web", "calls", "partner"}
		ids := make([]identity.Identifier, 3)
		state := seed
		next := func() uint64 {
			state += 0x9e3779b97f4a7c15
			z := state
			z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
			z = (z ^ z>>27) * 0x94d049bb133111eb
			return z ^ z>>31
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		var keyBuf [16]byte
		var dig [3 * 64]byte
		for i := range n {
			p := next() % persons
			email := p*4 + 1
			if next()%10000 == 0 {
				email = 0 // the junk hub
			}
			phone := p*4 + 2
			if p%20 == 0 {
				phone = (p/80)*4 + 3 // shared household phone: 4 persons
			}
			device := p*4 + 4
			fakeDigestTo((*[64]byte)(dig[0:64]), email, 1)
			fakeDigestTo((*[64]byte)(dig[64:128]), phone, 2)
			fakeDigestTo((*[64]byte)(dig[128:192]), device, 3)
			ids[0] = identity.Identifier{Kind: "EMAIL", Value: unsafe.String(&dig[0], 64)}
			ids[1] = identity.Identifier{Kind: "PHONE", Value: unsafe.String(&dig[64], 64)}
			ids[2] = identity.Identifier{Kind: "MAID", Value: unsafe.String(&dig[128], 64)}
			kb := strconv.AppendInt(keyBuf[:0], int64(i), 36)
			r := identity.Record{
				Source:      srcs[i&3],
				Key:         unsafe.String(&kb[0], len(kb)),
				Time:        time.Unix(0, t0+int64(next()%(365*24*3600))*1e9),
				Identifiers: ids,
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func fakeDigest(v, kind uint64) string {
	var b [64]byte
	fakeDigestTo(&b, v, kind)
	return string(b[:])
}

// fakeDigestTo writes a 64-digit lowercase hex digest of (v, kind): four
// mixed 64-bit words, each turned into 16 digits eight at a time (SWAR).
func fakeDigestTo(b *[64]byte, v, kind uint64) {
	x := v*0x9e3779b97f4a7c15 ^ kind
	for w := 0; w < 4; w++ {
		x ^= x >> 29
		x *= 0xbf58476d1ce4e5b9
		x ^= x >> 32
		binary.LittleEndian.PutUint64(b[w*16:], hex8(uint32(x)))
		binary.LittleEndian.PutUint64(b[w*16+8:], hex8(uint32(x>>32)))
		x += 0x94d049bb133111eb
	}
}

// hex8 returns the eight hex digits of v's four bytes (in memory order,
// high nibble first) as the bytes of a little-endian uint64.
func hex8(v uint32) uint64 {
	const lsb = 0x0101010101010101
	t := uint64(v)
	t = (t | t<<16) & 0x0000ffff0000ffff
	t = (t | t<<8) & 0x00ff00ff00ff00ff
	n := (t>>4)&0x000f000f000f000f | (t&0x000f000f000f000f)<<8
	alpha := ((n + 6*lsb) >> 4) & lsb // 1 where the nibble is >= 10
	return n + '0'*lsb + alpha*('a'-'0'-10)
}

func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func benchGuards(o *identity.Options) {
	o.Rules = []identity.Rule{
		{Name: "email", Kinds: []string{"EMAIL"}},
		{Name: "maid", Kinds: []string{"MAID"}},
		{Name: "phone", Kinds: []string{"PHONE"}},
	}
	o.Blocked = map[string][]string{"EMAIL": {fakeDigest(0, 1)}}
	o.DefaultDegreeCap = 50
	o.Limits = []identity.Limit{{Kind: "EMAIL", Max: 5}}
	o.MaxClusterSize = 200
}

func benchPlain(o *identity.Options) {
	o.Rules = []identity.Rule{
		{Name: "email", Kinds: []string{"EMAIL"}},
		{Name: "maid", Kinds: []string{"MAID"}},
		{Name: "phone", Kinds: []string{"PHONE"}},
	}
}

// BenchmarkResolve measures hashed identifiers to person ids, streaming from
// the generator. ns/op and records/s include the generator's cost; gen-s is
// one untimed pass of the generator alone and resolve-records/s subtracts
// it. Run one
// size per process so peak RSS is that size's, and bound the heap the way a
// service would:
//
//	go test -run '^$' -bench 'Resolve/1M/' -benchtime 3x ./identity/
//	GOMEMLIMIT=2300MiB go test -run '^$' -bench 'Resolve/10M/guards$' -benchtime 1x ./identity/
//
// The -huge modes set Options.HugePages (Linux: transparent huge pages for
// the large arrays; less user CPU time, more kernel time, see its doc).
// This machine's speed drifts by a third from one minute to the next;
// compare builds by interleaving runs, not one after the other.
func BenchmarkResolve(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"100k", 100_000}, {"1M", 1_000_000}, {"3M", 3_000_000}, {"10M", 10_000_000}} {
		for _, mode := range []struct {
			name string
			opt  func(*identity.Options)
		}{{"plain", benchPlain}, {"guards", benchGuards}, {"plain-readahead", func(o *identity.Options) { benchPlain(o); o.ReadAhead = true }},
			{"plain-huge", func(o *identity.Options) { benchPlain(o); o.HugePages = true }},
			{"guards-huge", func(o *identity.Options) { benchGuards(o); o.HugePages = true }}} {
			b.Run(size.name+"/"+mode.name, func(b *testing.B) {
				var st identity.Stats
				// The generator alone, untimed (before the first b.Loop), to
				// report resolution without it.
				g0 := time.Now()
				for r := range synth(size.n, 1) {
					_ = r
				}
				gen := time.Since(g0)
				cpu0 := cpuTime()
				for b.Loop() {
					res, err := identity.Resolve(b.Context(), synth(size.n, 1), mode.opt, func(o *identity.Options) { o.ExpectedRecords = size.n })
					if err != nil {
						b.Fatal(err)
					}
					st = res.Stats()
				}
				b.ReportMetric(float64(size.n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(gen.Seconds(), "gen-s")
				b.ReportMetric(float64(size.n)/(b.Elapsed().Seconds()/float64(b.N)-gen.Seconds()), "resolve-records/s")
				b.ReportMetric(float64(peakRSS())/float64(size.n), "peakRSS-B/record")
				b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS-MiB")
				b.ReportMetric(float64(st.LargestCluster), "largest")
				b.ReportMetric(float64(st.Persons), "persons")
				runtime.GC()
			})
		}
	}
}

// BenchmarkSynth is the generator alone, to subtract from BenchmarkResolve.
func BenchmarkSynth(b *testing.B) {
	for b.Loop() {
		for r := range synth(1_000_000, 1) {
			_ = r
		}
	}
	b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkAdd adds a batch of 10k new records to an incremental
// resolution of 1M, against resolving all 1.01M from scratch.
func BenchmarkAdd(b *testing.B) {
	const base, batch = 1_000_000, 10_000
	res, err := identity.Resolve(b.Context(), synth(base, 1), benchPlain, func(o *identity.Options) { o.Incremental = true })
	if err != nil {
		b.Fatal(err)
	}
	// A different seed and disjoint keys: new records, some matching old
	// persons through shared values.
	more := func(yield func(identity.Record, error) bool) {
		for r := range synth(batch, 2) {
			r.Key = "new-" + r.Key
			if !yield(r, nil) {
				return
			}
		}
	}
	b.Run("add-10k-to-1M", func(b *testing.B) {
		for b.Loop() {
			if _, err := res.Add(b.Context(), more); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full-1.01M", func(b *testing.B) {
		for b.Loop() {
			all := func(yield func(identity.Record, error) bool) {
				for r := range synth(base, 1) {
					if !yield(r, nil) {
						return
					}
				}
				more(yield)
			}
			if _, err := identity.Resolve(b.Context(), all, benchPlain, func(o *identity.Options) { o.Previous = res.Lookup }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkResolveInMemory times resolution alone: the 1M synthetic records
// are generated (strings and all) before the timer starts, as when they
// come from a decoded Parquet file or Arrow batches.
func BenchmarkResolveInMemory(b *testing.B) {
	const n = 1_000_000
	recs := make([]identity.Record, 0, n)
	for r := range synth(n, 1) {
		r.Key = strings.Clone(r.Key)
		r.Identifiers = slices.Clone(r.Identifiers)
		for i := range r.Identifiers {
			r.Identifiers[i].Value = strings.Clone(r.Identifiers[i].Value)
		}
		recs = append(recs, r)
	}
	for _, mode := range []struct {
		name string
		opt  func(*identity.Options)
	}{{"plain", benchPlain}, {"guards", benchGuards}, {"plain-1core", func(o *identity.Options) { benchPlain(o); o.Concurrency = 1 }}} {
		b.Run("1M/"+mode.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := identity.Resolve(b.Context(), seq(recs), mode.opt, func(o *identity.Options) { o.ExpectedRecords = n }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// TestFakeDigest checks the benchmark's digests are 64 lowercase hex
// digits and distinct, so the benchmark's clusters are what synth intends.
func TestFakeDigest(t *testing.T) {
	seen := map[string]bool{}
	for v := range uint64(5000) {
		d := fakeDigest(v, 1+v%3)
		raw, err := hex.DecodeString(d)
		if err != nil || len(raw) != 32 || hex.EncodeToString(raw) != d {
			t.Fatalf("digest %d is not 64 lowercase hex digits", v)
		}
		if seen[d] {
			t.Fatalf("digest %d repeats", v)
		}
		seen[d] = true
	}
}
