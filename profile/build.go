package profile

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
)

const (
	partBits = 8
	nParts   = 1 << partBits
)

// Builder builds profiles for one Spec. It owns a temporary directory for
// spill and state files, which Close removes; Results it made stay usable
// until then.
type Builder struct {
	c *compiled
	o Options

	mu     sync.Mutex
	dir    string
	closed bool
	seq    atomic.Int64
	open   map[*os.File]bool
}

// NewBuilder validates spec and returns a Builder. A spec naming an
// unknown column, field or trait returns an error matching ErrUnknownName;
// any other problem (a bad policy, a segment that does not parse, a type
// mismatch in a segment) one matching ErrInvalidInput. Both match
// cdpkit.ErrInvalid.
func NewBuilder(spec Spec, optFns ...func(*Options)) (*Builder, error) {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	c, err := compile(spec)
	if err != nil {
		return nil, err
	}
	return &Builder{c: c, o: o.withDefaults()}, nil
}

// Close removes the Builder's temporary files. Results made by it can no
// longer be read (they return ErrClosed).
func (b *Builder) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for f := range b.open {
		f.Close()
	}
	b.open = nil
	if b.dir == "" {
		return nil
	}
	err := os.RemoveAll(b.dir)
	b.dir = ""
	return err
}

// tempFile returns a new file path in the Builder's directory.
func (b *Builder) tempFile(kind string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return "", ErrClosed
	}
	if b.dir == "" {
		d, err := os.MkdirTemp(b.o.TempDir, "cdpkit-profile-")
		if err != nil {
			return "", err
		}
		b.dir = d
	}
	return filepath.Join(b.dir, kind+"-"+strconv.FormatInt(b.seq.Add(1), 10)), nil
}

// createFile creates a state file the Builder keeps open until Close.
func (b *Builder) createFile(kind string) (*os.File, error) {
	name, err := b.tempFile(kind)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		f.Close()
		os.Remove(name)
		return nil, ErrClosed
	}
	if b.open == nil {
		b.open = map[*os.File]bool{}
	}
	b.open[f] = true
	return f, nil
}

// dropFile closes and removes a state file of a failed build.
func (b *Builder) dropFile(f *os.File) {
	b.mu.Lock()
	delete(b.open, f)
	b.mu.Unlock()
	f.Close()
	os.Remove(f.Name())
}

func (b *Builder) env(sources []string) *env {
	return &env{c: b.c, sources: sources, runAt: b.o.RunAt.UnixMilli(),
		freqFrom: b.o.RunAt.Add(-b.o.FrequencyWindow).UnixMilli(), maxIDs: b.o.MaxIdentifiersPerKey}
}

// Stats are a run's counts (never values).
type Stats struct {
	// Rows is the number of input rows used; Rejected those not used.
	Rows, Rejected int
	// Persons is the number of profiles (persons with at least one row).
	Persons int
	// Updated is, for an Update, the number of persons rebuilt
	// (recomputed or removed).
	Updated int
	// Segments is the member count per segment.
	Segments map[string]int
	// IdentifiersDropped counts identifiers beyond MaxIdentifiersPerKey;
	// ItemsDropped UniqueList values beyond a field's MaxItems.
	IdentifiersDropped, ItemsDropped int
	// SpilledBytes is how much row data went to disk while joining;
	// StateFiles how many partitions' state lives in files.
	SpilledBytes int64
	StateFiles   int
	Duration     time.Duration
}

// aslot is one record of the join index: the record's 128-bit hash and
// its person's code.
type aslot struct {
	h1, h2 uint64
	code   uint64
}

type atable struct {
	slots []aslot
	n     int
	mask  uint64
}

func newATable(expected int) *atable {
	size := 1024
	for size*3 < expected*4 {
		size *= 2
	}
	return &atable{slots: make([]aslot, size), mask: uint64(size - 1)}
}

