package c3r

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cdpkit/cdpkit"
	"github.com/parquet-go/parquet-go"
)

// Options tune an Encryptor or Decryptor.
type Options struct {
	// TempDir is where rows are spilled while they are shuffled and where
	// CSV input is spooled for MAX padding's first pass ("" is
	// os.TempDir()). Everything written there is removed before the call
	// returns.
	TempDir string
	// MemoryBudget is how many bytes of encrypted rows are held in memory
	// before they spill to TempDir (0 is 64 MiB). Peak memory is about
	// this plus 256 × 16 KiB of spill buffers per spilled stream.
	MemoryBudget int64
	// CSVNullValue is the official client's --csvInputNullValue. Unset
	// (""), a blank cell and a quoted "" are both NULL. A blank token
	// (" ") makes only blank cells NULL ("" is an empty string); the token
	// `""` makes only quoted "" NULL (blank cells are empty strings); any
	// other token makes only cells equal to it NULL.
	CSVNullValue string
	// ParquetBinaryAsString is the official client's
	// --parquetBinaryAsString: Parquet BYTE_ARRAY columns without a
	// logical type (strings written by older Hive, Impala or Spark) are
	// read as STRING, so they can be fingerprinted and sealed. Without it
	// they are TypeUnknown, which can only be cleartext.
	ParquetBinaryAsString bool
	// Logger receives one summary line per call (rows, whether rows were
	// spilled). Nil logs nothing. Values are never logged.
	Logger *slog.Logger
}

func (o *Options) budget() int64 {
	if o.MemoryBudget <= 0 {
		return 64 << 20
	}
	return o.MemoryBudget
}

// Stats describes a finished call.
type Stats struct {
	// Rows is the number of data rows written.
	Rows int64
	// Columns is the number of output columns.
	Columns int
	// Spilled reports that rows went through TempDir.
	Spilled bool
	// Output describes the output columns, in order (encrypt only).
	Output []OutputColumn
}

// OutputColumn is one column of an encrypted table.
type OutputColumn struct {
	Name string
	// Type is the stored type: STRING for fingerprint and sealed columns,
	// the input's type for cleartext ones.
	Type Type
	Kind ColumnType
	// Precision and Scale of a cleartext DECIMAL column.
	Precision int32 `json:",omitempty"`
	Scale     int32 `json:",omitempty"`
	// HiveType is the Glue type of a cleartext TypeUnknown column.
	HiveType string `json:",omitempty"`
}

// Encryptor encrypts tables for one collaboration. It is safe for
// concurrent use; each call works on its own state.
type Encryptor struct {
	keys     *keys
	settings Settings
	opts     Options
}

// NewEncryptor derives the collaboration's keys from the shared secret
// and the collaboration id (the salt).
func NewEncryptor(secret Secret, collaborationID string, settings Settings, optFns ...func(*Options)) (*Encryptor, error) {
	if secret.Len() < MinSecretLen {
		return nil, newErr("new encryptor", "", 0, ErrSecret, "missing or short secret")
	}
	if collaborationID == "" {
		return nil, newErr("new encryptor", "", 0, cdpkit.ErrInvalid, "empty collaboration id")
	}
	k, err := newKeys(secret.b, collaborationID, settings.AllowJoinsOnColumnsWithDifferentNames)
	if err != nil {
		return nil, err
	}
	e := &Encryptor{keys: k, settings: settings}
	for _, fn := range optFns {
		fn(&e.opts)
	}
	return e, nil
}

// Settings returns the collaboration settings the Encryptor applies.
func (e *Encryptor) Settings() Settings { return e.settings }

// source is a table being read.
type source interface {
	header() []string
	types() []Type
	// next returns the next row, valid until the following call; io.EOF
	// at the end.
	next() ([]Value, error)
}

// sink is a table being written.
type sink interface {
	write(row []Value) error
	close() error
}

