package identity

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"iter"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sync/errgroup"
)

type kindCacheEntry struct {
	name string
	idx  int
}

type kept struct {
	kind       int
	start, end int
}

// ingestState is the per-run scratch of ingestRecord.
type ingestState struct {
	scratch   []byte
	ids       []kept
	comp      []byte
	kindCache []kindCacheEntry
	kcNext    int
	srcCache  []kindCacheEntry // recent sources (name, index)
	scNext    int
}

// ingest reads every record. With ReadAhead the caller's goroutine only
// runs the iterator and copies each record's strings into a batch,
// while a second goroutine encodes, hashes and stores them, so the
// producer's own work (parsing, hashing PII) overlaps ours. The copies keep
// the strings valid whatever the iterator does with its buffers after
// yield returns (Arrow batches are released, slices reused).
func (r *resolver) ingest(ctx context.Context, records iter.Seq2[Record, error]) error {
	st := &ingestState{}
	if !r.o.ReadAhead || r.o.Concurrency < 2 {
		if r.o.Concurrency >= 2 {
			r.pipe = r.startPipe()
			defer func() {
				if r.pipe != nil { // the iterator panicked
					r.stopPipe()
				}
			}()
		}
		i := 0
		var err error
		for rec, ierr := range records {
			if ierr != nil {
				err = &Error{Op: r.op, Key: "records", Err: ierr}
				break
			}
			if i&0xffff == 0 {
				if cerr := ctx.Err(); cerr != nil {
					err = &Error{Op: r.op, Err: cerr}
					break
				}
			}
			if err = r.ingestRecord(i, rec, st); err != nil {
				break
			}
			i++
		}
		if r.pipe != nil {
			r.stopPipe()
		}
		r.inputN = i
		return err
	}

	const batchLen = 2048
	type batch struct {
		first int
		recs  []Record
		ids   []Identifier
		buf   []byte
	}
	work := make(chan *batch, 4)
	free := make(chan *batch, 6)
	stop := make(chan struct{})
	var g errgroup.Group
	// If the iterator panics, stop the storing goroutine before the panic
	// propagates.
	joined := false
	defer func() {
		if !joined {
			close(work)
			_ = g.Wait()
		}
	}()
	g.Go(func() error {
		for b := range work {
			for j, rec := range b.recs {
				if err := r.ingestRecord(b.first+j, rec, st); err != nil {
					close(stop)
					for range work {
					}
					return err
				}
			}
			select {
			case free <- b:
			default:
			}
		}
		return nil
	})

	// offsets of one record's strings in cur.buf, resolved to substrings
	// of one string per batch when the batch is sent.
	type span struct{ a, b int }
	type pending struct {
		src, key span
		t        time.Time
		ids      int // number of identifiers
	}
	var (
		cur   *batch
		pend  []pending
		spans []span // kind, value pairs
		err   error
		i     int
	)
	newBatch := func() *batch {
		select {
		case b := <-free:
			b.recs, b.ids, b.buf = b.recs[:0], b.ids[:0], b.buf[:0]
			return b
		default:
			return &batch{}
		}
	}
	add := func(s string) span {
		a := len(cur.buf)
		cur.buf = append(cur.buf, s...)
		return span{a, len(cur.buf)}
	}
	send := func() bool {
		str := string(cur.buf) // one immutable copy; substrings share it
		sp := 0
		for _, p := range pend {
			rec := Record{Source: str[p.src.a:p.src.b], Key: str[p.key.a:p.key.b], Time: p.t}
			s := len(cur.ids)
			for range p.ids {
				k, v := spans[sp], spans[sp+1]
				sp += 2
				cur.ids = append(cur.ids, Identifier{Kind: str[k.a:k.b], Value: str[v.a:v.b]})
			}
			rec.Identifiers = cur.ids[s:len(cur.ids):len(cur.ids)]
			cur.recs = append(cur.recs, rec)
		}
		cur.buf = cur.buf[:0]
		pend, spans = pend[:0], spans[:0]
		select {
		case work <- cur:
			return true
		case <-stop:
			return false
		}
	}
	cur = newBatch()
	cur.first = 0
loop:
	for rec, ierr := range records {
		if ierr != nil {
			err = &Error{Op: r.op, Key: "records", Err: ierr}
			break
		}
		if i&0xffff == 0 {
			if cerr := ctx.Err(); cerr != nil {
				err = &Error{Op: r.op, Err: cerr}
				break
			}
		}
		p := pending{src: add(rec.Source), key: add(rec.Key), t: rec.Time, ids: len(rec.Identifiers)}
		for _, id := range rec.Identifiers {
			spans = append(spans, add(id.Kind), add(id.Value))
		}
		pend = append(pend, p)
		i++
		if len(pend) == batchLen {
			if !send() {
				break loop
			}
			cur = newBatch()
			cur.first = i
		}
	}
	if err == nil && len(pend) > 0 {
		send()
	}
	close(work)
	joined = true
	if cerr := g.Wait(); cerr != nil {
		return cerr
	}
	r.inputN = i
	return err
}