// put inserts a record; it returns the code already there when the
// record was assigned before.
func (t *atable) put(h1, h2, code uint64) (uint64, bool) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	i := h1 & t.mask
	for {
		s := &t.slots[i]
		if s.h1 == 0 && s.h2 == 0 {
			*s = aslot{h1, h2, code}
			t.n++
			return 0, false
		}
		if s.h1 == h1 && s.h2 == h2 {
			return s.code, true
		}
		i = (i + 1) & t.mask
	}
}

func (t *atable) get(h1, h2 uint64) (uint64, bool) {
	i := h1 & t.mask
	for {
		s := &t.slots[i]
		if s.h1 == h1 && s.h2 == h2 {
			return s.code, true
		}
		if s.h1 == 0 && s.h2 == 0 {
			return 0, false
		}
		i = (i + 1) & t.mask
	}
}

func (t *atable) grow() {
	old := t.slots
	t.slots = make([]aslot, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.h1 == 0 && s.h2 == 0 {
			continue
		}
		i := s.h1 & t.mask
		for t.slots[i].h1 != 0 || t.slots[i].h2 != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = s
	}
}

// ingest is the state of one Build or Update while rows stream in.
type ingest struct {
	b       *Builder
	op      string
	srcIdx  map[string]uint16
	sources []string
	odd     map[uint64]string
	keys    uint32 // bitmask of identifier keys seen
	idKeys  []uint8
	idsBuf  []hashing.Cell

	rejected []Rejection
	orphans  []orphan
	rows     int
}

// orphan is a row whose record had no person, kept so that an Update can
// place it once identity assigns the record.
type orphan struct {
	raw []byte
}

func (in *ingest) source(name string) (uint16, error) {
	if i, ok := in.srcIdx[name]; ok {
		return i, nil
	}
	if len(in.sources) >= 1<<16-1 {
		return 0, newErr(in.op, "", ErrInvalidInput, "more than 65535 sources")
	}
	i := uint16(len(in.sources))
	in.srcIdx[name] = i
	in.sources = append(in.sources, name)
	return i, nil
}

func (in *ingest) reject(r *Row, reason string) {
	in.rejected = append(in.rejected, Rejection{Source: r.Source, Key: r.Key, Reason: reason})
}

// encode validates a row and appends its encoding to dst, or returns dst
// and why the row is rejected.
func (in *ingest) encode(r *Row, dst []byte) ([]byte, string, error) {
	if r.Source == "" || r.Key == "" {
		return dst, "empty source or record key", nil
	}
	cols := in.b.c.spec.Columns
	if len(r.Values) > len(cols) {
		return dst, "more values (" + strconv.Itoa(len(r.Values)) + ") than Spec.Columns (" + strconv.Itoa(len(cols)) + ")", nil
	}
	for i, v := range r.Values {
		if !v.IsNull() && v.t != cols[i].Type {
			return dst, "column " + strconv.Quote(cols[i].Name) + ": a " + v.t.String() + " value where the column is " + cols[i].Type.String(), nil
		}
	}
	ids := r.Identifiers
	if slices.ContainsFunc(ids, hashing.Cell.IsMissing) {
		// Missing cells carry nothing; the row is kept without them.
		in.idsBuf = in.idsBuf[:0]
		for _, c := range ids {
			if !c.IsMissing() {
				in.idsBuf = append(in.idsBuf, c)
			}
		}
		ids = in.idsBuf
	}
	in.idKeys = in.idKeys[:0]
	for i, c := range ids {
		k := keyIndex(string(c.Key()))
		if k < 0 {
			return dst, "identifier " + strconv.Itoa(i) + " has no valid key", nil
		}
		in.idKeys = append(in.idKeys, uint8(k))
	}
	for _, k := range in.idKeys {
		in.keys |= 1 << k
	}
	src, err := in.source(r.Source)
	if err != nil {
		return dst, "", err
	}
	t := int64(noTime)
	if !r.Time.IsZero() {
		t = r.Time.UnixMilli()
	}
	return appendRow(dst, src, r.Key, t, r.Values, ids, in.idKeys), "", nil
}