// outCol is one output column as a sink sees it.
type outCol struct {
	name string
	typ  Type // STRING for fingerprint and sealed columns
	kind ColumnType
	// meta is a NULL of typ with its DECIMAL precision and scale or
	// TIMESTAMP unit and UTC flag; src is the Parquet type a cleartext
	// column had in a Parquet input (nil otherwise), which it keeps.
	meta Value
	src  parquet.Type
}

type planCol struct {
	outCol
	src     int
	srcType Type
	pad     Pad
	maxLen  int // PadMax: longest encoded value
	fp      *fingerprinter
	nulls   int64
	dupChk  bool
	label   []byte // name as bytes, for the IV
}

// encrypt runs the whole pipeline. open is called once, or twice when a
// column has MAX padding; newSink only once every row passed every check.
func (e *Encryptor) encrypt(ctx context.Context, schema Schema, open func(pass int) (source, error), newSink func([]outCol) (sink, error), opts Options) (st Stats, err error) {
	const op = "encrypt"
	if ctx.Err() != nil {
		return st, &Error{Op: op, Kind: ErrCanceled, Err: ctx.Err()}
	}
	if err := schema.Validate(e.settings, nil); err != nil {
		return st, err
	}
	src, err := open(1)
	if err != nil {
		return st, err
	}
	plan, err := e.plan(schema, src)
	if err != nil {
		return st, err
	}
	hasMax, hasSealed := false, false
	for _, c := range plan {
		hasMax = hasMax || (c.kind == Sealed && c.pad.Type == PadMax)
		hasSealed = hasSealed || c.kind == Sealed
	}
	if hasMax {
		if err := measure(ctx, src, plan); err != nil {
			return st, err
		}
		for _, c := range plan {
			if c.kind != Sealed || c.pad.Type != PadMax {
				continue
			}
			if c.maxLen+c.pad.Length > MaxPaddedPlaintext {
				return st, newErr(op, c.name, 0, ErrLimit, fmt.Sprintf("MAX padding makes values %d bytes, at most %d", c.maxLen+c.pad.Length, MaxPaddedPlaintext))
			}
			if sealedCellLen(c.maxLen+c.pad.Length+padLenLen) > MaxCellBytes {
				return st, newErr(op, c.name, 0, ErrLimit, "sealed cells would exceed 16,383 bytes")
			}
		}
		if src, err = open(2); err != nil {
			return st, err
		}
	}

	dir, err := os.MkdirTemp(opts.TempDir, "c3r-*")
	if err != nil {
		return st, &Error{Op: op, Err: err}
	}
	defer os.RemoveAll(dir)
	rows := newSpiller(dir, "rows", opts.budget())
	defer rows.close()
	var dups *spiller
	if !e.settings.AllowDuplicates {
		dups = newSpiller(dir, "dups", max(opts.budget()/4, 64<<10))
		defer dups.close()
	}

	nonces := bufio.NewReaderSize(rand.Reader, 32*nonceLen*4)
	rc := newRowCipher(e.keys.root)
	var (
		nonce [nonceLen]byte
		rec   []byte
		cell  []byte
		msg   []byte
		enc   []byte
		dup   []byte
		n     int64
	)
	for {
		row, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, err
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return st, &Error{Op: op, Kind: ErrCanceled, Err: ctx.Err()}
		}
		if _, err := io.ReadFull(nonces, nonce[:]); err != nil {
			return st, &Error{Op: op, Err: err}
		}
		if hasSealed {
			if err := rc.reset(&nonce); err != nil {
				return st, &Error{Op: op, Err: err}
			}
		}
		rec = append(rec[:0], nonce[:]...)
		for ci := range plan {
			c := &plan[ci]
			v := row[c.src]
			cell = cell[:0]
			null := false
			switch c.kind {
			case Cleartext:
				switch {
				case v.Null:
					null = true
				case c.srcType == TypeUnknown:
					cell = append(cell, v.Bytes...)
				default:
					cell = appendEncoded(cell, v)
				}
			case Fingerprint:
				if v.Null && e.settings.PreserveNulls {
					null = true
					break
				}
				if v.Null {
					c.nulls++
					if c.dupChk && c.nulls > 1 {
						return st, newErr(op, c.name, n, ErrDuplicate, "a second NULL (NULLs are not preserved, so they count as values)")
					}
					msg = appendNullFingerprintMessage(msg[:0], c.srcType)
				} else {
					msg = appendFingerprintMessage(msg[:0], v)
				}
				d := c.fp.digest(msg)
				if c.dupChk && !v.Null {
					dup = append(dup[:0], d...)
					dup = binary.BigEndian.AppendUint16(dup, uint16(ci))
					dup = binary.BigEndian.AppendUint64(dup, uint64(n))
					if err := dups.add(dup); err != nil {
						return st, &Error{Op: op, Err: err}
					}
				}
				cell = appendHMACCell(cell, d)
			case Sealed:
				if v.Null && e.settings.PreserveNulls {
					null = true
					break
				}
				enc = appendEncoded(enc[:0], v)
				pad := 0
				switch c.pad.Type {
				case PadFixed:
					pad = c.pad.Length - len(enc)
				case PadMax:
					pad = c.maxLen + c.pad.Length - len(enc)
				}
				if pad < 0 {
					return st, newErr(op, c.name, n, ErrLimit, fmt.Sprintf("value of %d bytes does not fit the %d-byte padding", len(enc), len(enc)+pad))
				}
				if c.pad.Type != PadNone && len(enc)+pad > MaxPaddedPlaintext {
					return st, newErr(op, c.name, n, ErrLimit, fmt.Sprintf("value of %d bytes exceeds %d", len(enc), MaxPaddedPlaintext))
				}
				cell = rc.appendSealed(cell, c.label, enc, pad)
				if len(cell) > MaxCellBytes {
					return st, newErr(op, c.name, n, ErrLimit, fmt.Sprintf("sealed cell of %d bytes exceeds %d", len(cell), MaxCellBytes))
				}
			}
			if null {
				rec = append(rec, 0)
			} else {
				rec = binary.AppendUvarint(rec, uint64(len(cell))+1)
				rec = append(rec, cell...)
			}
		}
		if err := rows.add(rec); err != nil {
			return st, &Error{Op: op, Err: err}
		}
	}
	if dups != nil {
		if err := checkDuplicates(dups, plan); err != nil {
			return st, err
		}
	}
	if ctx.Err() != nil {
		return st, &Error{Op: op, Kind: ErrCanceled, Err: ctx.Err()}
	}

	cols := make([]outCol, len(plan))
	for i, c := range plan {
		cols[i] = c.outCol
	}
	out, err := newSink(cols)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return st, err
		}
		return st, &Error{Op: op, Err: err}
	}
	vals := make([]Value, len(plan))
	err = rows.each(func(rec []byte) error {
		if err := decodeRecord(rec[nonceLen:], plan, vals); err != nil {
			return err
		}
		return out.write(vals)
	})
	if cerr := out.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, &Error{Op: op, Err: err}
	}
	st = Stats{Rows: n, Columns: len(plan), Spilled: rows.files != nil}
	for _, c := range plan {
		oc := OutputColumn{Name: c.name, Type: c.typ, Kind: c.kind}
		if c.typ == TypeDecimal {
			oc.Precision, oc.Scale = c.meta.Precision, c.meta.Scale
		}
		if c.typ == TypeUnknown {
			oc.HiveType = hiveOfParquet(c.outCol.src)
		}
		st.Output = append(st.Output, oc)
	}
	if opts.Logger != nil {
		opts.Logger.LogAttrs(ctx, slog.LevelInfo, "c3r: encrypted", slog.Int64("rows", n), slog.Int("columns", len(plan)), slog.Bool("spilled", st.Spilled))
	}
	return st, nil
}

