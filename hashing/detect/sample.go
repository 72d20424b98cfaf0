package detect

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cdpkit/cdpkit/zones/records"
)

// Sampler keeps a deterministic, bounded sample of rows: the first
// Options.FirstRows rows in file order, then a uniform reservoir of
// Options.SampleRows rows from the rest (Li's algorithm L, with a PCG seeded
// by Options.Seed, so the same input and seed give the same sample; rows
// between the ones it keeps are skipped without being looked at). Memory
// is bounded by the two counts whatever the input's size. Rows may name
// columns as they come (JSON Lines objects need not share keys); the
// sample keeps the union in order of first appearance.
type Sampler struct {
	o     Options
	names []string
	index map[string]int
	first [][]string
	res   [][]string
	total int64 // rows offered
	after int64 // rows offered after the first ones
	next  int64 // the next of those to keep, once the reservoir is full
	w     float64
	rng   *rand.Rand
}

// NewSampler returns an empty sampler.
func NewSampler(optFns ...func(*Options)) *Sampler {
	o := resolve(optFns)
	return &Sampler{o: o, index: map[string]int{}, rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))}
}

// Add offers one row whose values are aligned with names. Values are
// copied only when the row is kept.
func (s *Sampler) Add(names, values []string) {
	if slot, ok := s.want(); ok {
		s.store(slot, names, values)
	}
}

// want counts one more row and reports whether it is kept and where: -1
// for the first rows, else a reservoir slot.
func (s *Sampler) want() (int, bool) {
	s.total++
	if len(s.first) < s.o.FirstRows {
		return -1, true
	}
	i := s.after
	s.after++
	k := s.o.SampleRows
	if len(s.res) < k {
		if len(s.res) == k-1 {
			s.w = math.Exp(math.Log(s.uniform()) / float64(k))
			s.next = i + s.skip()
		}
		return len(s.res), true
	}
	if i != s.next {
		return 0, false
	}
	s.w *= math.Exp(math.Log(s.uniform()) / float64(k))
	s.next = i + s.skip()
	return s.rng.IntN(k), true
}

// uniform is in (0, 1].
func (s *Sampler) uniform() float64 { return 1 - s.rng.Float64() }

func (s *Sampler) skip() int64 {
	x := math.Floor(math.Log(s.uniform())/math.Log(1-s.w)) + 1
	if !(x >= 1) || x > 1<<62 {
		if x >= 1 {
			return 1 << 62
		}
		return 1
	}
	return int64(x)
}

func (s *Sampler) store(slot int, names, values []string) {
	row := s.align(names, values)
	switch {
	case slot < 0:
		s.first = append(s.first, row)
	case slot == len(s.res):
		s.res = append(s.res, row)
	default:
		s.res[slot] = row
	}
}

// Rows is the number of rows offered.
func (s *Sampler) Rows() int64 { return s.total }

// align maps values onto the sampler's columns, adding new names.
func (s *Sampler) align(names, values []string) []string {
	row := make([]string, 0, len(s.names))
	for i, n := range names {
		j, ok := s.index[n]
		if !ok {
			j = len(s.names)
			s.index[n] = j
			s.names = append(s.names, n)
		}
		for len(row) <= j {
			row = append(row, "")
		}
		if i < len(values) {
			row[j] = values[i]
		}
	}
	return row
}

// Columns returns the sample as columns: the first rows (in order), then
// the reservoir.
func (s *Sampler) Columns() []Column {
	cols := make([]Column, len(s.names))
	for j, n := range s.names {
		vals := make([]string, 0, len(s.first)+len(s.res))
		for _, rows := range [][][]string{s.first, s.res} {
			for _, r := range rows {
				v := ""
				if j < len(r) {
					v = r[j]
				}
				vals = append(vals, v)
			}
		}
		cols[j] = Column{Name: n, Values: vals, InOrder: len(s.first)}
	}
	return cols
}

// Report classifies the sample.
func (s *Sampler) Report() (*Report, error) {
	opt := func(o *Options) { *o = s.o }
	rep, err := Classify(s.Columns(), opt)
	if err != nil {
		return nil, err
	}
	rep.Rows = s.total
	return rep, nil
}

// Records classifies the columns of a stream of records, such as
// records.CSV or records.JSONLines give (they put malformed lines in
// quarantine and go on). It reads the whole stream, keeping a bounded
// sample.
func Records(ctx context.Context, recs iter.Seq2[records.Record, error], optFns ...func(*Options)) (*Report, error) {
	s := NewSampler(optFns...)
	if _, err := newEvaluator(s.o); err != nil {
		return nil, err
	}
	for rec, err := range recs {
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.Add(rec.Names(), rec.Values())
	}
	return s.Report()
}

