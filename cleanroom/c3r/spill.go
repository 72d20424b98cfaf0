package c3r

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// spiller sorts records (byte strings compared as bytes) with bounded
// memory. Records stay in memory until they exceed the budget; then every
// record goes to one of 256 bucket files chosen by its byte at depth 0.
// At the end each bucket is read back, sorted in memory and emitted, in
// bucket order; a bucket larger than the budget is split again by its
// next byte. Rows are keyed by their random 32-byte nonce, so the sorted
// order is a uniformly random permutation (the official client also
// orders rows by nonce), and buckets are even: about total/256 bytes each.
type spiller struct {
	dir    string
	name   string
	budget int64

	arena    []byte // current chunk of in-memory records
	mem      [][]byte
	memBytes int64

	files []*os.File
	bufs  []*bufio.Writer
	n     int64
}

const (
	spillFanout   = 256
	spillBufSize  = 16 << 10
	arenaChunk    = 1 << 20
	recordOverhad = 24 // slice header per in-memory record
)

func newSpiller(dir, name string, budget int64) *spiller {
	return &spiller{dir: dir, name: name, budget: budget}
}

// add copies rec in.
func (s *spiller) add(rec []byte) error {
	s.n++
	if s.files != nil {
		return s.writeTo(rec)
	}
	if cap(s.arena)-len(s.arena) < len(rec) {
		s.arena = make([]byte, 0, max(arenaChunk, len(rec)))
	}
	start := len(s.arena)
	s.arena = append(s.arena, rec...)
	s.mem = append(s.mem, s.arena[start:len(s.arena):len(s.arena)])
	s.memBytes += int64(len(rec)) + recordOverhad
	if s.memBytes > s.budget {
		return s.spill()
	}
	return nil
}

func (s *spiller) spill() error {
	s.files = make([]*os.File, spillFanout)
	s.bufs = make([]*bufio.Writer, spillFanout)
	for i := range s.files {
		f, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("%s-%03d", s.name, i)))
		if err != nil {
			return err
		}
		s.files[i] = f
		s.bufs[i] = bufio.NewWriterSize(f, spillBufSize)
	}
	for _, r := range s.mem {
		if err := s.writeTo(r); err != nil {
			return err
		}
	}
	s.mem, s.arena, s.memBytes = nil, nil, 0
	return nil
}

func (s *spiller) writeTo(rec []byte) error {
	var b byte
	if len(rec) > 0 {
		b = rec[0]
	}
	w := s.bufs[b]
	var hdr [binary.MaxVarintLen64]byte
	if _, err := w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(rec)))]); err != nil {
		return err
	}
	_, err := w.Write(rec)
	return err
}

// each emits every record in sorted order; rec is valid during the call.
func (s *spiller) each(fn func(rec []byte) error) error {
	if s.files == nil {
		slices.SortFunc(s.mem, bytes.Compare)
		for _, r := range s.mem {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	for i, f := range s.files {
		if err := s.bufs[i].Flush(); err != nil {
			return err
		}
		s.bufs[i] = nil
		if err := s.bucket(f, 1, 0, 255, fn); err != nil {
			return err
		}
		s.files[i] = nil
	}
	return nil
}

// bucket sorts and emits one bucket file, then removes it. Its records
// agree on the bytes before depth, and their byte at depth lies in
// [lo, hi].
func (s *spiller) bucket(f *os.File, depth, lo, hi int, fn func(rec []byte) error) error {
	name := f.Name()
	defer os.Remove(name)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if st.Size() > s.splitAt() && depth < 32 {
		return s.split(f, st.Size(), depth, lo, hi, fn)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return err
	}
	var recs [][]byte
	for len(data) > 0 {
		n, k := binary.Uvarint(data)
		if k <= 0 || uint64(len(data)-k) < n {
			return fmt.Errorf("c3r: corrupt spill file")
		}
		recs = append(recs, data[k:k+int(n)])
		data = data[k+int(n):]
	}
	slices.SortFunc(recs, bytes.Compare)
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// split range-partitions an oversized bucket by the byte at depth into
// about twice as many parts as it is over budget (at most one per byte
// value), so the parts stay in key order; a part with a single byte value
// moves on to the next byte.
func (s *spiller) split(f *os.File, size int64, depth, lo, hi int, fn func(rec []byte) error) error {
	width := hi - lo + 1
	fanout := int(min(max(2*((size+s.splitAt()-1)/s.splitAt()), 2), int64(width)))
	part := func(b int) int { return (b - lo) * fanout / width }
	subs := make([]*os.File, fanout)
	defer func() {
		for _, sf := range subs {
			if sf != nil {
				sf.Close()
				os.Remove(sf.Name())
			}
		}
	}()
	bufs := make([]*bufio.Writer, fanout)
	r := bufio.NewReaderSize(f, spillBufSize)
	var rec []byte
	for {
		n, err := binary.ReadUvarint(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rec = slices.Grow(rec[:0], int(n))[:n]
		if _, err := io.ReadFull(r, rec); err != nil {
			return err
		}
		b := lo
		if int(n) > depth {
			b = int(rec[depth])
		}
		p := part(min(max(b, lo), hi))
		if subs[p] == nil {
			sf, err := os.Create(fmt.Sprintf("%s-%d", f.Name(), p))
			if err != nil {
				return err
			}
			subs[p] = sf
			bufs[p] = bufio.NewWriterSize(sf, spillBufSize)
		}
		var hdr [binary.MaxVarintLen64]byte
		bufs[p].Write(hdr[:binary.PutUvarint(hdr[:], n)])
		if _, err := bufs[p].Write(rec); err != nil {
			return err
		}
	}
	for p, sf := range subs {
		if sf == nil {
			continue
		}
		if err := bufs[p].Flush(); err != nil {
			return err
		}
		bufs[p], subs[p] = nil, nil
		// The byte values of part p: the smallest and largest b with
		// part(b) == p.
		plo, phi := lo+(p*width+fanout-1)/fanout, lo+((p+1)*width+fanout-1)/fanout-1
		var err error
		if plo == phi {
			err = s.bucket(sf, depth+1, 0, 255, fn)
		} else {
			err = s.bucket(sf, depth, plo, phi, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// splitAt is the bucket size above which a bucket is split: the budget,
// but at least 64 KiB, so a tiny budget does not split down to single
// records.
func (s *spiller) splitAt() int64 { return max(s.budget, 64<<10) }

// close removes whatever is left (after an error).
func (s *spiller) close() {
	for _, f := range s.files {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
	s.files, s.bufs, s.mem, s.arena = nil, nil, nil, nil
}