func decodeRecord(b []byte, plan []planCol, vals []Value) error {
	for i, c := range plan {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l-min(l, 1) {
			return errors.New("c3r: corrupt spilled row")
		}
		b = b[k:]
		if l == 0 {
			vals[i] = Value{Type: c.typ, Null: true}
			continue
		}
		cell := b[:l-1]
		b = b[l-1:]
		if c.kind == Cleartext && c.srcType == TypeUnknown {
			vals[i] = Value{Bytes: cell}
		} else if c.kind == Cleartext {
			v, err := decodeValue(cell)
			if err != nil {
				return err
			}
			vals[i] = v
		} else {
			vals[i] = Value{Type: TypeString, Bytes: cell}
		}
	}
	return nil
}

// checkDuplicates walks the fingerprint digests in sorted order; equal
// neighbours in one column are duplicates.
func checkDuplicates(dups *spiller, plan []planCol) error {
	var prev []byte
	var prevRow uint64
	err := dups.each(func(rec []byte) error {
		if prev != nil && string(prev) == string(rec[:sizeDupKey]) {
			ci := binary.BigEndian.Uint16(rec[32:34])
			row := binary.BigEndian.Uint64(rec[34:])
			a, b := min(prevRow, row), max(prevRow, row)
			return newErr("encrypt", plan[ci].name, int64(b), ErrDuplicate, fmt.Sprintf("same value as row %d", a))
		}
		prev = append(prev[:0], rec[:sizeDupKey]...)
		prevRow = binary.BigEndian.Uint64(rec[34:])
		return nil
	})
	var e *Error
	if err != nil && !errors.As(err, &e) {
		return &Error{Op: "encrypt", Err: err}
	}
	return err
}