// ingestRecord stores one record and its identifiers' occurrences.
func (r *resolver) ingestRecord(idx int, rec Record, st *ingestState) error {
	if rec.Source == "" || rec.Key == "" {
		r.reject(idx, rec, "empty source or key")
		return nil
	}
	if len(rec.Key) > maxValueLen || len(rec.Source) > maxValueLen {
		r.reject(idx, rec, "source or key longer than 4096 bytes")
		return nil
	}
	for _, id := range rec.Identifiers {
		if id.Kind == "" {
			r.reject(idx, rec, "identifier with an empty kind")
			return nil
		}
	}
	if r.nrec >= math.MaxInt32 {
		return invalid(r.op, "records", "more than 2147483646 records")
	}
	// Inputs usually interleave a few sources: a short cache of recent
	// ones beats a map lookup.
	src := -1
	for _, c := range st.srcCache {
		if c.name == rec.Source {
			src = c.idx
			break
		}
	}
	if src < 0 {
		src = r.source(rec.Source)
		e := kindCacheEntry{r.sources[src], src}
		if len(st.srcCache) < 8 {
			st.srcCache = append(st.srcCache, e)
		} else {
			st.srcCache[st.scNext&7] = e
			st.scNext++
		}
	}
	if src > math.MaxUint16 {
		return invalid(r.op, "records", "more than 65536 sources")
	}
	ri := uint32(r.nrec)
	r.nrec++
	t := int64(noTime)
	if !rec.Time.IsZero() {
		if rec.Time.Before(minTimeNS) || rec.Time.After(maxTimeNS) {
			r.badTimes++ // UnixNano would overflow: unknown
		} else {
			t = rec.Time.UnixNano()
		}
	}
	r.curHash = recordHash(rec.Source, rec.Key)
	r.addRecord(uint16(src), rec.Key, r.curHash, t)

	scratch, ids := st.scratch[:0], st.ids[:0]
	for _, id := range rec.Identifiers {
		// Records usually list the same few kinds: a short cache of
		// recent kinds beats a map lookup.
		k := -1
		for _, c := range st.kindCache {
			if c.name == id.Kind {
				k = c.idx
				break
			}
		}
		if k < 0 {
			k = r.kind(id.Kind)
			if len(st.kindCache) < 8 {
				st.kindCache = append(st.kindCache, kindCacheEntry{r.kinds[k].name, k})
			} else {
				st.kindCache[st.kcNext&7] = kindCacheEntry{r.kinds[k].name, k}
				st.kcNext++
			}
		}
		ks := r.kinds[k]
		if id.Value == "" {
			r.hitBlock(k, -1, ri)
			continue
		}
		if len(id.Value) > maxValueLen {
			r.hitBlock(k, -2, ri)
			continue
		}
		s := len(scratch)
		scratch = appendValue(scratch, id.Value)
		if ks.blocked != nil {
			if e := ks.lookupBlocked(scratch[s:]); e >= 0 {
				r.hitBlock(k, e, ri)
				scratch = scratch[:s]
				continue
			}
		}
		ks.stats.Kept++
		ids = append(ids, kept{kind: k, start: s, end: len(scratch)})
	}
	st.scratch, st.ids = scratch, ids
	if len(ids) == 0 {
		return nil
	}
	for _, rs := range r.rules {
		if !rs.srcOK[src] {
			continue
		}
		if len(rs.kinds) == 1 {
			for _, id := range ids {
				if id.kind == rs.kinds[0] {
					r.addValue(rs, ri, scratch[id.start:id.end])
				}
			}
			continue
		}
		st.comp = r.conjunctions(rs, ri, scratch, ids, st.comp)
	}
	return nil
}

func recordHash(source, key string) uint64 {
	return hashString(key, hashString(source, p1))
}

// blockHash is the map key of an encoded value in kindState.blocked: a
// digest's first 8 bytes (already uniform), else its hash.
func blockHash(enc []byte) uint64 {
	if len(enc) == 33 && enc[0] == tagHex {
		return binary.BigEndian.Uint64(enc[1:9])
	}
	return hash64(enc, 0)
}

func (ks *kindState) lookupBlocked(enc []byte) int {
	for _, b := range ks.blocked[blockHash(enc)] {
		if bytes.Equal(b.enc, enc) {
			return b.entry
		}
	}
	return -1
}

// splitLen is what a bucket entry keeps of a split digest: its tag and
// last 24 bytes.
const splitLen = 25

