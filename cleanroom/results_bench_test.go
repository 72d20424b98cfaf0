package cleanroom_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// dirS3 serves one local directory as a bucket: the benchmark's input is a
// file, not memory, so the reader's memory is what is measured.
type dirS3 struct{ dir string }

func (d dirS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	out := &s3.ListObjectsV2Output{IsTruncated: aws.Bool(false)}
	for _, e := range ents {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(aws.ToString(in.Prefix) + e.Name())})
	}
	return out, nil
}

func (d dirS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f, err := os.Open(filepath.Join(d.dir, filepath.Base(aws.ToString(in.Key))))
	if err != nil {
		return nil, err
	}
	return &s3.GetObjectOutput{Body: f}, nil
}

// BenchmarkResultRowsParquet reads a Parquet result of
// CDPKIT_BENCH_RESULT_ROWS rows (default 10,000,000; three columns: a
// 64-character digest, a bigint, a double) through ResultRows, reporting
// rows/s (wall), rows per CPU-second (user+system, all goroutines: the
// stable figure on a shared machine) and the peak heap in use while
// reading. The file is generated in
// the benchmark's temporary directory first (not timed).
func BenchmarkResultRowsParquet(b *testing.B) {
	n := 10_000_000
	if s := os.Getenv("CDPKIT_BENCH_RESULT_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "part-00000.parquet"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cols := []sqlengine.Column{{Name: "hashed_email", Type: "string"}, {Name: "visits", Type: "bigint"}, {Name: "spend", Type: "double"}}
	const digest = "6b3a55e0261b0304143f805a24924d0c1c44524821305f31d9277843b8a10f4e"
	err = sqlengine.WriteParquet(w, cols, func(yield func([]any, error) bool) {
		row := make([]any, 3)
		for i := range n {
			row[0], row[1], row[2] = digest[:60]+strconv.Itoa(1000+i%9000), int64(i), float64(i)/100
			if !yield(row, nil) {
				return
			}
		}
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	api := dirS3{dir: dir}
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		runtime.GC()
		start, cpu := time.Now(), cpuSeconds()
		rows := 0
		var ms runtime.MemStats
		for row, err := range cleanroom.ResultRows(b.Context(), api, "s3://results/q/", func(o *cleanroom.ResultOptions) { o.TempDir = b.TempDir() }) {
			if err != nil {
				b.Fatal(err)
			}
			if len(row.Values) != 3 {
				b.Fatal("short row")
			}
			if rows++; rows%1_000_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		if rows != n {
			b.Fatalf("read %d rows, want %d", rows, n)
		}
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
		if c := cpuSeconds() - cpu; c > 0 {
			b.ReportMetric(float64(rows)/c, "rows/cpu-s")
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
