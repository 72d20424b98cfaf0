package detect

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeCustomers writes a customer CSV of about size bytes: an ascending
// customer number, email, phone, names, city, zip, country, birth date,
// gender, an amount and a free-text note, rows drawn from a pool.
func writeCustomers(tb testing.TB, w io.Writer, size int64) int64 {
	tb.Helper()
	g := gen{rand.New(rand.NewPCG(21, 21))}
	var pool [][]byte
	for i := 0; i < 4096; i++ {
		var b bytes.Buffer
		cw := csv.NewWriter(&b)
		cw.Write([]string{strings.TrimSpace(g.email()), g.phone(g.pick([]string{"us", "gb", "de"})), g.name(genFirst), g.name(genLast),
			g.name(genCities), kinds["zip"].value(g, i, "us"), g.pick(countriesMixed), g.date(1940, 2006, 0), g.pick([]string{"M", "F"}),
			kinds["amount"].value(g, i, ""), g.note(false)})
		cw.Flush()
		pool = append(pool, b.Bytes())
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	n, _ := bw.WriteString("customer_no,email,phone,first_name,last_name,city,zip,country,dob,gender,amount,note\n")
	written := int64(n)
	var num [20]byte
	for i := 0; written < size; i++ {
		id := strconv.AppendInt(num[:0], int64(1000000+i), 10)
		bw.Write(id)
		bw.WriteByte(',')
		p := pool[i%len(pool)]
		bw.Write(p)
		written += int64(len(id) + 1 + len(p))
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	return written
}

func benchBytes() int64 {
	if mb, err := strconv.Atoi(os.Getenv("CDPKIT_DETECT_BENCH_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 1 << 30
}

// BenchmarkCSVSample classifies a 1 GiB CSV (CDPKIT_DETECT_BENCH_MB to
// change the size) written to b.TempDir by sampling: the first 200 rows
// and 800 records read at seeded offsets. The target is under 2 s.
func BenchmarkCSVSample(b *testing.B) {
	path := filepath.Join(b.TempDir(), "customers.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	size := writeCustomers(b, f, benchBytes())
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuSeconds()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := CSV(b.Context(), f, size)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Findings[1].Class != Email || rep.Findings[0].Class == Phone {
			b.Fatalf("email column: %s, id column: %s", rep.Findings[1].Class, rep.Findings[0].Class)
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
	if used := cpuSeconds() - cpu; used > 0 {
		b.ReportMetric(used/float64(b.N), "cpu-s/op")
	}
}

// repeatReader yields a header and then body again and again, size bytes
// in all: a large CSV without holding it in memory or on disk.
type repeatReader struct {
	header, body []byte
	pos          int
	left         int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	src := r.body
	if r.header != nil {
		src = r.header
	}
	n := copy(p, src[r.pos:])
	if int64(n) > r.left {
		n = int(r.left)
	}
	r.pos += n
	r.left -= int64(n)
	if r.pos == len(src) {
		r.pos = 0
		r.header = nil
	}
	return n, nil
}

// BenchmarkScan reads every row of a 1 GiB CSV (CDPKIT_DETECT_BENCH_MB to
// change the size) made of a 16 MiB block of customer rows repeated, from
// memory, so the disk is not measured. Scan runs on the caller's goroutine
// alone, so MB/s is per core; cpu-MB/s divides by the process's CPU time
// instead of wall time (the fairer number on a shared machine). The target
// is at least 100 MB/s.
func BenchmarkScan(b *testing.B) {
	var buf bytes.Buffer
	writeCustomers(b, &buf, 16<<20)
	data := buf.Bytes()
	nl := bytes.IndexByte(data, '\n') + 1
	header, body := data[:nl], data[nl:]
	// Cut the body at a row boundary.
	body = body[:bytes.LastIndexByte(body, '\n')+1]
	size := benchBytes()
	b.SetBytes(size)
	b.ResetTimer()
	cpu := cpuSeconds()
	for b.Loop() {
		rep, err := Scan(b.Context(), &repeatReader{header: header, body: body, left: size})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Findings[1].Class != Email {
			b.Fatalf("email column: %s", rep.Findings[1].Class)
		}
	}
	if used := cpuSeconds() - cpu; used > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/used/1e6, "cpu-MB/s")
	}
}