// addValue adds one single-kind occurrence. A digest's first 8 bytes are
// already a uniform 64-bit key, so with full-width keys the digest is split:
// the key holds its first 8 bytes and the arena only the tag and the other
// 24, which together still compare full values. Narrowed (test) keys hash
// the whole value and keep it all.
func (r *resolver) addValue(rs *ruleSpec, ri uint32, v []byte) {
	if r.mask == math.MaxUint64 && len(v) == 33 && v[0] == tagHex {
		var tail [splitLen]byte
		tail[0] = tagHex
		copy(tail[1:], v[9:])
		r.add(rs, binary.BigEndian.Uint64(v[1:9]), ri, tail[:])
		return
	}
	r.add(rs, hash64(v, 0)&r.mask, ri, v)
}

// addRecord stores a record's source, key, hash and time, by the ingest
// pipe's goroutine when there is one.
func (r *resolver) addRecord(src uint16, key string, h uint64, t int64) {
	if p := r.pipe; p != nil {
		b := p.cur
		b.rsrc = append(b.rsrc, src)
		b.rkeys = append(b.rkeys, key...)
		b.rkeyEnd = append(b.rkeyEnd, uint32(len(b.rkeys)))
		b.rhash = append(b.rhash, h)
		b.rt = append(b.rt, t)
		if len(b.rsrc) == pipeBatch {
			p.send()
		}
		return
	}
	r.storeRecord(src, unsafe.Slice(unsafe.StringData(key), len(key)), h, t) // read only
}

func (r *resolver) storeRecord(src uint16, key []byte, h uint64, t int64) {
	if len(r.recSrc) == cap(r.recSrc) {
		huge := r.o.HugePages
		r.outgrew(cap(r.recSrc) * (2 + 8 + 8))
		r.recSrc, r.recHash, r.recT0 = grow(huge, r.recSrc, 1), grow(huge, r.recHash, 1), grow(huge, r.recT0, 1)
	}
	r.recSrc = append(r.recSrc, src)
	r.recKey.add(key)
	r.recHash = append(r.recHash, h)
	r.recT0 = append(r.recT0, t)
}

func (r *resolver) add(rs *ruleSpec, key uint64, rec uint32, v []byte) {
	if p := r.pipe; p != nil {
		b := p.cur
		b.rs = append(b.rs, rs)
		b.key = append(b.key, key)
		b.rec = append(b.rec, rec)
		b.buf = append(b.buf, v...)
		b.end = append(b.end, uint32(len(b.buf)))
		if len(b.key) == pipeBatch {
			p.send()
		}
		return
	}
	r.addNow(rs, key, rec, v)
}

// addNow stores one occurrence in its rule's bucket.
func (r *resolver) addNow(rs *ruleSpec, key uint64, rec uint32, v []byte) {
	if rs.bk == nil {
		w := uint(r.o.keyBits)
		rs.bbits = min(bucketBits, w)
		rs.bshift = w - rs.bbits
	}
	if d := rs.add(key, rec, v); d > 0 {
		r.outgrew(d)
	}
}

// outgrew notes that ingest moved d bytes of storage to a larger array
// (Options.ExpectedRecords unset or too low). Every 64 MB of arrays left
// behind it collects garbage, so that later growth reuses that memory
// instead of piling new arrays on top (the heap goal would let it reach
// twice the live heap). The arrays hold no pointers: a collection costs
// milliseconds.
func (r *resolver) outgrew(d int) {
	r.regrown += d
	if r.regrown >= gcAfterRegrowth {
		r.regrown = 0
		runtime.GC()
	}
}

const gcAfterRegrowth = 64 << 20

// addPipe moves the stores of ingest (writes scattered over every rule's
// buckets, and the per-record arrays) to a second goroutine: the caller's
// goroutine, which also runs the input iterator, only appends each record
// and occurrence to a batch. Only that goroutine touches the rules'
// buckets and the record arrays (recSrc, recKey, recHash, recT0) until
// stopPipe has joined it; the caller's goroutine defers what would read
// them (see sample).
type addPipe struct {
	cur  *addBatch
	work chan *addBatch
	free chan *addBatch
	done chan struct{}
}

type addBatch struct {
	// occurrences
	rs  []*ruleSpec
	key []uint64
	rec []uint32
	end []uint32 // end of each value in buf
	buf []byte
	// records, stored before the batch's occurrences
	rsrc    []uint16
	rkeyEnd []uint32 // end of each key in rkeys
	rkeys   []byte
	rhash   []uint64
	rt      []int64
}

const pipeBatch = 4096

