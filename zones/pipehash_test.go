package zones_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/synctest"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// chunky reads from a deterministic pseudo-random byte stream of n bytes
// in reads of varying size (up to 3 MiB, so chunks straddle the hashing
// pipeline's 1 MiB buffers), then fails with err or panics if set.
type chunky struct {
	rng   *rand.Rand // read sizes
	data  *rand.Rand // content, so the bytes do not depend on read sizes
	left  int
	err   error
	panic bool
}

func (c *chunky) Read(b []byte) (int, error) {
	if c.left == 0 {
		if c.panic {
			panic("reader exploded")
		}
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	n := min(len(b), c.left, 1+c.rng.IntN(3<<20))
	for i := range b[:n] {
		b[i] = byte(c.data.Uint32())
	}
	c.left -= n
	return n, nil
}

func newChunky(seed uint64, n int) *chunky {
	return &chunky{rng: rand.New(rand.NewPCG(seed, 1)), data: rand.New(rand.NewPCG(seed, 2)), left: n}
}

// TestPutRawDigestAcrossSizes checks the digest PutRaw stores under
// against sha256 of the same bytes, for sizes on either side of the point
// where hashing moves to its own goroutine.
func TestPutRawDigestAcrossSizes(t *testing.T) {
	for _, n := range []int{0, 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, 9<<20 + 7} {
		for name, s := range stores(t) {
			h := sha256.New()
			if _, err := io.Copy(h, newChunky(uint64(n), n)); err != nil {
				t.Fatal(err)
			}
			want := hex.EncodeToString(h.Sum(nil))
			got, err := s.PutRaw(t.Context(), "src", "f.bin", newChunky(uint64(n), n))
			if err != nil {
				t.Fatalf("%s: %d bytes: %v", name, n, err)
			}
			if got.Manifest.SHA256 != want || got.Size != int64(n) {
				t.Fatalf("%s: %d bytes: stored size %d, digest differs from sha256 of the input: %v", name, n, got.Size, got.Manifest.SHA256 != want)
			}
		}
	}
}

// TestPutRawJoinsHasherOnFailure fails and panics a large ingest midway
// inside a synctest bubble: the bubble only ends when every goroutine
// PutRaw started has exited, so a leaked hashing goroutine deadlocks it.
func TestPutRawJoinsHasherOnFailure(t *testing.T) {
	boom := errors.New("disk on fire")
	synctest.Test(t, func(t *testing.T) {
		s := zones.New(memzone.New())
		r := newChunky(1, 5<<20)
		r.err = boom
		if _, err := s.PutRaw(t.Context(), "src", "f.bin", r); !errors.Is(err, boom) {
			t.Fatalf("PutRaw with a failing reader = %v, want the reader's error", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the reader's panic did not propagate")
				}
			}()
			r := newChunky(2, 5<<20)
			r.panic = true
			s.PutRaw(t.Context(), "src", "g.bin", r)
		}()
		if keys := list(t, s, zones.Raw, ""); len(keys) != 0 {
			t.Errorf("failed ingests left %d objects", len(keys))
		}
	})
}

// leakyStager gives up without joining the goroutine that reads its body,
// which keeps reading after Stage returned (the Stager contract does not
// forbid it). PutRaw must neither crash nor race with it.
type leakyStager struct {
	*memzone.Backend
	done chan struct{}
}

func (l *leakyStager) Stage(ctx context.Context, r io.Reader) (zones.Staged, error) {
	started := make(chan struct{})
	go func() {
		defer close(l.done)
		buf := make([]byte, 1<<20)
		for i := range 64 {
			if i == 4 {
				close(started)
			}
			if _, err := r.Read(buf); err != nil {
				return
			}
		}
	}()
	<-started
	return nil, errors.New("gave up")
}

type endless struct{}

func (endless) Read(b []byte) (int, error) { return len(b), nil }

func TestPutRawStagerReadingAfterReturn(t *testing.T) {
	for range 10 {
		l := &leakyStager{Backend: memzone.New(), done: make(chan struct{})}
		if _, err := zones.New(l).PutRaw(t.Context(), "src", "f", endless{}); err == nil {
			t.Fatal("PutRaw through a failing Stager succeeded")
		}
		<-l.done
	}
}

// odd returns data in reads of varying size, some empty, the last one with
// io.EOF alongside its bytes.
type odd struct {
	data []byte
	i    int
}

func (o *odd) Read(b []byte) (int, error) {
	o.i++
	if o.i%3 == 0 {
		return 0, nil
	}
	n := min(len(b), len(o.data), 1+(o.i*7919)%(64<<10))
	copy(b, o.data[:n])
	o.data = o.data[n:]
	if len(o.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func TestPutRawOddReads(t *testing.T) {
	for _, n := range []int{1 << 20, 1<<20 + 1, 5<<20 + 3} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*31 + i>>9)
		}
		sum := sha256.Sum256(data)
		want := hex.EncodeToString(sum[:])
		for name, s := range stores(t) {
			got, err := s.PutRaw(t.Context(), "src", "f.bin", &odd{data: data})
			if err != nil {
				t.Fatal(name, err)
			}
			if got.Manifest.SHA256 != want || got.Size != int64(n) {
				t.Fatalf("%s: %d bytes in odd reads: stored size %d, digest differs: %v", name, n, got.Size, got.Manifest.SHA256 != want)
			}
		}
	}
}