const sizeDupKey = 32 + 2

// measure is MAX padding's first pass: the longest encoded value of each
// MAX-padded column.
func measure(ctx context.Context, src source, plan []planCol) error {
	var enc []byte
	var n int64
	for {
		row, err := src.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			return &Error{Op: "encrypt", Kind: ErrCanceled, Err: ctx.Err()}
		}
		for i := range plan {
			c := &plan[i]
			if c.kind != Sealed || c.pad.Type != PadMax || row[c.src].Null {
				continue
			}
			enc = appendEncoded(enc[:0], row[c.src])
			c.maxLen = max(c.maxLen, len(enc))
		}
	}
}

// plan resolves the schema against the input's header and types.
func (e *Encryptor) plan(schema Schema, src source) ([]planCol, error) {
	const op = "encrypt"
	idx := map[string]int{}
	for i, h := range src.header() {
		k := normalize(h)
		if _, dup := idx[k]; dup {
			return nil, newErr(op, k, 0, ErrInput, "input header names the column twice")
		}
		idx[k] = i
	}
	types := src.types()
	plan := make([]planCol, len(schema.Columns))
	for i, c := range schema.Columns {
		name := c.TargetName()
		si, ok := idx[normalize(c.Source)]
		if !ok {
			return nil, newErr(op, normalize(c.Source), 0, ErrSchema, "source column not in the input header")
		}
		t := types[si]
		raw := false
		if ps, ok := src.(*parquetSource); ok {
			raw = ps.raw[si]
		}
		switch {
		case raw && c.Type != Cleartext:
			return nil, newErr(op, normalize(c.Source), 0, ErrType, "C3R has no type for the input column's Parquet type: it can only be cleartext")
		case !t.Valid() && !raw:
			return nil, newErr(op, normalize(c.Source), 0, ErrType, "the input column's type is not supported by C3R")
		}
		p := planCol{outCol: outCol{name: name, typ: t, kind: c.Type, meta: Value{Type: t, Null: true}}, src: si, srcType: t, pad: c.Pad, label: []byte(name)}
		if ps, ok := src.(*parquetSource); ok {
			p.meta = ps.proto[si]
			if c.Type == Cleartext {
				p.outCol.src = ps.ptype[si]
			}
		}
		switch c.Type {
		case Fingerprint:
			if !t.Fingerprintable() {
				return nil, newErr(op, name, 0, ErrType, t.String()+" cannot be fingerprinted (strings, integers, booleans and dates can)")
			}
			key, err := e.keys.fingerprintKey(name)
			if err != nil {
				return nil, err
			}
			p.fp = newFingerprinter(key)
			p.dupChk = !e.settings.AllowDuplicates
			p.typ = TypeString
		case Sealed:
			p.typ = TypeString
		}
		if p.typ == TypeString {
			p.meta = Value{Type: TypeString, Null: true}
		}
		plan[i] = p
	}
	return plan, nil
}