// personID returns the id text of a code.
func personID(code uint64, odd map[uint64]string) string {
	if s, ok := odd[code]; ok {
		return s
	}
	return formatPID(code)
}

func (in *ingest) code(id string) (uint64, error) {
	code, isOdd := personCode(id)
	if isOdd {
		if prev, ok := in.odd[code]; ok && prev != id {
			return 0, newErr(in.op, "", ErrInvalidInput, "two person ids hash alike; use identity's ids")
		}
		in.odd[code] = id
	} else if _, ok := in.odd[code]; ok {
		return 0, newErr(in.op, "", ErrInvalidInput, "two person ids hash alike; use identity's ids")
	}
	return code, nil
}

// spiller holds encoded rows by partition, spilling to files past the
// budget. An entry is: uvarint length, 8-byte person code, row.
type spiller struct {
	b       *Builder
	bufs    [nParts][]byte
	files   [nParts]string
	held    int64 // capacity of bufs: what the budget bounds
	spilled int64
}

func (s *spiller) add(code uint64, row []byte) error {
	p := orderKey(code) >> (64 - partBits)
	buf := s.bufs[p]
	need := len(buf) + len(row) + 8 + binary.MaxVarintLen64
	if need > cap(buf) {
		// Double (append grows large slices by a quarter, copying the
		// partition over and over), unless that passes the budget: then
		// spill everything first, which empties the buffers.
		newCap := max(2*cap(buf), need, 4<<10)
		if s.held-int64(cap(buf))+int64(newCap) > s.b.o.MemoryBudget {
			if err := s.spill(); err != nil {
				return err
			}
			buf = s.bufs[p]
			need = len(row) + 8 + binary.MaxVarintLen64
			newCap = max(need, 4<<10)
		}
		if need > cap(buf) {
			nb := make([]byte, len(buf), newCap)
			copy(nb, buf)
			s.held += int64(newCap - cap(buf))
			buf = nb
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(row)+8))
	buf = binary.LittleEndian.AppendUint64(buf, code)
	buf = append(buf, row...)
	s.bufs[p] = buf
	return nil
}

func (s *spiller) spill() error {
	for p := range s.bufs {
		if len(s.bufs[p]) == 0 {
			continue
		}
		if s.files[p] == "" {
			name, err := s.b.tempFile("spill")
			if err != nil {
				return err
			}
			s.files[p] = name
		}
		f, err := os.OpenFile(s.files[p], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(s.bufs[p])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		s.spilled += int64(len(s.bufs[p]))
		s.bufs[p] = s.bufs[p][:0]
	}
	return nil
}

// partition returns partition p's entries (spilled and held) and
// releases them.
func (s *spiller) partition(p int) ([]byte, error) {
	buf := s.bufs[p]
	s.bufs[p] = nil
	if s.files[p] == "" {
		return buf, nil
	}
	defer os.Remove(s.files[p])
	f, err := os.Open(s.files[p])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, st.Size(), st.Size()+int64(len(buf)))
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return append(data, buf...), nil
}

func (s *spiller) discard() {
	for p := range s.files {
		if s.files[p] != "" {
			os.Remove(s.files[p])
		}
	}
}

