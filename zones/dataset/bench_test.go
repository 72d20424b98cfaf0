package dataset_test

import (
	"fmt"
	"iter"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

// BenchCustomer is the 7-column customer record of the benchmark:
// six strings (four low-cardinality ones dictionary-encoded) and an int64.
type BenchCustomer struct {
	CustomerID string `parquet:"customer_id"`
	FirstName  string `parquet:"first_name,dict"`
	LastName   string `parquet:"last_name,dict"`
	Email      string `parquet:"email" cdpkit:"scheme=meta-sha256-v1"`
	City       string `parquet:"city,dict"`
	Country    string `parquet:"country,dict"`
	SignupMs   int64  `parquet:"signup_ms"`
}

func pool(prefix string, n int) []string {
	p := make([]string, n)
	for i := range p {
		p[i] = prefix + strconv.Itoa(i)
	}
	return p
}

// benchRows generates n rows on the fly (nothing is held in memory):
// unique ids and emails, 2,000 first names, 5,000 last names, 300 cities,
// 12 countries.
func benchRows(n int) iter.Seq2[BenchCustomer, error] {
	first, last, city, country := pool("first", 2000), pool("last", 5000), pool("city", 300), pool("C", 12)
	return func(yield func(BenchCustomer, error) bool) {
		var buf [32]byte
		for i := range n {
			id := string(strconv.AppendInt(append(buf[:0], 'C'), int64(i), 10))
			c := BenchCustomer{
				CustomerID: id,
				FirstName:  first[(i*7)%len(first)],
				LastName:   last[(i*13)%len(last)],
				Email:      id + "@example.com",
				City:       city[(i*31)%len(city)],
				Country:    country[i%len(country)],
				SignupMs:   1_700_000_000_000 + int64(i)*1000,
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// resetPeakRSS resets the kernel's peak-RSS mark (Linux; ignored elsewhere).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM, the peak resident set size since the last reset,
// in bytes, or 0 when unavailable.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}

// peakHeap samples the live heap every 5ms until stopped and returns the
// peak in bytes.
func peakHeap() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value.Uint64(); v > peak {
			peak = v
		}
	}
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		read()
		return peak
	}
}

// BenchmarkWriteCustomers writes n rows of BenchCustomer (snappy,
// dictionary columns, V1 pages, 128Ki-row groups) as one dataset file on
// filezone, fsync included, and reports rows/s and the peak live heap.
// Run: go test -run '^$' -bench WriteCustomers -benchtime 1x ./zones/dataset/
func BenchmarkWriteCustomers(b *testing.B) {
	sizes := []int{1_000_000, 10_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("rows=%dM", n/1_000_000), func(b *testing.B) {
			fb, err := filezone.New(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			s := zones.New(fb, func(o *zones.Options) { o.TempDir = b.TempDir() })
			d, err := dataset.New[BenchCustomer](s, zones.Clean, "customers")
			if err != nil {
				b.Fatal(err)
			}
			var size int64
			runtime.GC()
			resetPeakRSS()
			stop := peakHeap()
			b.ResetTimer()
			for i := range b.N {
				res, err := d.Write(b.Context(), "bench-"+strconv.Itoa(i), benchRows(n))
				if err != nil {
					b.Fatal(err)
				}
				size = res.Files[0].Size
			}
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(size)/(1<<20), "file-MiB")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(rss/(1<<20), "peak-RSS-MiB")
			}
		})
	}
}

// BenchmarkGenerateOnly is the cost of producing the rows, for reference.
func BenchmarkGenerateOnly(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		for c, err := range benchRows(n) {
			if err != nil || c.CustomerID == "" {
				b.Fatal("bad row")
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
