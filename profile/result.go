package profile

import (
	"cmp"
	"context"
	"encoding/binary"
	"iter"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is a finished build: every person's rows sorted by person, with
// segment memberships, in memory or in files of the Builder's directory
// (within Options.MemoryBudget). Profiles are computed from the rows when
// read, in parallel, in a fixed order: by a hash of the person id, then
// the id, so equal input gives equal output whatever its order.
//
// A Result is immutable and safe for concurrent use. It is valid until
// its Builder is closed.
type Result struct {
	b       *Builder
	sources []string
	odd     map[uint64]string
	keys    uint32

	parts   [nParts]*part
	memHeld atomic.Int64

	// Incremental layers (Update): base persons removed, and persons
	// rebuilt, by partition, in order.
	removed map[uint64]struct{}
	overlay [nParts][]block

	rejected []Rejection
	orphans  []orphan
	stats    Stats
	segCount [64]atomic.Int64
	idsDrop  atomic.Int64
	itemDrop atomic.Int64
	persons  atomic.Int64
	files    atomic.Int64
}

// part is one partition's state: blocks of persons in order.
type part struct {
	mem  []byte
	file *os.File // kept open for lookups; the Builder closes it
	size int64
	idx  []idxEntry
}

type idxEntry struct {
	ok  uint64
	off int64
}

// block is one person: its order key, code, id, segment bits and rows.
type block struct {
	ok, code uint64
	id       string
	segs     uint64
	raws     [][]byte
}

func newResult(b *Builder, in *ingest) *Result {
	return &Result{b: b, sources: in.sources, odd: in.odd, keys: in.keys,
		rejected: in.rejected, orphans: in.orphans, stats: Stats{Rows: in.rows, Rejected: len(in.rejected)}}
}

// partWriter accumulates a partition's state.
type partWriter struct {
	res *Result
	buf []byte
	idx []idxEntry
}

func (r *Result) newPartWriter() *partWriter { return &partWriter{res: r} }

// person computes one person's segments and appends its block.
func (w *partWriter) person(ok, code uint64, id string, raws [][]byte, c *computer) error {
	p, segs, err := c.profile(id, raws, false)
	if err != nil {
		return err
	}
	w.res.account(&p, segs, 1)
	w.idx = append(w.idx, idxEntry{ok: ok, off: int64(len(w.buf))})
	w.buf = appendBlock(w.buf, code, id, segs, raws)
	return nil
}

// account adds a profile's counts (sign 1) or removes them (-1).
func (r *Result) account(p *Profile, segs uint64, sign int64) {
	for i := range r.b.c.segments {
		if segs&(1<<i) != 0 {
			r.segCount[i].Add(sign)
		}
	}
	r.persons.Add(sign)
	r.idsDrop.Add(sign * int64(p.IdentifiersDropped))
	for _, f := range p.Fields {
		r.itemDrop.Add(sign * int64(f.Dropped))
	}
}

func appendBlock(dst []byte, code uint64, id string, segs uint64, raws [][]byte) []byte {
	n := 8 + uvarintLen(uint64(len(id))) + len(id) + 8 + uvarintLen(uint64(len(raws)))
	for _, r := range raws {
		n += uvarintLen(uint64(len(r))) + len(r)
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	dst = binary.LittleEndian.AppendUint64(dst, code)
	dst = binary.AppendUvarint(dst, uint64(len(id)))
	dst = append(dst, id...)
	dst = binary.LittleEndian.AppendUint64(dst, segs)
	dst = binary.AppendUvarint(dst, uint64(len(raws)))
	for _, r := range raws {
		dst = binary.AppendUvarint(dst, uint64(len(r)))
		dst = append(dst, r...)
	}
	return dst
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// readBlock decodes the block at the start of b and returns the rest.
func readBlock(b []byte, withRows bool) (block, []byte, error) {
	r := reader{b: b}
	n := r.uvarint()
	body := r.bytes(n)
	if r.err {
		return block{}, nil, errCorrupt
	}
	rest := r.b
	r = reader{b: body}
	var bl block
	c := r.bytes(8)
	id := r.bytes(r.uvarint())
	s := r.bytes(8)
	if r.err {
		return block{}, nil, errCorrupt
	}
	bl.code = binary.LittleEndian.Uint64(c)
	bl.ok = orderKey(bl.code)
	bl.id = string(id)
	bl.segs = binary.LittleEndian.Uint64(s)
	if withRows {
		nr := r.uvarint()
		if nr > uint64(len(r.b)) {
			return block{}, nil, errCorrupt
		}
		bl.raws = make([][]byte, 0, nr)
		for range nr {
			bl.raws = append(bl.raws, r.bytes(r.uvarint()))
		}
		if r.err {
			return block{}, nil, errCorrupt
		}
	}
	return bl, rest, nil
}

// setPart stores a finished partition in memory, or in a file once the
// memory budget is used up.
func (r *Result) setPart(p int, w *partWriter) error {
	pt := &part{idx: w.idx, size: int64(len(w.buf))}
	if r.memHeld.Add(pt.size) <= r.b.o.MemoryBudget {
		pt.mem = slices.Clip(w.buf)
	} else {
		r.memHeld.Add(-pt.size)
		f, err := r.b.createFile("state")
		if err != nil {
			return err
		}
		if _, err := f.Write(w.buf); err != nil {
			return err
		}
		pt.file = f
		r.files.Add(1)
	}
	r.parts[p] = pt
	return nil
}

func (r *Result) finish(start time.Time) {
	r.stats.Persons = int(r.persons.Load())
	r.stats.IdentifiersDropped = int(r.idsDrop.Load())
	r.stats.ItemsDropped = int(r.itemDrop.Load())
	r.stats.StateFiles = int(r.files.Load())
	r.stats.Segments = map[string]int{}
	for i, s := range r.b.c.segments {
		r.stats.Segments[s.name] = int(r.segCount[i].Load())
	}
	r.stats.Duration = time.Since(start)
}

// release removes the state files of a Result that failed to build.
func (r *Result) release() {
	for _, p := range r.parts {
		if p != nil && p.file != nil {
			r.b.dropFile(p.file)
		}
	}
}

func (r *Result) alive() error {
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	if r.b.closed {
		return &Error{Op: "read", Kind: ErrClosed}
	}
	return nil
}

// partData returns a partition's state bytes.
func (r *Result) partData(p int) ([]byte, error) {
	if err := r.alive(); err != nil {
		return nil, err
	}
	pt := r.parts[p]
	if pt == nil {
		return nil, nil
	}
	if pt.file == nil {
		return pt.mem, nil
	}
	data := make([]byte, pt.size)
	_, err := pt.file.ReadAt(data, 0)
	return data, err
}

// blockLess is the person order.
func blockCmp(aok uint64, aid string, bok uint64, bid string) int {
	return cmp.Or(cmp.Compare(aok, bok), strings.Compare(aid, bid))
}

// blocks yields partition p's persons in order: the base state without
// the removed persons, merged with the rebuilt ones.
func (r *Result) blocks(p int, withRows bool, yield func(block) error) error {
	data, err := r.partData(p)
	if err != nil {
		return err
	}
	ov := r.overlay[p]
	for len(data) > 0 {
		bl, rest, err := readBlock(data, withRows)
		if err != nil {
			return err
		}
		data = rest
		for len(ov) > 0 && blockCmp(ov[0].ok, ov[0].id, bl.ok, bl.id) < 0 {
			if err := yield(ov[0]); err != nil {
				return err
			}
			ov = ov[1:]
		}
		if _, gone := r.removed[bl.code]; gone {
			continue
		}
		if err := yield(bl); err != nil {
			return err
		}
	}
	for _, bl := range ov {
		if err := yield(bl); err != nil {
			return err
		}
	}
	return nil
}

// Stats returns the run's counts.
func (r *Result) Stats() Stats {
	s := r.stats
	s.Segments = make(map[string]int, len(r.stats.Segments))
	for k, v := range r.stats.Segments {
		s.Segments[k] = v
	}
	return s
}

// Rejected returns the input rows that were not used, with reasons.
func (r *Result) Rejected() []Rejection { return slices.Clone(r.rejected) }

// SegmentNames returns the Spec's segment names, in order.
func (r *Result) SegmentNames() []string {
	out := make([]string, len(r.b.c.segments))
	for i, s := range r.b.c.segments {
		out[i] = s.name
	}
	return out
}

func (r *Result) segment(name string) (int, error) {
	for i, s := range r.b.c.segments {
		if s.name == name {
			return i, nil
		}
	}
	return 0, &Error{Op: "read", Key: name, Kind: ErrNotFound, Err: msgError("no such segment")}
}

// Profiles yields every profile in the Result's order, computing them
// from the kept rows on up to Options.Concurrency goroutines (joined
// before the iteration ends, also when the caller stops early).
func (r *Result) Profiles(ctx context.Context) iter.Seq2[Profile, error] {
	return func(yield func(Profile, error) bool) {
		for profs, err := range r.partitions(ctx) {
			if err != nil {
				yield(Profile{}, err)
				return
			}
			for _, p := range profs {
				if !yield(p, nil) {
					return
				}
			}
		}
	}
}

// partitions computes the profiles of each partition, in order, with a
// bounded look-ahead.
func (r *Result) partitions(ctx context.Context) iter.Seq2[[]Profile, error] {
	return func(yield func([]Profile, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()
		type out struct {
			profs []Profile
			err   error
		}
		slots := make([]chan out, nParts)
		for i := range slots {
			slots[i] = make(chan out, 1)
		}
		sem := make(chan struct{}, r.b.o.Concurrency+1)
		e := r.b.env(r.sources)
		wg.Go(func() {
			for p := range nParts {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Go(func() {
					var profs []Profile
					c := &computer{e: e}
					err := r.blocks(p, true, func(bl block) error {
						prof, _, err := c.profile(bl.id, bl.raws, true)
						profs = append(profs, prof)
						return err
					})
					slots[p] <- out{profs, err}
				})
			}
		})
		for p := range nParts {
			var o out
			select {
			case o = <-slots[p]:
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
			<-sem
			if o.err != nil {
				yield(nil, &Error{Op: "read", Err: o.err})
				return
			}
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(o.profs, nil) {
				return
			}
		}
	}
}

// Members yields the ids of a segment's members, in the Result's order,
// without computing profiles.
func (r *Result) Members(ctx context.Context, segment string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		si, err := r.segment(segment)
		if err != nil {
			yield("", err)
			return
		}
		stop := errStop{}
		for p := range nParts {
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			err := r.blocks(p, false, func(bl block) error {
				if bl.segs&(1<<si) != 0 && !yield(bl.id, nil) {
					return stop
				}
				return nil
			})
			if err == stop {
				return
			}
			if err != nil {
				yield("", &Error{Op: "read", Err: err})
				return
			}
		}
	}
}

type errStop struct{}

func (errStop) Error() string { return "stop" }

// Memberships yields every (segment, person) pair, segment by segment in
// Spec order, persons in the Result's order.
func (r *Result) Memberships(ctx context.Context) iter.Seq2[Membership, error] {
	return func(yield func(Membership, error) bool) {
		for _, s := range r.b.c.segments {
			for id, err := range r.Members(ctx, s.name) {
				if !yield(Membership{Segment: s.name, PersonID: id}, err) || err != nil {
					return
				}
			}
		}
	}
}

// Profile computes the profile of one person, or returns an error
// matching ErrNotFound.
func (r *Result) Profile(id string) (Profile, error) {
	bl, ok, err := r.find(id)
	if err != nil {
		return Profile{}, &Error{Op: "read", Err: err}
	}
	if !ok {
		return Profile{}, &Error{Op: "read", Kind: ErrNotFound, Err: msgError("no profile for the person")}
	}
	c := &computer{e: r.b.env(r.sources)}
	p, _, err := c.profile(bl.id, bl.raws, true)
	if err != nil {
		return Profile{}, &Error{Op: "read", Err: err}
	}
	return p, nil
}

// find looks a person up in the overlay, then in the base state.
func (r *Result) find(id string) (block, bool, error) {
	code, _ := personCode(id)
	ok := orderKey(code)
	p := int(ok >> (64 - partBits))
	ov := r.overlay[p]
	i, found := slices.BinarySearchFunc(ov, id, func(b block, id string) int { return blockCmp(b.ok, b.id, ok, id) })
	if found {
		return ov[i], true, nil
	}
	if _, gone := r.removed[code]; gone {
		return block{}, false, nil
	}
	pt := r.parts[p]
	if pt == nil {
		return block{}, false, nil
	}
	j, _ := slices.BinarySearchFunc(pt.idx, ok, func(e idxEntry, ok uint64) int { return cmp.Compare(e.ok, ok) })
	for ; j < len(pt.idx) && pt.idx[j].ok == ok; j++ {
		bl, err := r.readAt(pt, pt.idx[j].off)
		if err != nil {
			return block{}, false, err
		}
		if bl.id == id {
			return bl, true, nil
		}
	}
	return block{}, false, nil
}

func (r *Result) readAt(pt *part, off int64) (block, error) {
	if err := r.alive(); err != nil {
		return block{}, err
	}
	if pt.file == nil {
		bl, _, err := readBlock(pt.mem[off:], true)
		return bl, err
	}
	f := pt.file
	var hdr [binary.MaxVarintLen64]byte
	n, _ := f.ReadAt(hdr[:], off)
	l, k := binary.Uvarint(hdr[:n])
	if k <= 0 || off+int64(k)+int64(l) > pt.size {
		return block{}, errCorrupt
	}
	buf := make([]byte, k+int(l))
	if _, err := f.ReadAt(buf, off); err != nil {
		return block{}, err
	}
	bl, _, err := readBlock(buf, true)
	return bl, err
}