// EncryptCSV encrypts a CSV file with a header row into dst as CSV, in
// shuffled row order. Every value is a STRING. Nothing is written to dst
// unless every row passes every check; with MAX padding src is spooled to
// Options.TempDir for the second pass.
func (e *Encryptor) EncryptCSV(ctx context.Context, dst io.Writer, src io.Reader, schema Schema, optFns ...func(*Options)) (Stats, error) {
	opts := e.callOptions(optFns)
	nulls := csvNullsOf(opts)
	var spool *os.File
	defer func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()
	open := func(pass int) (source, error) {
		switch pass {
		case 1:
			if needsMax(schema) {
				f, err := os.CreateTemp(opts.TempDir, "c3r-spool-*")
				if err != nil {
					return nil, &Error{Op: "encrypt", Err: err}
				}
				spool = f
				return newCSVSource(io.TeeReader(src, f), nulls)
			}
			return newCSVSource(src, nulls)
		default:
			if _, err := spool.Seek(0, io.SeekStart); err != nil {
				return nil, &Error{Op: "encrypt", Err: err}
			}
			return newCSVSource(spool, nulls)
		}
	}
	return e.encrypt(ctx, schema, open, func(cols []outCol) (sink, error) {
		return newCSVSink(dst, names(cols))
	}, opts)
}

// Input is a table file that can be read more than once (MAX padding's
// first pass reads it again instead of spooling it).
type Input struct {
	Format Format
	R      io.ReaderAt
	Size   int64
}

// Encrypt encrypts in (CSV or Parquet) into dst in the given format (CSV
// or Parquet), in shuffled row order; CSV input read into Parquet output
// gives string columns. Nothing is written to dst unless every row passes
// every check.
func (e *Encryptor) Encrypt(ctx context.Context, dst io.Writer, format Format, in Input, schema Schema, optFns ...func(*Options)) (Stats, error) {
	if !format.valid() || !in.Format.valid() || in.R == nil {
		return Stats{}, newErr("encrypt", "", 0, cdpkit.ErrInvalid, "unknown format or no input")
	}
	opts := e.callOptions(optFns)
	open := func(int) (source, error) {
		if in.Format == Parquet {
			return openParquetOpts(in.R, in.Size, opts)
		}
		return newCSVSource(io.NewSectionReader(in.R, 0, in.Size), csvNullsOf(opts))
	}
	return e.encrypt(ctx, schema, open, func(cols []outCol) (sink, error) {
		if format == Parquet {
			return newParquetSink(dst, cols)
		}
		for _, c := range cols {
			if c.typ == TypeUnknown {
				return nil, newErr("encrypt", c.name, 0, ErrType, "a column of a Parquet type C3R has no type for cannot be written to CSV")
			}
		}
		return newCSVSink(dst, names(cols))
	}, opts)
}

func csvNullsOf(o Options) csvNulls {
	return csvNulls{token: []byte(o.CSVNullValue), hasToken: o.CSVNullValue != ""}
}

func needsMax(s Schema) bool {
	for _, c := range s.Columns {
		if c.Type == Sealed && c.Pad.Type == PadMax {
			return true
		}
	}
	return false
}

func names(cols []outCol) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

func (e *Encryptor) callOptions(optFns []func(*Options)) Options {
	o := e.opts
	for _, fn := range optFns {
		fn(&o)
	}
	return o
}

func (s *csvSource) types() []Type {
	t := make([]Type, len(s.hdr))
	for i := range t {
		t[i] = TypeString
	}
	return t
}

func (s *csvSource) header() []string { return s.hdr }
