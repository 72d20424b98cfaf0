package meta_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"iter"
	"os"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/hashing"
)

var testSchema = meta.Schema{hashing.Email, hashing.Phone, hashing.Country}

// digest returns the SHA-256 hex of a synthetic string (never real data).
func digest(seed string, i int, k hashing.Key) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	h := sha256.New()
	h.Write([]byte(seed))
	h.Write(b[:])
	h.Write([]byte(k))
	return hex.EncodeToString(h.Sum(nil))
}

// row returns row i of a synthetic data set: every third row has no phone.
func row(t testing.TB, seed string, i int) []hashing.Cell {
	cells := make([]hashing.Cell, len(testSchema))
	for j, k := range testSchema {
		if k == hashing.Phone && i%3 == 0 {
			cells[j] = hashing.Missing(k)
			continue
		}
		c, err := hashing.CellFromDigest(k, digest(seed, i, k))
		if err != nil {
			t.Fatalf("row %d column %d: %v", i, j, err)
		}
		cells[j] = c
	}
	return cells
}

// rows yields n synthetic rows.
func rows(t testing.TB, seed string, n int) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for i := range n {
			if !yield(row(t, seed, i), nil) {
				return
			}
		}
	}
}

// fast makes retries quick for tests that run in real time.
func fast(o *meta.Options) {
	o.Retry = meta.RetryPolicy{MaxAttempts: 30, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	o.MaxSlowdown = 2 * time.Millisecond
}

// size returns full, or short under -short.
func size(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

// soak reports whether CDPKIT_SOAK is set: the long versions of the
// fault and checkpoint soaks run then (see the README for timings).
func soak() bool { return os.Getenv("CDPKIT_SOAK") != "" }

// soakSize returns long with CDPKIT_SOAK set, short under -short and
// normal otherwise.
func soakSize(long, normal, short int) int {
	switch {
	case soak():
		return long
	case testing.Short():
		return short
	}
	return normal
}
