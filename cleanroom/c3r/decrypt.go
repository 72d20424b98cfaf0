package c3r

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"

	"github.com/cdpkit/cdpkit"
)

// Decryptor decrypts query results of one collaboration. It is safe for
// concurrent use.
type Decryptor struct {
	root []byte
	opts Options
}

// NewDecryptor derives the collaboration's sealed-column key from the
// shared secret and the collaboration id.
func NewDecryptor(secret Secret, collaborationID string, optFns ...func(*Options)) (*Decryptor, error) {
	if secret.Len() < MinSecretLen {
		return nil, newErr("new decryptor", "", 0, ErrSecret, "missing or short secret")
	}
	if collaborationID == "" {
		return nil, newErr("new decryptor", "", 0, cdpkit.ErrInvalid, "empty collaboration id")
	}
	k, err := newKeys(secret.b, collaborationID, false)
	if err != nil {
		return nil, err
	}
	d := &Decryptor{root: k.root}
	for _, fn := range optFns {
		fn(&d.opts)
	}
	return d, nil
}

// CellKind says what a result cell holds.
type CellKind int

// Cell kinds.
const (
	// PlainCell is cleartext (or anything that is not a C3R cell).
	PlainCell CellKind = iota
	// FingerprintCell is an HMAC ("NN:hmac:…"); it cannot be decrypted.
	FingerprintCell
	// SealedCell is an encrypted value ("02:enc:…").
	SealedCell
)

// Kind classifies a cell as the official client does: by the descriptor
// after the three-character version.
func Kind(cell []byte) CellKind {
	switch {
	case len(cell) >= 7 && string(cell[3:7]) == "enc:":
		return SealedCell
	case len(cell) >= 8 && string(cell[3:8]) == "hmac:":
		return FingerprintCell
	}
	return PlainCell
}

// DecryptCell decrypts one sealed cell into its typed value. A cell that
// is not sealed is returned as a STRING unchanged (fingerprints pass
// through). A sealed cell of another format version (the legacy
// "01:enc:"), or malformed, is ErrFormat; one that does not authenticate
// (tampered, or sealed for another secret or collaboration) is
// ErrDecrypt. The *Error has no row or column; the file methods add them.
func (d *Decryptor) DecryptCell(cell []byte) (Value, error) {
	if Kind(cell) != SealedCell {
		return Value{Type: TypeString, Bytes: cell}, nil
	}
	if string(cell[:3]) != "02:" {
		return Value{}, &Error{Op: "decrypt", Kind: ErrFormat, Err: detail("format version is not 02")}
	}
	var v Value
	err := openSealedTo(d.root, cell[len(prefixEnc):], func(enc []byte) error {
		var err error
		if v, err = decodeValue(enc); err != nil { // copies the value's bytes
			return &Error{Kind: ErrFormat, Err: err}
		}
		return nil
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op = "decrypt"
			return Value{}, e
		}
		return Value{}, &Error{Op: "decrypt", Err: err}
	}
	return v, nil
}

func (d *Decryptor) callOptions(optFns []func(*Options)) Options {
	o := d.opts
	for _, fn := range optFns {
		fn(&o)
	}
	return o
}

// cellError adds the row and column to a DecryptCell error.
func cellError(err error, column string, row int64) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Column, c.Row = column, row
		return &c
	}
	return &Error{Op: "decrypt", Column: column, Row: row, Err: err}
}

// DecryptCSV decrypts a query result in CSV (with a header row) into dst
// as CSV: sealed cells become their values' text, everything else is
// copied. The first bad cell stops the call with an *Error naming its row
// (1-based, header excluded) and column; rows before it have been written.
func (d *Decryptor) DecryptCSV(ctx context.Context, dst io.Writer, src io.Reader, optFns ...func(*Options)) (Stats, error) {
	opts := d.callOptions(optFns)
	in, err := newCSVSource(src, csvNulls{token: []byte(opts.CSVNullValue), hasToken: opts.CSVNullValue != ""})
	if err != nil {
		return Stats{}, err
	}
	out, err := newCSVSink(dst, in.hdr)
	if err != nil {
		return Stats{}, &Error{Op: "decrypt", Err: err}
	}
	vals := make([]Value, len(in.hdr))
	var n int64
	for {
		row, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Stats{Rows: n}, err
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return Stats{Rows: n}, &Error{Op: "decrypt", Kind: ErrCanceled, Err: ctx.Err()}
		}
		for i, v := range row {
			if v.Null {
				vals[i] = v
				continue
			}
			if vals[i], err = d.DecryptCell(v.Bytes); err != nil {
				return Stats{Rows: n - 1}, cellError(err, normalize(in.hdr[i]), n)
			}
		}
		if err := out.write(vals); err != nil {
			return Stats{Rows: n - 1}, &Error{Op: "decrypt", Err: err}
		}
	}
	if err := out.close(); err != nil {
		return Stats{Rows: n}, &Error{Op: "decrypt", Err: err}
	}
	if opts.Logger != nil {
		opts.Logger.LogAttrs(ctx, slog.LevelInfo, "c3r: decrypted", slog.Int64("rows", n))
	}
	return Stats{Rows: n, Columns: len(in.hdr)}, nil
}