// Build joins rows with identity's record-to-person assignments and
// builds every person's profile, traits and segment memberships. Rows may
// come from several clean-zone datasets (see Concat and DatasetRows) in
// any order; a record may have rows in several of them. Rows are spilled
// to disk past Options.MemoryBudget, then sorted and processed one
// partition of persons at a time.
//
// Rows that cannot be used (no person for the record, values not matching
// Spec.Columns, an empty source or key) are not errors: Result.Rejected
// lists them with reasons. An error from either iterator, or ctx ending,
// stops the build and is returned.
func (b *Builder) Build(ctx context.Context, assignments iter.Seq[identity.Assignment], rows iter.Seq2[Row, error]) (*Result, error) {
	const op = "build"
	start := time.Now()
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, &Error{Op: op, Kind: ErrClosed}
	}
	in := &ingest{b: b, op: op, srcIdx: map[string]uint16{}, odd: map[uint64]string{}}
	tab := newATable(b.o.ExpectedRecords)
	conc := b.o.Concurrency >= 2

	// Assignments: the caller's goroutine reads and hashes them, another
	// fills the index.
	err := pipe(ctx, conc, func(emit func(*batch) (*batch, error)) error {
		bt := newBatch()
		n := 0
		for a := range assignments {
			if n++; n&0xffff == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			code, err := in.code(a.Person)
			if err != nil {
				return err
			}
			h1, h2 := recordHash(a.Record.Source, a.Record.Key)
			bt.h = append(bt.h, [3]uint64{h1, h2, code})
			if len(bt.h) == batchRows {
				if bt, err = emit(bt); err != nil {
					return err
				}
			}
		}
		_, err := emit(bt)
		return err
	}, func(bt *batch) error {
		for _, h := range bt.h {
			if prev, dup := tab.put(h[0], h[1], h[2]); dup && prev != h[2] {
				return newErr(op, "", ErrInvalidInput, "a record is assigned to two persons")
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	b.o.Logger.DebugContext(ctx, "profile: assignments indexed", "records", tab.n)

	// Rows: the caller's goroutine reads, validates, hashes and encodes
	// them; another looks their persons up and files them by partition.
	sp := &spiller{b: b}
	defer sp.discard()
	err = pipe(ctx, conc, func(emit func(*batch) (*batch, error)) error {
		bt := newBatch()
		n := 0
		for r, err := range rows {
			if err != nil {
				return err
			}
			if n++; n&0xfff == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			var reason string
			bt.raw, reason, err = in.encode(&r, bt.raw)
			if err != nil {
				return err
			}
			h1, h2 := recordHash(r.Source, r.Key)
			bt.h = append(bt.h, [3]uint64{h1, h2, uint64(len(bt.raw))})
			bt.reason = append(bt.reason, reason)
			bt.refs = append(bt.refs, [2]string{r.Source, r.Key})
			if len(bt.h) == batchRows || len(bt.raw) > 1<<20 {
				if bt, err = emit(bt); err != nil {
					return err
				}
			}
		}
		_, err := emit(bt)
		return err
	}, func(bt *batch) error {
		start := 0
		for i, h := range bt.h {
			raw := bt.raw[start:h[2]]
			start = int(h[2])
			if bt.reason[i] != "" {
				in.rejected = append(in.rejected, Rejection{Source: bt.refs[i][0], Key: bt.refs[i][1], Reason: bt.reason[i]})
				continue
			}
			code, ok := tab.get(h[0], h[1])
			if !ok {
				in.rejected = append(in.rejected, Rejection{Source: bt.refs[i][0], Key: bt.refs[i][1], Reason: reasonNoPerson})
				in.orphans = append(in.orphans, orphan{raw: slices.Clone(raw)})
				continue
			}
			in.rows++
			if err := sp.add(code, raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	if len(tab.slots) >= 1<<22 {
		// The record index of a large run (96 MB or more) is garbage
		// now: collect it before the partitions allocate.
		tab = nil
		runtime.GC()
	}
	tab = nil
	b.o.Logger.DebugContext(ctx, "profile: rows joined", "rows", in.rows, "rejected", len(in.rejected), "spilled_bytes", sp.spilled)

	res := newResult(b, in)
	res.stats.SpilledBytes = sp.spilled
	e := b.env(res.sources)
	err = b.parallel(ctx, func(p int) error {
		data, err := sp.partition(p)
		if err != nil {
			return err
		}
		return res.buildPartition(p, data, e)
	})
	if err != nil {
		res.release()
		return nil, &Error{Op: op, Err: err}
	}
	res.finish(start)
	return res, nil
}

// batch is a slice of the input passed from the reading goroutine to the
// filing one. For assignments, h holds record hash and person code; for
// rows, record hash and the end of the row's encoding in raw.
type batch struct {
	h      [][3]uint64
	raw    []byte
	reason []string
	refs   [][2]string
}

const batchRows = 1024

func newBatch() *batch { return &batch{h: make([][3]uint64, 0, batchRows)} }

func (bt *batch) reset() {
	bt.h, bt.raw = bt.h[:0], bt.raw[:0]
	clear(bt.reason)
	clear(bt.refs)
	bt.reason, bt.refs = bt.reason[:0], bt.refs[:0]
}

// pipe runs produce on the caller's goroutine and consume, batch by batch
// in order, on another one (or inline without conc). emit hands a full
// batch over and returns an empty one. The consuming goroutine is joined
// before pipe returns; the first error of either side is returned.
func pipe(ctx context.Context, conc bool, produce func(emit func(*batch) (*batch, error)) error, consume func(*batch) error) error {
	if !conc {
		return produce(func(bt *batch) (*batch, error) {
			err := consume(bt)
			bt.reset()
			return bt, err
		})
	}
	full := make(chan *batch, 2)
	free := make(chan *batch, 3)
	for range 2 {
		free <- newBatch()
	}
	var cerr error
	var stopped atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for bt := range full {
			if cerr == nil {
				if cerr = consume(bt); cerr != nil {
					stopped.Store(true)
				}
			}
			bt.reset()
			free <- bt
		}
	}()
	perr := produce(func(bt *batch) (*batch, error) {
		full <- bt
		if stopped.Load() {
			return nil, errConsumer
		}
		return <-free, nil
	})
	close(full)
	<-done
	if cerr != nil {
		return cerr
	}
	if perr != nil {
		return perr
	}
	return ctx.Err()
}

var errConsumer = errors.New("consumer stopped")

func wrapErr(op string, err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	return &Error{Op: op, Err: err}
}

// parallel runs f for every partition on up to Concurrency goroutines
// and waits for all of them.
func (b *Builder) parallel(ctx context.Context, f func(p int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, b.o.Concurrency)
	for w := range b.o.Concurrency {
		wg.Go(func() {
			for {
				p := int(next.Add(1) - 1)
				if p >= nParts {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				if err := f(p); err != nil {
					errs[w] = err
					next.Store(nParts)
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// entry is one spilled row while a partition is sorted.
type entry struct {
	ok, code uint64
	off, n   uint32
}

// buildPartition sorts a partition's rows by person, computes each
// person's profile and writes the partition's state.
func (res *Result) buildPartition(p int, data []byte, e *env) error {
	ents := make([]entry, 0, len(data)/64)
	r := reader{b: data}
	for len(r.b) > 0 {
		l := r.uvarint()
		off := len(data) - len(r.b)
		chunk := r.bytes(l)
		if r.err || l < 8 {
			return errCorrupt
		}
		code := binary.LittleEndian.Uint64(chunk)
		ents = append(ents, entry{ok: orderKey(code), code: code, off: uint32(off + 8), n: uint32(l - 8)})
	}
	slices.SortFunc(ents, func(a, b entry) int {
		if c := cmp.Compare(a.ok, b.ok); c != 0 {
			return c
		}
		if a.code != b.code {
			return cmp.Compare(personID(a.code, res.odd), personID(b.code, res.odd))
		}
		return cmp.Compare(a.off, b.off)
	})
	w := res.newPartWriter()
	w.buf = make([]byte, 0, len(data)+len(data)/16)
	c := &computer{e: e}
	var raws [][]byte
	for i := 0; i < len(ents); {
		j := i + 1
		for j < len(ents) && ents[j].code == ents[i].code {
			j++
		}
		raws = raws[:0]
		for _, en := range ents[i:j] {
			raws = append(raws, data[en.off:en.off+en.n])
		}
		if err := w.person(ents[i].ok, ents[i].code, personID(ents[i].code, res.odd), raws, c); err != nil {
			return err
		}
		i = j
	}
	return res.setPart(p, w)
}
