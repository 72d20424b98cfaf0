package sqlengine

import (
	"context"
	"errors"
	"io"
	"iter"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/internal/pqfile"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/cdpkit/cdpkit/zones"
)

// ReadParquet opens a Parquet file with a flat schema and returns its
// columns (Glue types) and its rows as Go values (see the package
// documentation). Rows are read a row group at a time in batches, so
// memory stays flat whatever the file's size; each row is a new slice.
//
// A corrupt file is an *Error of kind ErrTable, never a panic: parquet-go
// panics on some malformed metadata and pages (slice bounds taken from the
// file), so its calls run under recover.
func ReadParquet(r io.ReaderAt, size int64) ([]Column, iter.Seq2[[]any, error], error) {
	var f *parquet.File
	err := guard(func() (err error) {
		// The page index is not used; reading it only adds ways to fail.
		f, err = pqfile.Open(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		return err
	})
	if err != nil {
		return nil, nil, &Error{Op: "read", Kind: ErrTable, Message: "not a readable Parquet file", Err: err}
	}
	var cols []Column
	var conv []converter
	if perr := guard(func() (err error) {
		cols, conv, err = parquetColumns(f.Schema())
		return err
	}); perr != nil {
		var e *Error
		if errors.As(perr, &e) {
			return nil, nil, perr
		}
		return nil, nil, &Error{Op: "read", Kind: ErrTable, Message: "not a readable Parquet file", Err: perr}
	}
	seq := func(yield func([]any, error) bool) {
		const batch = 1024
		bufs := make([][]parquet.Value, len(cols))
		for i := range bufs {
			bufs[i] = make([]parquet.Value, batch)
		}
		for _, rg := range f.RowGroups() {
			// Column by column, a batch at a time: much cheaper than
			// assembling parquet rows, and the schema is flat (one value per
			// row and column).
			var chunks []parquet.ColumnChunk
			if err := guard(func() error { chunks = rg.ColumnChunks(); return nil }); err != nil || len(chunks) != len(cols) {
				yield(nil, &Error{Op: "read", Kind: ErrTable, Message: "corrupt Parquet data", Err: err})
				return
			}
			readers := make([]*columnCursor, len(cols))
			for i := range readers {
				readers[i] = &columnCursor{pages: chunks[i].Pages()}
			}
			closeAll := func() {
				for _, r := range readers {
					r.close()
				}
			}
			left := rg.NumRows()
			for left > 0 {
				n := int(min(left, batch))
				for i, r := range readers {
					if err := guard(func() error { return r.read(bufs[i][:n]) }); err != nil {
						closeAll()
						yield(nil, &Error{Op: "read", Kind: ErrTable, Message: "corrupt Parquet data", Err: err})
						return
					}
				}
				backing := make([]any, n*len(cols))
				if err := guard(func() error {
					for row := range n {
						out := backing[row*len(cols) : (row+1)*len(cols) : (row+1)*len(cols)]
						for c := range cols {
							if v := bufs[c][row]; !v.IsNull() {
								out[c] = conv[c](v)
							}
						}
					}
					return nil
				}); err != nil {
					closeAll()
					yield(nil, &Error{Op: "read", Kind: ErrTable, Message: "corrupt Parquet data", Err: err})
					return
				}
				for row := range n {
					out := backing[row*len(cols) : (row+1)*len(cols) : (row+1)*len(cols)]
					if !yield(out, nil) {
						closeAll()
						return
					}
				}
				for _, r := range readers {
					r.release()
				}
				left -= int64(n)
			}
			closeAll()
		}
	}
	return cols, seq, nil
}

// errCorrupt is the cause of a panic parquet-go raised on a corrupt file.
var errCorrupt = errors.New("parquet-go failed on malformed data")

// guard runs fn, turning a panic into errCorrupt.
func guard(fn func() error) (err error) {
	defer func() {
		if recover() != nil {
			err = errCorrupt
		}
	}()
	return fn()
}

// columnCursor reads a column chunk's values across its pages.
type columnCursor struct {
	pages  parquet.Pages
	page   parquet.Page
	values parquet.ValueReader
	// done are pages read to the end whose values (byte arrays point into
	// them) are still in the current batch: released after it.
	done []parquet.Page
}

// read fills buf completely.
func (c *columnCursor) read(buf []parquet.Value) error {
	for len(buf) > 0 {
		if c.values == nil {
			p, err := c.pages.ReadPage()
			if err != nil {
				if err == io.EOF {
					return io.ErrUnexpectedEOF
				}
				return err
			}
			c.page, c.values = p, p.Values()
		}
		n, err := c.values.ReadValues(buf)
		buf = buf[n:]
		if err == io.EOF || (err == nil && n == 0) {
			c.done = append(c.done, c.page)
			c.page, c.values = nil, nil
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// release releases the pages the last batch finished.
func (c *columnCursor) release() {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
}

func (c *columnCursor) close() {
	c.release()
	if c.page != nil {
		parquet.Release(c.page)
		c.page, c.values = nil, nil
	}
	c.pages.Close()
}

// ParquetTable is a table named name over one Parquet file; its rows are
// read while Run loads it.
func ParquetTable(name string, r io.ReaderAt, size int64) (Table, error) {
	cols, rows, err := ReadParquet(r, size)
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) {
			e.Table = name
		}
		return Table{}, err
	}
	return Table{Name: name, Columns: cols, Rows: rows}, nil
}

// StoreTable is a table named name over every Parquet object (name ending
// ".parquet") under prefix in zone z of store, as Glue sees a table
// location: one table, many files. The columns are the first file's; every
// other file must have the same column names and types. Objects are read
// while Run loads the table, under ctx.
func StoreTable(ctx context.Context, name string, store *zones.Store, z zones.Zone, prefix string) (Table, error) {
	var keys []string
	for obj, err := range store.Objects(ctx, z, prefix) {
		if err != nil {
			return Table{}, err
		}
		if strings.HasSuffix(obj.Key, ".parquet") {
			keys = append(keys, obj.Key)
		}
	}
	if len(keys) == 0 {
		return Table{}, tableErr("load", name, "no Parquet object under the location")
	}
	var cols []Column
	err := withObject(ctx, store, z, keys[0], func(r io.ReaderAt, size int64) error {
		c, _, err := ReadParquet(r, size)
		cols = c
		return err
	})
	if err != nil {
		return Table{}, err
	}
	rows := func(yield func([]any, error) bool) {
		for i, key := range keys {
			stop := false
			err := withObject(ctx, store, z, key, func(r io.ReaderAt, size int64) error {
				c, rows, err := ReadParquet(r, size)
				if err != nil {
					return err
				}
				if !sameColumns(c, cols) {
					return tableErr("load", name, "file "+strconv.Itoa(i+1)+" has other columns than the first")
				}
				for row, err := range rows {
					if err != nil {
						return err
					}
					if !yield(row, nil) {
						stop = true
						return nil
					}
				}
				return ctx.Err()
			})
			if err != nil {
				yield(nil, err)
				return
			}
			if stop {
				return
			}
		}
	}
	return Table{Name: name, Columns: cols, Rows: rows}, nil
}

func sameColumns(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

// withObject opens key for random access: directly when the backend
// supports it, else through a temporary file.
func withObject(ctx context.Context, store *zones.Store, z zones.Zone, key string, fn func(io.ReaderAt, int64) error) error {
	rc, err := store.Get(ctx, z, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if ro, ok := rc.(zones.ReaderAtObject); ok {
		return fn(ro, ro.Size())
	}
	tmp, err := os.CreateTemp(store.Options().TempDir, "cdpkit-sqlengine-*")
	if err != nil {
		return &Error{Op: "read", Err: err}
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, zones.CtxReader(ctx, rc))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Op: "read", Err: err}
	}
	return fn(tmp, n)
}

type converter func(parquet.Value) any

// parquetColumns maps a flat Parquet schema to columns and value
// converters, as Glue and Athena map Parquet types.
func parquetColumns(s *parquet.Schema) ([]Column, []converter, error) {
	var cols []Column
	var conv []converter
	for _, f := range s.Fields() {
		if !f.Leaf() || f.Repeated() {
			return nil, nil, &Error{Op: "read", Kind: ErrTable, Message: "column " + strconv.Quote(f.Name()) + ": nested and repeated columns are not supported"}
		}
		t, c, ok := leafType(f)
		if !ok {
			return nil, nil, &Error{Op: "read", Kind: ErrTable, Message: "column " + strconv.Quote(f.Name()) + ": unsupported Parquet type " + f.Type().String()}
		}
		cols = append(cols, Column{Name: f.Name(), Type: t})
		conv = append(conv, c)
	}
	return cols, conv, nil
}

func leafType(n parquet.Node) (string, converter, bool) {
	var lv any
	if lt := n.Type().LogicalType(); lt != nil {
		lv = lt.Value
	}
	kind := n.Type().Kind()
	str := func(v parquet.Value) any { return string(v.ByteArray()) }
	switch v := lv.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType:
		return "string", str, true
	case *format.DateType:
		return "date", func(v parquet.Value) any { return time.Unix(int64(v.Int32())*86400, 0).UTC() }, true
	case *format.TimestampType:
		unit := time.Millisecond
		switch v.Unit.Value.(type) {
		case *format.MicroSeconds:
			unit = time.Microsecond
		case *format.NanoSeconds:
			unit = time.Nanosecond
		}
		return "timestamp", func(v parquet.Value) any {
			x := v.Int64()
			switch unit {
			case time.Microsecond:
				return time.UnixMicro(x).UTC()
			case time.Nanosecond:
				return time.Unix(0, x).UTC()
			}
			return time.UnixMilli(x).UTC()
		}, true
	case *format.DecimalType:
		scale := int(v.Scale)
		t := "decimal(" + strconv.Itoa(int(v.Precision)) + "," + strconv.Itoa(scale) + ")"
		return t, func(pv parquet.Value) any {
			var u big.Int
			switch kind {
			case parquet.Int32:
				u.SetInt64(int64(pv.Int32()))
			case parquet.Int64:
				u.SetInt64(pv.Int64())
			default:
				b := pv.ByteArray()
				u.SetBytes(b)
				if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
					var m big.Int
					m.Lsh(big.NewInt(1), uint(8*len(b)))
					u.Sub(&u, &m)
				}
			}
			f, _ := new(big.Rat).SetFrac(&u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)).Float64()
			return f
		}, true
	case *format.IntType:
		if v.BitWidth == 64 || (!v.IsSigned && v.BitWidth == 32) {
			if !v.IsSigned && v.BitWidth == 64 {
				return "", nil, false
			}
			return "bigint", func(pv parquet.Value) any {
				if kind == parquet.Int32 {
					return int64(uint32(pv.Int32()))
				}
				return pv.Int64()
			}, true
		}
		t := "int"
		switch {
		case v.IsSigned && v.BitWidth == 8:
			t = "tinyint"
		case v.IsSigned && v.BitWidth == 16, !v.IsSigned && v.BitWidth == 8:
			t = "smallint"
		}
		signed := v.IsSigned
		return t, func(pv parquet.Value) any {
			if !signed {
				return int64(uint32(pv.Int32()))
			}
			return int64(pv.Int32())
		}, true
	case nil:
	default:
		return "", nil, false
	}
	switch kind {
	case parquet.Boolean:
		return "boolean", func(v parquet.Value) any { return v.Boolean() }, true
	case parquet.Int32:
		return "int", func(v parquet.Value) any { return int64(v.Int32()) }, true
	case parquet.Int64:
		return "bigint", func(v parquet.Value) any { return v.Int64() }, true
	case parquet.Int96:
		return "timestamp", func(v parquet.Value) any {
			i := v.Int96()
			nanos := int64(i[1])<<32 | int64(i[0])
			return time.Unix((int64(i[2])-2440588)*86400, nanos).UTC()
		}, true
	case parquet.Float:
		return "float", func(v parquet.Value) any { return float64(v.Float()) }, true
	case parquet.Double:
		return "double", func(v parquet.Value) any { return v.Double() }, true
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return "binary", func(v parquet.Value) any { return append([]byte(nil), v.ByteArray()...) }, true
	}
	return "", nil, false
}