// DecryptParquet decrypts a query result in Parquet into dst as Parquet.
// A string column holding sealed cells is written with the type sealed in
// them (found by a first scan that stops at each column's first sealed or
// plain value): DECIMAL as DECIMAL(precision, scale) on INT32, INT64 or
// FIXED_LEN_BYTE_ARRAY by precision, TIMESTAMP with its unit and UTC flag.
// Other columns keep their Parquet type. A column whose sealed cells mix
// types (or DECIMAL precisions and scales, or TIMESTAMP units), or mix
// sealed and plain cells, is ErrType.
//
// The official client writes decrypted non-string values differently: it
// keeps the encrypted file's string columns and puts raw bytes in them
// (a DECIMAL's unscaled two's complement, a TIMESTAMP's 8-byte long). This
// package writes typed columns instead, so the values read back as what
// was sealed; decrypting to CSV matches the official client's text.
func (d *Decryptor) DecryptParquet(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, optFns ...func(*Options)) (Stats, error) {
	opts := d.callOptions(optFns)
	in, err := openParquetOpts(src, size, opts)
	if err != nil {
		return Stats{}, err
	}
	cols := make([]outCol, len(in.hdr))
	sealed := make([]bool, len(in.hdr))
	// needMeta: the column's sealed type is known but not yet its
	// DECIMAL precision and scale or TIMESTAMP unit (the cells so far were
	// NULLs sealed without them).
	needMeta := make([]bool, len(in.hdr))
	unknown := make([]bool, len(in.hdr)) // a string column not yet scanned
	pending := 0
	for i, t := range in.typ {
		if !t.Valid() && !in.raw[i] {
			return Stats{}, newErr("decrypt", normalize(in.hdr[i]), 0, ErrType, "the result column's type is not supported")
		}
		cols[i] = outCol{name: in.hdr[i], typ: t, meta: in.proto[i], src: in.ptype[i]}
		if t == TypeString {
			pending++
			unknown[i] = true
		}
	}
	var n int64
	for pending > 0 {
		row, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Stats{}, err
		}
		n++
		for i, v := range row {
			if (!unknown[i] && !needMeta[i]) || v.Null {
				continue
			}
			if unknown[i] && Kind(v.Bytes) != SealedCell {
				pending--
				unknown[i] = false
				continue
			}
			dv, err := d.DecryptCell(v.Bytes)
			if err != nil {
				return Stats{}, cellError(err, normalize(in.hdr[i]), n)
			}
			if !unknown[i] && dv.Type != cols[i].typ {
				return Stats{}, newErr("decrypt", normalize(in.hdr[i]), n, ErrType, "the column mixes types")
			}
			if unknown[i] {
				unknown[i] = false
				cols[i].typ, cols[i].src, sealed[i] = dv.Type, nil, true
			}
			if (dv.Type == TypeDecimal || dv.Type == TypeTimestamp) && !dv.HasMeta {
				needMeta[i] = true
				continue
			}
			pending--
			needMeta[i] = false
			cols[i].meta = Value{Type: dv.Type, Null: true, Precision: dv.Precision, Scale: dv.Scale, UTC: dv.UTC, Unit: dv.Unit, HasMeta: true}
		}
	}
	for i := range cols {
		switch {
		case unknown[i]:
			// Only NULLs: it stays a string column.
		case needMeta[i]:
			// Only NULLs, none with its metadata: any column type holds them.
			cols[i].meta = Value{Type: cols[i].typ, Null: true, Precision: 38, Unit: Micros, HasMeta: true}
		}
		if cols[i].typ == TypeDecimal && !validDecimalMeta(cols[i].meta) {
			return Stats{}, newErr("decrypt", normalize(in.hdr[i]), 0, ErrType, "sealed DECIMALs with a precision or scale Parquet cannot store")
		}
	}
	if in, err = openParquetOpts(src, size, opts); err != nil {
		return Stats{}, err
	}
	out, err := newParquetSink(dst, cols)
	if err != nil {
		return Stats{}, &Error{Op: "decrypt", Err: err}
	}
	vals := make([]Value, len(cols))
	n = 0
	for {
		row, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Stats{Rows: n}, err
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return Stats{Rows: n}, &Error{Op: "decrypt", Kind: ErrCanceled, Err: ctx.Err()}
		}
		for i, v := range row {
			if v.Null || !sealed[i] {
				vals[i] = v
				if v.Null {
					vals[i] = Value{Type: cols[i].typ, Null: true}
				}
				continue
			}
			dv, err := d.DecryptCell(v.Bytes)
			if err != nil {
				return Stats{Rows: n - 1}, cellError(err, normalize(in.hdr[i]), n)
			}
			if Kind(v.Bytes) != SealedCell || dv.Type != cols[i].typ || !sameMeta(dv, cols[i].meta) {
				return Stats{Rows: n - 1}, newErr("decrypt", normalize(in.hdr[i]), n, ErrType, "the column mixes types")
			}
			vals[i] = dv
		}
		if err := out.write(vals); err != nil {
			return Stats{Rows: n - 1}, &Error{Op: "decrypt", Err: err}
		}
	}
	if err := out.close(); err != nil {
		return Stats{Rows: n}, &Error{Op: "decrypt", Err: err}
	}
	if opts.Logger != nil {
		opts.Logger.LogAttrs(ctx, slog.LevelInfo, "c3r: decrypted", slog.Int64("rows", n))
	}
	return Stats{Rows: n, Columns: len(cols)}, nil
}

