package pqfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type row struct {
	A int64  `parquet:"a"`
	B string `parquet:"b"`
}

func file(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []row{{1, "x"}, {2, "y"}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenGoodFile(t *testing.T) {
	data := file(t)
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil || f.NumRows() != 2 {
		t.Fatalf("NumRows %v, err %v", f, err)
	}
}

// TestHugeFooterLengthIsRefusedCheaply: a tail claiming a 4 GiB footer is
// refused before anything is allocated for it.
func TestHugeFooterLengthIsRefusedCheaply(t *testing.T) {
	data := file(t)
	binary.LittleEndian.PutUint32(data[len(data)-8:], 0xfffffff0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Open(bytes.NewReader(data), int64(len(data)))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("allocated %d bytes", grew)
	}
}

func TestTruncatedAndForeignFiles(t *testing.T) {
	data := file(t)
	for _, b := range [][]byte{nil, []byte("PAR1"), data[:len(data)-1], append(bytes.Clone(data[:len(data)-4]), "PAR2"...), []byte("PAR1\x00\x00\x00\x00PAR1")} {
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("%d bytes: opened", len(b))
		}
	}
}

func FuzzOpen(f *testing.F) {
	data := file(f)
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := Open(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			_ = pf.NumRows()
		}
	})
}
