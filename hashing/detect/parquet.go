package detect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/cdpkit/cdpkit/internal/pqfile"
	"github.com/parquet-go/parquet-go"
)

// maxRowsPerByte bounds the rows a Parquet file may claim for its size.
const maxRowsPerByte = 64

// Parquet classifies the columns of a Parquet file (leaf columns, named by
// their dotted path) from its first Options.FirstRows rows and
// Options.SampleRows rows at seeded positions spread over the file: each
// row group holding a chosen row is opened and seeked to it, so pages
// without a chosen row are not decoded. A repeated column contributes its
// first value per row.
func Parquet(ctx context.Context, r io.ReaderAt, size int64, optFns ...func(*Options)) (rep *Report, err error) {
	o := resolve(optFns)
	if _, err := newEvaluator(o); err != nil {
		return nil, err
	}
	defer func() {
		// parquet-go is large and its decoders meet hostile files here; no
		// panic from it may escape.
		if p := recover(); p != nil {
			rep, err = nil, inputError("parquet", fmt.Errorf("malformed file"))
		}
	}()
	f, err := pqfile.Open(r, size)
	if err != nil {
		return nil, inputError("parquet", err)
	}
	var names []string
	for _, path := range f.Schema().Columns() {
		names = append(names, strings.Join(path, "."))
	}
	// A hostile footer can claim billions of rows that the decoders would
	// then walk through to reach a sampled one; no real file packs more
	// than a few rows per byte.
	total := f.NumRows()
	var sum int64
	for _, rg := range f.RowGroups() {
		n := rg.NumRows()
		if n < 0 || n > maxRowsPerByte*size {
			return nil, inputError("parquet", errors.New("implausible row count"))
		}
		sum += n
	}
	if total < 0 || total > maxRowsPerByte*size || sum != total {
		return nil, inputError("parquet", errors.New("implausible row count"))
	}
	targets := sampleRows(total, int64(o.FirstRows), int64(o.SampleRows), o.Seed)
	s := NewSampler(optFns...)
	vals := make([]string, len(names))
	buf := make([]parquet.Row, 1)
	var start int64
	t := 0
	for _, rg := range f.RowGroups() {
		n := rg.NumRows()
		if t < len(targets) && targets[t] < start+n {
			if err := readTargets(ctx, rg, start, targets, &t, names, vals, buf, s, int64(o.FirstRows)); err != nil {
				return nil, err
			}
		}
		start += n
	}
	rep, err = s.Report()
	if err != nil {
		return nil, err
	}
	rep.Rows = total
	return rep, nil
}

func readTargets(ctx context.Context, rg parquet.RowGroup, start int64, targets []int64, t *int, names, vals []string, buf []parquet.Row, s *Sampler, first int64) error {
	rows := rg.Rows()
	defer rows.Close()
	end := start + rg.NumRows()
	for ; *t < len(targets) && targets[*t] < end; *t++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := targets[*t]
		if err := rows.SeekToRow(idx - start); err != nil {
			return inputError("parquet", err)
		}
		buf[0] = buf[0][:0]
		n, err := rows.ReadRows(buf)
		if n == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				continue
			}
			return inputError("parquet", err)
		}
		for i := range vals {
			vals[i] = ""
		}
		seen := make([]bool, len(vals))
		for _, v := range buf[0] {
			c := v.Column()
			if c < 0 || c >= len(vals) || seen[c] || v.IsNull() {
				continue
			}
			seen[c] = true
			vals[c] = v.String()
		}
		slot := -1
		if idx >= first {
			slot = len(s.res)
		}
		s.total++
		s.store(slot, names, vals)
	}
	return nil
}

// sampleRows picks the rows to read: the first ones, then one in each of k
// equal strides of the rest, at a seeded offset; sorted, no repeats.
func sampleRows(total, first, k int64, seed uint64) []int64 {
	var out []int64
	for i := int64(0); i < min(first, total); i++ {
		out = append(out, i)
	}
	rest := total - first
	if rest <= 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	stride := max(rest/k, 1)
	for i := int64(0); i < k && i*stride < rest; i++ {
		out = append(out, first+i*stride+rng.Int64N(min(stride, rest-i*stride)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