// streamLimit is the size below which CSV reads the whole file through the
// reservoir rather than seeking: small files are sampled exactly.
const streamLimit = 16 << 20

// CSV classifies a comma-separated file with a header row, reading only a
// sample: the header and the first rows, then one record at each of
// Options.SampleRows offsets spread over the rest of the file (the file is
// cut into that many equal strides and a PCG seeded by Options.Seed picks
// a point in each). At each point the reader skips to the next line start
// and parses one record; a record with the wrong number of fields (the
// point fell inside a quoted field that spans lines) is dropped and the
// next line tried, up to four times. So a 1 GiB file costs the first rows
// plus SampleRows small reads, not a parse of every row. Files under
// 16 MiB are streamed whole through the reservoir instead.
func CSV(ctx context.Context, r io.ReaderAt, size int64, optFns ...func(*Options)) (*Report, error) {
	return sampleCSV(ctx, r, size, streamLimit, optFns)
}

func sampleCSV(ctx context.Context, r io.ReaderAt, size, streamLimit int64, optFns []func(*Options)) (*Report, error) {
	o := resolve(optFns)
	if _, err := newEvaluator(o); err != nil {
		return nil, err
	}
	s := NewSampler(optFns...)
	sec := io.NewSectionReader(r, 0, size)
	cr := csv.NewReader(skipBOM(sec))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, inputError("csv header", err)
	}
	header = slices.Clone(header)
	bom := int64(0)
	if size >= 3 {
		var b [3]byte
		if n, _ := r.ReadAt(b[:], 0); n == 3 && b == [3]byte{0xEF, 0xBB, 0xBF} {
			bom = 3
		}
	}
	limit := o.FirstRows
	if size <= streamLimit {
		limit = -1
	}
	for i := 0; limit < 0 || i < limit; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return s.Report()
		}
		if err != nil {
			continue // malformed lines are the reader's business, not ours
		}
		s.Add(header, rec)
	}
	start := bom + cr.InputOffset()
	rng := rand.New(rand.NewPCG(o.Seed, 0x5851f42d4c957f2d))
	k := int64(o.SampleRows)
	span := size - start
	if span <= 0 {
		return s.Report()
	}
	stride := max(span/k, 1)
	window := make([]byte, 8<<10)
	var lastStart int64 = -1
	for i := int64(0); i < k && i*stride < span; i++ {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		off := start + i*stride + rng.Int64N(stride)
		recStart, rec, ok := recordAt(r, size, off, len(header), o.MaxRecordBytes, &window)
		if !ok || recStart == lastStart {
			continue
		}
		lastStart = recStart
		s.Add(header, rec)
	}
	return s.Report()
}

// recordAt returns the first complete record with want fields that starts
// at a line start after off.
func recordAt(r io.ReaderAt, size, off int64, want, maxRec int, window *[]byte) (int64, []string, bool) {
	for try := 0; try < 4; try++ {
		buf := *window
		n, err := r.ReadAt(buf, off)
		if n == 0 && err != nil {
			return 0, nil, false
		}
		b := buf[:n]
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			if n < len(buf) || len(buf) >= maxRec {
				return 0, nil, false
			}
			*window = make([]byte, min(2*len(buf), maxRec))
			try--
			continue
		}
		lineStart := off + int64(nl) + 1
		rest := b[nl+1:]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			if lineStart >= size {
				return 0, nil, false
			}
			if int64(n) < int64(len(buf)) || len(buf) >= maxRec {
				// The last line of the file, without a newline.
				end = len(rest)
			} else {
				*window = make([]byte, min(2*len(buf), maxRec))
				try--
				continue
			}
		}
		cr := csv.NewReader(bytes.NewReader(rest))
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err == nil && len(rec) == want && cr.InputOffset() <= int64(len(rest)) {
			return lineStart, rec, true
		}
		off = lineStart + int64(end)
	}
	return 0, nil, false
}

// skipBOM drops a UTF-8 byte order mark at the start of r.
func skipBOM(r io.Reader) io.Reader {
	var b [3]byte
	n, err := io.ReadFull(r, b[:])
	if n == 3 && b == [3]byte{0xEF, 0xBB, 0xBF} {
		return r
	}
	if err != nil && n == 0 {
		return r
	}
	return io.MultiReader(bytes.NewReader(b[:n]), r)
}

func inputError(what string, err error) error {
	if errors.Is(err, io.EOF) {
		err = errors.New("empty input")
	}
	return errors.Join(ErrInput, errors.New("detect: "+what+": "+err.Error()))
}
