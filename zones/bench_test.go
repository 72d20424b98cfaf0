package zones_test

import (
	"crypto/rand"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

// ingestSize is the raw-ingest benchmark's file size (the issue asks for
// 1 GiB; -short uses 64 MiB).
func ingestSize() int64 {
	if testing.Short() {
		return 64 << 20
	}
	return 1 << 30
}

// sourceFile writes size random bytes to a file in dir once.
func sourceFile(b *testing.B, dir string, size int64) string {
	b.Helper()
	p := filepath.Join(dir, "source.bin")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 4<<20)
	rand.Read(chunk)
	for written := int64(0); written < size; written += int64(len(chunk)) {
		chunk[0]++ // no two chunks alike
		if _, err := f.Write(chunk[:min(int64(len(chunk)), size-written)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRawIngest compares Store.PutRaw on filezone (hashing, staging,
// fsync, link, manifest) with a plain io.Copy of the same file to a file
// on the same disk, with and without fsync.
// Run: go test -run '^$' -bench RawIngest -benchtime 3x ./zones/
func BenchmarkRawIngest(b *testing.B) {
	size := ingestSize()
	srcDir := b.TempDir()
	src := sourceFile(b, srcDir, size)
	open := func(b *testing.B) *os.File {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	copyTo := func(b *testing.B, sync, userspace bool) {
		dstPath := filepath.Join(srcDir, "copy.bin")
		for range b.N {
			b.StopTimer()
			settle()
			b.StartTimer()
			in := open(b)
			out, err := os.Create(dstPath)
			if err != nil {
				b.Fatal(err)
			}
			var src io.Reader = in
			var dst io.Writer = out
			if userspace {
				src, dst = struct{ io.Reader }{in}, struct{ io.Writer }{out}
			}
			if _, err := io.Copy(dst, src); err != nil {
				b.Fatal(err)
			}
			if sync {
				out.Sync()
			}
			out.Close()
			in.Close()
			b.StopTimer()
			os.Remove(dstPath)
			b.StartTimer()
		}
	}
	ingest := func(b *testing.B, noSync bool) {
		for i := range b.N {
			b.StopTimer()
			root := filepath.Join(srcDir, "lake-"+strconv.Itoa(i))
			fb, err := filezone.New(root, func(o *filezone.Options) { o.NoSync = noSync })
			if err != nil {
				b.Fatal(err)
			}
			s := zones.New(fb)
			in := open(b)
			settle()
			b.StartTimer()
			r, err := s.PutRaw(b.Context(), "bench", "source.bin", in)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			in.Close()
			if r.Size != size {
				b.Fatalf("ingested %d bytes, want %d", r.Size, size)
			}
			os.RemoveAll(root)
			b.StartTimer()
		}
	}
	report := func(b *testing.B) {
		b.SetBytes(size)
	}
	b.Run("io.Copy", func(b *testing.B) { report(b); copyTo(b, false, false) })
	// The same copy forced through user space (no copy_file_range), the
	// path any copy that must see the bytes (hashing) takes.
	b.Run("io.Copy-userspace", func(b *testing.B) { report(b); copyTo(b, false, true) })
	// The floor for any ingest that digests its input: SHA-256 of the file
	// alone, which is sequential and slower than a kernel copy.
	b.Run("sha256-only", func(b *testing.B) {
		report(b)
		for range b.N {
			b.StopTimer()
			settle()
			in := open(b)
			b.StartTimer()
			if _, err := io.Copy(sha256.New(), in); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			in.Close()
			b.StartTimer()
		}
	})
	b.Run("io.Copy+fsync", func(b *testing.B) { report(b); copyTo(b, true, false) })
	b.Run("PutRaw", func(b *testing.B) { report(b); ingest(b, false) })
	b.Run("PutRaw-NoSync", func(b *testing.B) { report(b); ingest(b, true) })
}