func (r *resolver) startPipe() *addPipe {
	p := &addPipe{cur: &addBatch{}, work: make(chan *addBatch, 4), free: make(chan *addBatch, 6), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for b := range p.work {
			s := uint32(0)
			for i, src := range b.rsrc {
				r.storeRecord(src, b.rkeys[s:b.rkeyEnd[i]], b.rhash[i], b.rt[i])
				s = b.rkeyEnd[i]
			}
			s = 0
			for i, rs := range b.rs {
				r.addNow(rs, b.key[i], b.rec[i], b.buf[s:b.end[i]])
				s = b.end[i]
			}
			clear(b.rs) // drop the pointers
			b.rs, b.key, b.rec, b.end, b.buf = b.rs[:0], b.key[:0], b.rec[:0], b.end[:0], b.buf[:0]
			b.rsrc, b.rkeyEnd, b.rkeys, b.rhash, b.rt = b.rsrc[:0], b.rkeyEnd[:0], b.rkeys[:0], b.rhash[:0], b.rt[:0]
			select {
			case p.free <- b:
			default:
			}
		}
	}()
	return p
}

func (p *addPipe) send() {
	p.work <- p.cur
	select {
	case p.cur = <-p.free:
	default:
		p.cur = &addBatch{}
	}
}

// stopPipe hands over the last batch, waits until everything is stored,
// and takes the samples deferred meanwhile.
func (r *resolver) stopPipe() {
	p := r.pipe
	if len(p.cur.key) > 0 || len(p.cur.rsrc) > 0 {
		p.send()
	}
	close(p.work)
	<-p.done
	r.pipe = nil
	for _, h := range r.pendHits {
		for _, c := range h.pend {
			r.sample(h, c.rec)
		}
		h.pend = nil
	}
	r.pendHits = nil
}

func (r *resolver) reject(idx int, rec Record, why string) {
	r.rejected = append(r.rejected, Rejection{Index: idx, Source: strings.Clone(rec.Source), Key: strings.Clone(rec.Key), Reason: why})
}

// dropCombos notes that record rec carried n more combinations of a
// conjunctive rule's kinds than maxCombos.
func (r *resolver) dropCombos(rs *ruleSpec, rec uint32, n int) {
	rs.dropped += n
	if rs.dropHit == nil {
		rs.dropHit = &blockHit{}
	}
	rs.dropHit.count++
	r.sampleLater(rs.dropHit, rec)
}

func (r *resolver) hitBlock(kind, entry int, rec uint32) {
	r.kinds[kind].stats.Blocked++
	h := r.blockHits[[2]int{kind, entry}]
	if h == nil {
		h = &blockHit{}
		r.blockHits[[2]int{kind, entry}] = h
	}
	h.count++
	r.sampleLater(h, rec)
}

// sampleLater samples rec (the record being ingested) now, or with the
// ingest pipe once the pipe has stored the records sample compares.
// Meanwhile h keeps the candidates, pruned by record hash to those that
// can still be among the five smallest. (Samples do not depend on the
// order they are taken in.)
func (r *resolver) sampleLater(h *blockHit, rec uint32) {
	if r.pipe == nil {
		r.sample(h, rec)
		return
	}
	if h.pend == nil {
		r.pendHits = append(r.pendHits, h)
	}
	h.pend = append(h.pend, sampleCand{r.curHash, rec})
	if len(h.pend) >= max(h.pruneAt, 256) {
		h.prune()
		// Rows of the candidates kept (one record sent many times)
		// survive pruning: prune again only once the list has doubled.
		h.pruneAt = 2 * len(h.pend)
	}
}

// sampleCand is a record sampleLater has not sampled yet.
type sampleCand struct {
	hash uint64
	rec  uint32
}

// prune keeps the candidates whose record hashes are among the five
// smallest distinct ones: sample orders by hash first, and records of one
// hash (one record sent in several rows, or a hash collision) are kept
// together for it to tell apart.
func (h *blockHit) prune() {
	slices.SortFunc(h.pend, func(a, b sampleCand) int { return cmp.Compare(a.hash, b.hash) })
	distinct := 0
	for i, c := range h.pend {
		if i == 0 || c.hash != h.pend[i-1].hash {
			distinct++
			if distinct > 5 {
				h.pend = h.pend[:i]
				return
			}
		}
	}
}

// sample keeps rec among h's five canonically smallest records.
func (r *resolver) sample(h *blockHit, rec uint32) {
	// Keep the five canonically smallest records, not the first five seen.
	less := func(a, b uint32) bool {
		if r.recHash[a] != r.recHash[b] {
			return r.recHash[a] < r.recHash[b]
		}
		return r.cmpRec(a, b) < 0
	}
	for _, x := range h.recs {
		if r.recHash[x] == r.recHash[rec] && r.cmpRec(x, rec) == 0 {
			return
		}
	}
	if len(h.recs) < 5 {
		h.recs = append(h.recs, rec)
	} else if less(rec, h.recs[4]) {
		h.recs[4] = rec
	} else {
		return
	}
	for i := len(h.recs) - 1; i > 0 && less(h.recs[i], h.recs[i-1]); i-- {
		h.recs[i], h.recs[i-1] = h.recs[i-1], h.recs[i]
	}
}