// sameMeta reports whether a decrypted value fits its column's DECIMAL
// precision and scale or TIMESTAMP unit and UTC flag (a NULL sealed
// without them fits any).
func sameMeta(v, col Value) bool {
	if !v.HasMeta {
		return true
	}
	switch v.Type {
	case TypeDecimal:
		return v.Precision == col.Precision && v.Scale == col.Scale
	case TypeTimestamp:
		return v.Unit == col.Unit && v.UTC == col.UTC
	}
	return true
}

// Row is one decrypted row of a result. Values are valid until the next
// iteration; Columns is shared by every row.
type Row struct {
	// Number is the 1-based data row of the input.
	Number  int64
	Columns []string
	Values  []Value
}

// Rows decrypts a result (CSV or Parquet) row by row: sealed cells become
// typed values, everything else passes through (as STRING for CSV, with
// its Parquet type otherwise; TypeUnknown for a Parquet type C3R has no
// type for). A bad cell ends the sequence with an *Error
// naming its row and column.
func (d *Decryptor) Rows(ctx context.Context, in Input, optFns ...func(*Options)) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		opts := d.callOptions(optFns)
		var src source
		var err error
		switch {
		case in.R == nil || !in.Format.valid():
			err = newErr("decrypt", "", 0, ErrInput, "unknown format or no input")
		case in.Format == Parquet:
			src, err = openParquetOpts(in.R, in.Size, opts)
		default:
			src, err = newCSVSource(io.NewSectionReader(in.R, 0, in.Size), csvNullsOf(opts))
		}
		if err != nil {
			yield(Row{}, err)
			return
		}
		cols := make([]string, len(src.header()))
		for i, h := range src.header() {
			cols[i] = normalize(h)
		}
		types := src.types()
		vals := make([]Value, len(cols))
		for n := int64(1); ; n++ {
			if ctx.Err() != nil {
				yield(Row{}, &Error{Op: "decrypt", Kind: ErrCanceled, Err: ctx.Err()})
				return
			}
			row, err := src.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Row{}, err)
				return
			}
			for i, v := range row {
				vals[i] = v
				if v.Null || types[i] != TypeString {
					continue
				}
				if vals[i], err = d.DecryptCell(v.Bytes); err != nil {
					yield(Row{}, cellError(err, cols[i], n))
					return
				}
			}
			if !yield(Row{Number: n, Columns: cols, Values: vals}, nil) {
				return
			}
		}
	}
}
