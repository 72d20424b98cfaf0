package hashing

import (
	"context"
	"iter"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// keyIndex is k's position in allKeys, or -1; Record stores values by it.
func keyIndex(k Key) int {
	switch k {
	case Email:
		return idxEmail
	case Phone:
		return idxPhone
	case FirstName:
		return idxFN
	case LastName:
		return idxLN
	case FirstInitial:
		return idxFI
	case City:
		return idxCity
	case State:
		return idxState
	case Zip:
		return idxZip
	case Country:
		return idxCountry
	case BirthYear:
		return idxDOBY
	case BirthMonth:
		return idxDOBM
	case BirthDay:
		return idxDOBD
	case Gender:
		return idxGender
	case MobileAdID:
		return idxMADID
	case ExternID:
		return idxExternID
	case LookalikeValue:
		return idxLookalike
	case DOB:
		return idxDOB
	}
	return -1
}

// Positions in allKeys, used to index Record values and to switch on keys
// without comparing strings on the hot path.
const (
	idxEmail = iota
	idxPhone
	idxFN
	idxLN
	idxFI
	idxCity
	idxState
	idxZip
	idxCountry
	idxDOBY
	idxDOBM
	idxDOBD
	idxGender
	idxMADID
	idxExternID
	idxLookalike
	idxDOB
)

// Record is one person's raw values by key, the input of HashRow. The zero
// Record has every value missing; reuse one with Reset to avoid allocation.
//
// Values not given are derived where the rules allow: FI from FN; DOBY,
// DOBM and DOBD from a full date in DOB; DOB from DOBY, DOBM and DOBD.
type Record struct {
	// Row is the 1-based position reported in errors, or 0.
	Row  int
	vals [len(allKeys)]string
}

// Set sets the raw value of k. It reports false for an unknown key.
func (r *Record) Set(k Key, v string) bool {
	i := keyIndex(k)
	if i < 0 {
		return false
	}
	r.vals[i] = v
	return true
}

// Get returns the raw value of k ("" when not set).
func (r *Record) Get(k Key) string {
	if i := keyIndex(k); i >= 0 {
		return r.vals[i]
	}
	return ""
}

// Reset clears the record.
func (r *Record) Reset() { *r = Record{} }

// MetaSchema is the multi-key schema Meta documents, in the order of its
// reference page (EXTERN_ID, EMAIL, PHONE, GEN, DOBY, DOBM, DOBD, LN, FN,
// FI, CT, ST, ZIP, MADID, COUNTRY), without LOOKALIKE_VALUE (add it for
// value-based audiences) and DOB (Conversions API only). The slice is a
// fresh copy.
func MetaSchema() []Key {
	return []Key{ExternID, Email, Phone, Gender, BirthYear, BirthMonth, BirthDay,
		LastName, FirstName, FirstInitial, City, State, Zip, MobileAdID, Country}
}

// HashRow normalizes and hashes rec into one cell per key of schema, in
// schema order, appended to dst. The row's COUNTRY (normalized) is used for
// its PHONE, ST and ZIP, falling back to the default region when absent or
// invalid. It returns one *Error (with Row set from rec.Row) per rejected or
// flagged value, in schema order, after a rejected COUNTRY that was used
// for the row but is not in schema. Unknown keys in schema give a missing
// cell and ReasonUnknownKey.
//
// HashRow allocates only for non-ASCII values, national phone numbers and
// errors.
func (h *Hasher) HashRow(dst []Cell, schema []Key, rec *Record) ([]Cell, []*Error) {
	// Every cell's bytes go into one buffer that becomes one string, so a
	// row costs one allocation however many keys it has.
	var scratch [1024]byte
	var spansArr [24][2]int32
	start := len(dst)
	dst, errs, buf, spans := h.hashRow(dst, schema, rec, scratch[:0], spansArr[:0])
	setValues(dst[start:], buf, spans)
	return dst, errs
}

// setValues gives cells[i] the bytes buf[spans[i][0]:spans[i][1]], all from
// one string; empty spans leave the cell as it is (missing, or sharing its
// input).
func setValues(cells []Cell, buf []byte, spans [][2]int32) {
	if len(buf) == 0 {
		return
	}
	all := string(buf)
	for i, sp := range spans {
		if sp[1] > sp[0] {
			cells[i].val = all[sp[0]:sp[1]]
		}
	}
}

// hashRow is HashRow without making the values: it appends one cell per
// schema key to dst (with a value only when it shares the input), appends
// the cells' wire bytes to buf and one span per cell to spans.
func (h *Hasher) hashRow(dst []Cell, schema []Key, rec *Record, buf []byte, spans [][2]int32) ([]Cell, []*Error, []byte, [][2]int32) {
	var errs []*Error

	// The row's country, needed by PHONE, ST and ZIP.
	cc := h.country
	rowCC := "" // the row's own COUNTRY, when valid: its cell reuses it
	var countryReason Reason
	if raw := rec.vals[idxCountry]; raw != "" {
		n0 := len(buf)
		var b []byte
		var st status
		b, st, countryReason = h.appendNormAt(buf, idxCountry, raw, "")
		if st == stValue {
			cc = internCountry(b[n0:])
			rowCC = cc
		}
		buf = b[:n0]
	}
	if countryReason != "" && !containsKey(schema, Country) {
		errs = append(errs, &Error{Key: Country, Reason: countryReason, Row: rec.Row})
	}

	dobState := stMissing // stValue: dobYMD holds DOB; stPlain: DOB is not a date
	var dobYMD [8]byte
	for _, k := range schema {
		i := keyIndex(k)
		from := len(buf)
		if i < 0 {
			dst = append(dst, Cell{key: k})
			spans = append(spans, [2]int32{int32(from), int32(from)})
			errs = append(errs, &Error{Key: k, Reason: ReasonUnknownKey, Row: rec.Row})
			continue
		}
		v := rec.vals[i]
		var r Reason
		static := "" // a digest from the table of short values, held as is
		switch {
		case i == idxFI && isBlank(v):
			buf, static = h.derivedInitial(buf, rec.vals[idxFN])
		case (i == idxDOBY || i == idxDOBM || i == idxDOBD) && isBlank(v) && !isBlank(rec.vals[idxDOB]):
			// Parse DOB once for the three parts.
			if dobState == stMissing {
				var tmp [16]byte
				out, st, _ := h.appendNorm(tmp[:0], DOB, rec.vals[idxDOB], cc)
				dobState = st
				if st == stValue {
					copy(dobYMD[:], out)
				} else if st != stPreHashed {
					dobState = stPlain // not a full date: each part parses on its own
				}
			}
			switch dobState {
			case stValue:
				part := dobYMD[0:4]
				if i == idxDOBM {
					part = dobYMD[4:6]
				} else if i == idxDOBD {
					part = dobYMD[6:8]
				}
				buf, static = h.digestHexOr(buf, part)
			case stPlain:
				buf, static, r = h.wireAt(buf, i, rec.vals[idxDOB], cc)
			}
			// stPreHashed: a digest of the whole date cannot be split.
		case i == idxDOB && isBlank(v):
			buf, r = h.derivedDOB(buf, rec)
		case i == idxCountry && rowCC != "":
			var ccb [8]byte
			buf, static = h.digestHexOr(buf, append(ccb[:0], rowCC...))
		default:
			buf, static, r = h.wireAt(buf, i, v, cc)
		}
		c := Cell{key: k, keyed: h.keyedAt(i)}
		if static != "" {
			c.val = static
		} else if string(buf[from:]) == v && v != "" {
			c.val = v // unhashed and already clean: share the input
			buf = buf[:from]
		}
		dst = append(dst, c)
		spans = append(spans, [2]int32{int32(from), int32(len(buf))})
		if r != "" {
			errs = append(errs, &Error{Key: k, Reason: r, Row: rec.Row})
		}
	}
	return dst, errs, buf, spans
}

func isBlank(v string) bool { return trim(v) == "" }

func containsKey(ks []Key, k Key) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// internCountry returns a constant string for an alpha-2 code so that the
// row's country costs no allocation.
func internCountry(cc []byte) string {
	if len(cc) == 2 {
		if c, ok := countryPair(cc[0], cc[1]); ok {
			return c
		}
	}
	if c, ok := countryIndex()[string(cc)]; ok {
		return c
	}
	return string(cc)
}

// derivedInitial hashes the first letter of the normalized FN. A FN that is
// missing, rejected or pre-hashed gives a missing FI without a reason of its
// own (FN reports it). A digest from the table of short values comes back
// as a static string, with buf unchanged.
func (h *Hasher) derivedInitial(buf []byte, fn string) ([]byte, string) {
	n := len(buf)
	out, st, _ := h.appendNorm(buf, FirstName, fn, "")
	if st != stValue {
		return buf, ""
	}
	_, size := utf8.DecodeRune(out[n:])
	return h.digestHexOr(buf, out[n:n+size])
}

// derivedDOB builds DOB from DOBY, DOBM and DOBD when all three are given.
func (h *Hasher) derivedDOB(buf []byte, rec *Record) ([]byte, Reason) {
	y, m, d := rec.vals[idxDOBY], rec.vals[idxDOBM], rec.vals[idxDOBD]
	if isBlank(y) || isBlank(m) || isBlank(d) {
		return buf, ""
	}
	var parts [3][4]byte
	var got [3][]byte
	for i, k := range [3]Key{BirthYear, BirthMonth, BirthDay} {
		out, st, r := h.appendNorm(parts[i][:0], k, rec.vals[idxDOBY+i], "")
		if st != stValue {
			if r == "" {
				return buf, ""
			}
			return buf, r
		}
		got[i] = out
	}
	// The parts are valid alone; the date they make must also exist.
	dt := date{atoi(string(got[0])), atoi(string(got[1])), atoi(string(got[2]))}
	if r := h.checkDate(dt, DOB, true); r != "" {
		return buf, r
	}
	var full [8]byte
	return h.appendDigestHex(buf, append(append(append(full[:0], got[0]...), got[1]...), got[2]...)), ""
}

// HashBatch runs HashRow over recs using up to Options.Workers goroutines
// (GOMAXPROCS by default), all joined before it returns. Cells come back
// row-major: the cells of recs[i] are cells[i*len(schema):(i+1)*len(schema)].
// Errors come back in row order. A record whose Row is 0 is numbered by its
// 1-based index in recs. HashBatch stops early with ctx's error when ctx is
// cancelled.
//
// To keep allocation low, the values of up to 512 rows share one string:
// keeping a single cell of a large batch alive keeps its chunk's string too.
func (h *Hasher) HashBatch(ctx context.Context, schema []Key, recs []Record) ([]Cell, []*Error, error) {
	cells, perRec, err := h.hashBatch(ctx, schema, recs)
	if err != nil {
		return nil, nil, err
	}
	var errs []*Error
	for _, e := range perRec {
		errs = append(errs, e...)
	}
	return cells, errs, nil
}

// chunkScratch is the reusable buffer of one HashBatch chunk.
type chunkScratch struct {
	buf   []byte
	spans [][2]int32
}

// hashBatch is HashBatch with the errors kept per record.
func (h *Hasher) hashBatch(ctx context.Context, schema []Key, recs []Record) ([]Cell, [][]*Error, error) {
	cells := make([]Cell, len(recs)*len(schema))
	perRec := make([][]*Error, len(recs))
	n := len(schema)
	_, err := h.chunks(ctx, len(recs), func(lo, hi int) []*Error {
		// One buffer and one string per chunk rather than per row: far
		// less for the garbage collector, which is what limits scaling.
		sc := new(chunkScratch)
		if h.scratch != nil {
			sc = h.scratch.Get().(*chunkScratch)
		}
		buf, spans := sc.buf[:0], sc.spans[:0]
		for i := lo; i < hi; i++ {
			rec := &recs[i]
			row := rec.Row
			if row == 0 {
				row = i + 1
			}
			at := i * n
			var errs []*Error
			_, errs, buf, spans = h.hashRow(cells[at:at:at+n], schema, rec, buf, spans)
			for _, e := range errs {
				e.Row = row
			}
			perRec[i] = errs
		}
		setValues(cells[lo*n:hi*n], buf, spans)
		sc.buf, sc.spans = buf, spans
		if h.scratch != nil {
			h.scratch.Put(sc)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return cells, perRec, nil
}

// HashColumn hashes one key's values, a column, the way HashBatch hashes
// rows: cells[i] is the cell of values[i], errors carry Row i+1. countries,
// when not nil, must be as long as values and gives each value's row
// country in any form COUNTRY accepts ("" for the default region); it
// matters for PHONE, ST and ZIP. FI and the DOB parts are not derived here:
// pass their own values.
func (h *Hasher) HashColumn(ctx context.Context, k Key, values, countries []string) ([]Cell, []*Error, error) {
	if countries != nil && len(countries) != len(values) {
		return nil, nil, &configError{"HashColumn: countries and values differ in length"}
	}
	cells := make([]Cell, len(values))
	errs, err := h.chunks(ctx, len(values), func(lo, hi int) []*Error {
		var out []*Error
		buf := make([]byte, 0, (hi-lo)*(2*32))
		ends := make([]int, hi-lo)
		for i := lo; i < hi; i++ {
			cc := h.country
			if countries != nil {
				cc = h.rowCountry(countries[i])
			}
			from := len(buf)
			var r Reason
			buf, r = h.appendWire(buf, k, values[i], cc)
			if string(buf[from:]) == values[i] && values[i] != "" {
				cells[i] = Cell{key: k, val: values[i], keyed: h.keyed(k)}
				buf = buf[:from]
				ends[i-lo] = -1
			} else {
				ends[i-lo] = len(buf)
			}
			if r != "" {
				out = append(out, &Error{Key: k, Reason: r, Row: i + 1})
			}
		}
		all := string(buf)
		from := 0
		for i := lo; i < hi; i++ {
			end := ends[i-lo]
			if end < 0 {
				continue
			}
			cells[i] = Cell{key: k, keyed: h.keyed(k)}
			if end > from {
				cells[i].val = all[from:end]
			}
			from = end
		}
		return out
	})
	if err != nil {
		return nil, nil, err
	}
	return cells, errs, nil
}

// chunks runs fn over [0, n) in chunks on up to Options.Workers goroutines,
// all joined before it returns, and concatenates their errors in order.
func (h *Hasher) chunks(ctx context.Context, n int, fn func(lo, hi int) []*Error) ([]*Error, error) {
	const chunk = 512
	nchunks := (n + chunk - 1) / chunk
	chunkErrs := make([][]*Error, nchunks)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, h.opts.Workers))
	for c := 0; c < nchunks; c++ {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			chunkErrs[c] = fn(c*chunk, min((c+1)*chunk, n))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var errs []*Error
	for _, e := range chunkErrs {
		errs = append(errs, e...)
	}
	return errs, nil
}

// Row is one hashed record from Rows.
type Row struct {
	// Number is the record's Row, or its 1-based position in the input
	// when that is 0.
	Number int
	// Cells holds one cell per schema key, in schema order.
	Cells []Cell
	// Errs holds the record's rejected and flagged values (see HashRow).
	Errs []*Error
}

// Rows hashes a stream of records, in order, with bounded memory: it reads
// up to batch records (2048 when batch ≤ 0) and hashes them with HashBatch
// on all cores while it reads the next batch and the caller handles the rows
// of the previous one, so parsing, hashing and writing overlap. At most
// three batches are held at once. Stopping the iteration early cancels the
// batch being hashed and waits for it: no goroutine outlives the loop. An
// error from recs is yielded after the rows read before it, and ends the
// stream; so does a cancelled ctx.
func (h *Hasher) Rows(ctx context.Context, schema []Key, recs iter.Seq2[Record, error], batch int) iter.Seq2[Row, error] {
	if batch <= 0 {
		batch = 2048
	}
	return func(yield func(Row, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var pending *rowsJob // the batch being hashed, if any
		defer func() {
			cancel()
			if pending != nil {
				<-pending.done
			}
		}()
		buf := make([]Record, 0, min(batch, 2048))
		var spare []Record // the records of the last batch yielded, for reuse
		pos := 0
		// hand starts hashing buf, then yields the batch hashed before it;
		// false means stop.
		hand := func() bool {
			if len(buf) == 0 {
				return true
			}
			first := pos - len(buf)
			for i := range buf {
				if buf[i].Row == 0 {
					buf[i].Row = first + i + 1
				}
			}
			j := &rowsJob{recs: buf, done: make(chan struct{})}
			go func() {
				defer close(j.done)
				j.cells, j.perRec, j.err = h.hashBatch(ctx, schema, j.recs)
			}()
			prev := pending
			pending = j
			buf = spare[:0]
			spare = nil
			if prev == nil {
				return true
			}
			if !prev.yield(schema, yield) {
				return false
			}
			clear(prev.recs)
			spare = prev.recs[:0]
			return true
		}
		// drain yields the batch still being hashed.
		drain := func() bool {
			if pending == nil {
				return true
			}
			j := pending
			ok := j.yield(schema, yield)
			pending = nil
			return ok
		}
		for rec, err := range recs {
			if err != nil {
				if hand() && drain() {
					yield(Row{}, err)
				}
				return
			}
			pos++
			buf = append(buf, rec)
			if len(buf) == batch && !hand() {
				return
			}
		}
		if hand() {
			drain()
		}
	}
}

// rowsJob is one batch of Rows: hashed on its own goroutine, yielded by
// the caller's.
type rowsJob struct {
	recs   []Record
	cells  []Cell
	perRec [][]*Error
	err    error
	done   chan struct{}
}

// yield waits for the batch to be hashed and yields its rows; false means
// stop.
func (j *rowsJob) yield(schema []Key, yield func(Row, error) bool) bool {
	<-j.done
	if j.err != nil {
		yield(Row{}, j.err)
		return false
	}
	n := len(schema)
	for i := range j.recs {
		r := Row{Number: j.recs[i].Row, Cells: j.cells[i*n : (i+1)*n : (i+1)*n], Errs: j.perRec[i]}
		if !yield(r, nil) {
			return false
		}
	}
	return true
}
