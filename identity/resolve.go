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
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sync/errgroup"
)

const noTime = math.MinInt64

// Record times are kept as Unix nanoseconds; times outside what those
// hold (before 1678 or after 2262) are treated as unknown.
var minTimeNS, maxTimeNS = time.Unix(0, math.MinInt64+1), time.Unix(0, math.MaxInt64)

// ruleSpec is a rule compiled against interned kinds and sources. Limits add
// hidden rules (link false) so limited kinds get canonical value ids.
type ruleSpec struct {
	name      string
	kinds     []int
	kindLabel string
	sources   map[string]bool
	srcOK     []bool // by source index
	maxDegree int
	link      bool
	limit     int // index into limits for hidden rules, else -1

	keys []uint64
	rec  []uint32
	vals arena

	// presorted: keys, rec and vals are already in key order and rec holds
	// ranks (Result.Add); otherwise the buckets hold input indices, mapped
	// to ranks through rankOf as group unpacks them.
	presorted bool
	rankOf    []uint32
	// values is the index of the limit whose value ids this rule's groups
	// provide (singletons included), or -1.
	values int
	hint   int  // expected occurrences, for the first allocation
	huge   bool // Options.HugePages

	// filled by group(): members of each group of records sharing a value,
	// in canonical order, as ranks; groups in key order.
	gStart []uint32
	gRecs  []uint32
	ix     *ruleIndex
	seed   *limitState   // for values >= 0: the seeded limit state, taken by link
	ready  chan struct{} // closed when the groups are final (see grouping)
	// halves being grouped apart (see halves), until finishRule
	halfA, halfB *ruleSpec

	// combinations dropped by maxCombos, and the records that had them
	dropped int
	dropHit *blockHit
	parts   partStore
	// records of several rows whose pooled values were over the cap
	poolDrops     int
	poolDropRanks []uint32

	// ingest buckets (see bucket)
	bk     []bucket
	bbits  uint
	bshift uint
	stride int // length of every value so far, or -1 once they differ
	n      int
	cur    *bucket // the bucket being grouped, or nil for keys/rec/vals
}

type blockEntry struct {
	enc   []byte
	entry int // index in Options.Blocked[kind]
}

type kindState struct {
	name    string
	blocked map[uint64][]blockEntry
	stats   KindStats
}

type blockHit struct {
	count   int
	recs    []uint32     // ingest indices, up to 5
	pend    []sampleCand // see sampleLater
	pruneAt int          // pend's length that triggers the next prune
}

// resolver is the state of one run.
type resolver struct {
	o     Options
	op    string
	mask  uint64
	rules []*ruleSpec

	kinds     []*kindState
	kindIdx   map[string]int
	sources   []string
	sourceIdx map[string]int

	// records in input order
	recSrc  []uint16
	recKey  arena
	recHash []uint64
	recT0   []int64

	blockHits map[[2]int]*blockHit // (kind, entry or -1 empty, -2 too long)
	rejected  []Rejection
	inputN    int
	badTimes  int // record times out of range

	// after ranking: rank order
	rankOf []uint32 // input index -> rank
	n      int
	first  []uint32 // rank -> input index of its first occurrence
	hashes []uint64 // rank -> record hash
	t0     []int64
	t1     map[uint32]int64 // latest time, only where it differs from t0 (re-sent records)
	dups   int
	// ranks of records sent in more than one row
	dupRanks map[uint32]bool

	audits []Audit
	stats  Stats

	// for Add: the resolution being extended, and the number of its input
	// rows (new rows' input indices start there once concatenated).
	prior *Result
	base  int

	pipe      *addPipe    // during ingest with Concurrency >= 2, see addPipe
	grp       *grouping   // see startGroup
	pendHits  []*blockHit // hits with candidates to sample, see sampleLater
	regrown   int         // see outgrew
	gcPerRule bool        // see finishRule
	nrec      int         // records stored or handed to the pipe
	curHash   uint64      // the hash of the record being ingested
	oldTo     []uint32    // old rank -> rank, after mergeRecords
}

// key names a rule in Result.ix: hidden limit rules cannot clash with
// user rule names.
func (rs *ruleSpec) key() string {
	if !rs.link {
		return "\x00limit:" + rs.kindLabel
	}
	return rs.name
}

// Resolve links records into persons. records is read once; the first error
// it yields stops the run and is returned wrapped.
//
// On success the Result holds every record's person, the links, per-person
// facts, audit records and statistics. When Options.Bounds fails the run,
// Resolve returns the Result together with a *BoundError, so the caller can
// inspect what over-merged.
func Resolve(ctx context.Context, records iter.Seq2[Record, error], opts ...func(*Options)) (*Result, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	o, err := o.validate("resolve")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	r := newResolver(o, "resolve")
	if err := r.ingest(ctx, records); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: r.op, Err: err}
	}
	r.recKey.trim()
	r.log("ingested", "records", len(r.recSrc))
	r.rank()
	r.poolRows()
	if !o.Incremental {
		for _, rs := range r.rules {
			rs.parts = partStore{}
		}
	}
	r.log("ranked", "records", r.n, "duplicates", r.dups)
	res, err := r.groupAndLink(ctx)
	if err != nil {
		return nil, err
	}
	if err := res.assignIDs(ctx, o.Previous); err != nil {
		return nil, &Error{Op: r.op, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: r.op, Err: err}
	}
	res.finishStats(start)
	if o.Logger != nil {
		o.Logger.Info("identity: resolved", "records", res.stats.Records, "persons", res.stats.Persons,
			"largest", res.stats.LargestCluster, "elapsed", res.stats.Elapsed)
	}
	if err := o.Bounds.check(&res.stats); err != nil {
		return res, err
	}
	return res, nil
}

func (r *resolver) log(msg string, args ...any) {
	if r.o.Logger != nil {
		r.o.Logger.Debug("identity: "+msg, args...)
	}
}

func newResolver(o Options, op string) *resolver {
	r := &resolver{
		o:         o,
		op:        op,
		kindIdx:   map[string]int{},
		sourceIdx: map[string]int{},
		blockHits: map[[2]int]*blockHit{},
	}
	if h := o.ExpectedRecords; h > 0 {
		r.recSrc = bigSlice[uint16](o.HugePages, 0, h)
		r.recHash = bigSlice[uint64](o.HugePages, 0, h)
		r.recT0 = bigSlice[int64](o.HugePages, 0, h)
		r.recKey.hint = h
		r.recKey.huge = o.HugePages
	}
	if o.keyBits >= 64 {
		r.mask = math.MaxUint64
	} else {
		r.mask = 1<<uint(o.keyBits) - 1
	}
	for _, ru := range o.Rules {
		rs := &ruleSpec{name: ru.Name, link: true, limit: -1, values: -1, maxDegree: ru.MaxDegree, kindLabel: strings.Join(ru.Kinds, "+"), hint: o.ExpectedRecords, huge: o.HugePages}
		for _, k := range ru.Kinds {
			rs.kinds = append(rs.kinds, r.kind(k))
		}
		if len(ru.Sources) > 0 {
			rs.sources = map[string]bool{}
			for _, s := range ru.Sources {
				rs.sources[s] = true
			}
		}
		if rs.maxDegree == 0 {
			if len(ru.Kinds) == 1 {
				rs.maxDegree = o.DegreeCap[ru.Kinds[0]]
			}
			if rs.maxDegree == 0 {
				rs.maxDegree = o.DefaultDegreeCap
			}
		}
		r.rules = append(r.rules, rs)
	}
	for i, l := range o.Limits {
		// A limited kind needs value ids for every record carrying it. An
		// unscoped single-kind rule on that kind already sorts exactly
		// those values: share its groups instead of sorting them twice.
		k := r.kind(l.Kind)
		shared := false
		for _, rs := range r.rules {
			if rs.link && rs.values < 0 && rs.sources == nil && len(rs.kinds) == 1 && rs.kinds[0] == k {
				rs.values = i
				shared = true
				break
			}
		}
		if !shared {
			r.rules = append(r.rules, &ruleSpec{name: "limit:" + l.Kind, kinds: []int{k}, kindLabel: l.Kind, limit: i, values: i, hint: o.ExpectedRecords, huge: o.HugePages})
		}
	}
	var buf []byte
	for kind, vals := range o.Blocked {
		ks := r.kinds[r.kind(kind)]
		if ks.blocked == nil {
			ks.blocked = map[uint64][]blockEntry{}
		}
		for i, v := range vals {
			buf = appendValue(buf[:0], v)
			h := blockHash(buf)
			ks.blocked[h] = append(ks.blocked[h], blockEntry{enc: slices.Clone(buf), entry: i})
		}
	}
	return r
}

// kind interns a kind name. With no configured rules every kind gets its
// own single-identifier rule.
func (r *resolver) kind(name string) int {
	if i, ok := r.kindIdx[name]; ok {
		return i
	}
	name = strings.Clone(name) // the caller's string may live in a reused buffer
	i := len(r.kinds)
	r.kindIdx[name] = i
	r.kinds = append(r.kinds, &kindState{name: name})
	if len(r.o.Rules) == 0 {
		rs := &ruleSpec{name: name, kinds: []int{i}, kindLabel: name, link: true, limit: -1, values: -1, maxDegree: r.degreeFor(name), hint: r.o.ExpectedRecords, huge: r.o.HugePages}
		rs.srcOK = make([]bool, len(r.sources))
		for j := range rs.srcOK {
			rs.srcOK[j] = true
		}
		r.rules = append(r.rules, rs)
	}
	return i
}

func (r *resolver) degreeFor(kind string) int {
	if c := r.o.DegreeCap[kind]; c > 0 {
		return c
	}
	return r.o.DefaultDegreeCap
}

func (r *resolver) source(name string) int {
	if i, ok := r.sourceIdx[name]; ok {
		return i
	}
	name = strings.Clone(name)
	i := len(r.sources)
	r.sourceIdx[name] = i
	r.sources = append(r.sources, name)
	for _, rs := range r.rules {
		rs.srcOK = append(rs.srcOK, rs.sources == nil || rs.sources[name])
	}
	return i
}

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

// bucket holds the occurrences whose compact keys share their top bits.
// Ingest partitions each rule into buckets so that sorting and verifying
// full values later touch one small, cache-resident bucket at a time
// instead of jumping around one big array. Entries are interleaved (key,
// record, value) so that ingest appends to one stream per bucket.
type bucket struct {
	data []byte
	pop  int      // bytes of data's capacity faulted in (see populateAhead)
	offs []uint32 // when the rule's values vary in length: n+1 entry offsets
	n    int
}

const (
	bucketBits = 6
	entryHead  = 12 // key (8) and record (4) before the value
)

func (rs *ruleSpec) entry(b *bucket, o uint32) (start, end int) {
	if rs.stride >= 0 {
		w := entryHead + rs.stride
		start = int(o) * w
		return start, start + w
	}
	return int(b.offs[o]), int(b.offs[o+1])
}

func (rs *ruleSpec) val(o uint32) []byte {
	if b := rs.cur; b != nil {
		s, e := rs.entry(b, o)
		return b.data[s+entryHead : e]
	}
	return rs.vals.get(int(o))
}

// storeAhead is how far past the entry being stored ruleSpec.add
// prefetches.
const storeAhead = 256

// add stores one occurrence and returns the bytes of the bucket storage
// it outgrew, if it had to move it.
func (rs *ruleSpec) add(key uint64, rec uint32, v []byte) (discarded int) {
	if rs.bk == nil {
		rs.bk = make([]bucket, 1<<rs.bbits)
		rs.stride = len(v)
		if per := rs.hint >> rs.bbits; per > 0 {
			// Compact keys are uniform: buckets differ from their mean
			// by well under 1% at sizes worth presizing.
			per += per/64 + 16
			// The hint counts records, not this rule's occurrences (a
			// rare kind, a rule scoped to a source): the room is
			// faulted in as it fills, not ahead.
			for i := range rs.bk {
				rs.bk[i].data = boundSlice[byte](rs.huge, 0, per*(entryHead+len(v)))
			}
		}
	}
	if rs.stride >= 0 && len(v) != rs.stride {
		// Lengths differ from now on: give every bucket offsets.
		for i := range rs.bk {
			b := &rs.bk[i]
			b.offs = make([]uint32, b.n+1)
			for j := range b.offs {
				b.offs[j] = uint32(j * (entryHead + rs.stride))
			}
		}
		rs.stride = -1
	}
	b := &rs.bk[key>>rs.bshift]
	l := len(b.data)
	// Start fetching the bucket's line a few entries on for writing:
	// ingest stores to 64 streams per rule, more than the CPU's own
	// prefetchers follow.
	prefetchW(uintptr(unsafe.Pointer(unsafe.SliceData(b.data))) + uintptr(l) + storeAhead)
	w := entryHead + len(v)
	if cap(b.data)-l < w {
		discarded = cap(b.data)
		b.data = grow(rs.huge, b.data, w)
		b.pop = len(b.data)
	}
	for l+w > b.pop && b.pop < cap(b.data) {
		b.pop = populateAhead(b.data, b.pop)
	}
	b.data = b.data[:l+w]
	e := b.data[l:]
	binary.LittleEndian.PutUint64(e, key)
	binary.LittleEndian.PutUint32(e[8:], rec)
	copy(e[entryHead:], v)
	b.n++
	if rs.stride < 0 {
		if b.offs == nil {
			b.offs = []uint32{0}
		}
		b.offs = append(grow(rs.huge, b.offs, 1), uint32(len(b.data)))
	}
	rs.n++
	return discarded
}

// unpack fills keys and rec with bucket b's entries, in entry order.
func (rs *ruleSpec) unpack(b *bucket, keys []uint64, rec []uint32) ([]uint64, []uint32) {
	keys, rec = keys[:0], rec[:0]
	for o := range uint32(b.n) {
		s, _ := rs.entry(b, o)
		keys = append(keys, binary.LittleEndian.Uint64(b.data[s:]))
		rec = append(rec, binary.LittleEndian.Uint32(b.data[s+8:]))
	}
	return keys, rec
}

// flatten moves the buckets into keys, rec and vals (in bucket order).
func (rs *ruleSpec) flatten() {
	rs.keys = make([]uint64, 0, rs.n)
	rs.rec = make([]uint32, 0, rs.n)
	rs.vals = arena{}
	var keys []uint64
	var rec []uint32
	for i := range rs.bk {
		b := &rs.bk[i]
		rs.cur = b
		keys, rec = rs.unpack(b, keys, rec)
		rs.keys = append(rs.keys, keys...)
		rs.rec = append(rs.rec, rec...)
		for j := range uint32(b.n) {
			rs.vals.add(rs.val(j))
		}
	}
	rs.cur, rs.bk = nil, nil
}

// maxCombos bounds the value combinations one record contributes to a
// conjunctive rule when it carries several values of its kinds.
const maxCombos = 16

func (r *resolver) conjunctions(rs *ruleSpec, ri uint32, scratch []byte, ids []kept, comp []byte) []byte {
	// per kind of the rule, its values in byte order without repeats, so
	// the combinations kept under the cap do not depend on the order the
	// identifiers came in
	var vals [16][][]byte
	var vbuf [64][]byte
	buf := vbuf[:0]
	complete, any := true, false
	for j, k := range rs.kinds {
		s := len(buf)
		for _, id := range ids {
			if id.kind != k {
				continue
			}
			v := scratch[id.start:id.end]
			i := len(buf)
			for i > s && bytes.Compare(buf[i-1], v) > 0 {
				i--
			}
			if i > s && bytes.Equal(buf[i-1], v) {
				continue
			}
			buf = slices.Insert(buf, i, v)
		}
		vals[j] = buf[s:len(buf):len(buf)]
		complete = complete && len(vals[j]) > 0
		any = any || len(vals[j]) > 0
	}
	if !any {
		return comp
	}
	n := combinations(rs, &vals)
	if !complete || n > maxCombos {
		// Not every value is in a combination: keep them all, to pool
		// with the record's other rows (see poolRows).
		comp = appendPart(comp[:0], rs, &vals)
		rs.parts.recs = append(rs.parts.recs, ri)
		rs.parts.vals.add(comp)
	}
	if !complete {
		return comp
	}
	if n > maxCombos {
		r.dropCombos(rs, ri, n-maxCombos)
	}
	return combine(rs, &vals, comp, func(c []byte) { r.add(rs, hash64(c, 0)&r.mask, ri, c) })
}

// combinations returns the number of value combinations in vals, at most
// 2^30 per kind multiplied.
func combinations(rs *ruleSpec, vals *[16][][]byte) int {
	n := 1
	for j := range rs.kinds {
		n = min(n, 1<<30) * len(vals[j])
	}
	return n
}

// combine calls emit with the encoded combinations of vals (each kind's
// values sorted, without repeats), the first maxCombos in value order.
func combine(rs *ruleSpec, vals *[16][][]byte, comp []byte, emit func([]byte)) []byte {
	combos := min(combinations(rs, vals), maxCombos)
	var ctr [16]int
	for c := 0; c < combos; c++ {
		comp = append(comp[:0], tagAnd)
		for j := range rs.kinds {
			v := vals[j][ctr[j]]
			comp = binary.BigEndian.AppendUint16(comp, uint16(len(v)))
			comp = append(comp, v...)
		}
		emit(comp)
		for j := len(rs.kinds) - 1; j >= 0; j-- {
			ctr[j]++
			if ctr[j] < len(vals[j]) {
				break
			}
			ctr[j] = 0
		}
	}
	return comp
}

// partStore holds the rows of a conjunctive rule whose values are not all
// in their combinations (a kind missing, or more than maxCombos), so that
// a record sent in several rows, or again in an Add batch, combines the
// values of all its rows.
type partStore struct {
	recs []uint32 // input index; ranks once kept in a Result
	vals arena    // per row: (kind position, uint16 length, value)...
}

func appendPart(dst []byte, rs *ruleSpec, vals *[16][][]byte) []byte {
	for j := range rs.kinds {
		for _, v := range vals[j] {
			dst = append(dst, byte(j))
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
			dst = append(dst, v...)
		}
	}
	return dst
}

// pool is the values of one record's rows for one conjunctive rule.
type pool struct {
	in   uint32 // an input index of one of its rows in this run
	vals [16][][]byte
}

// addPart adds the values of a part; addComp those of a combination.
func (p *pool) addPart(b []byte) {
	for len(b) >= 3 {
		j, l := b[0], int(binary.BigEndian.Uint16(b[1:]))
		p.vals[j] = append(p.vals[j], bytes.Clone(b[3:3+l]))
		b = b[3+l:]
	}
}

func (p *pool) addComp(nk int, b []byte) {
	b = b[1:] // tagAnd
	for j := range nk {
		l := int(binary.BigEndian.Uint16(b))
		p.vals[j] = append(p.vals[j], bytes.Clone(b[2:2+l]))
		b = b[2+l:]
	}
}

// combine emits the pooled record's combinations; rank is the record's.
func (p *pool) combine(rs *ruleSpec, rank uint32, comp []byte, emit func([]byte)) []byte {
	for j := range rs.kinds {
		slices.SortFunc(p.vals[j], bytes.Compare)
		p.vals[j] = slices.CompactFunc(p.vals[j], bytes.Equal)
		if len(p.vals[j]) == 0 {
			return comp
		}
	}
	if n := combinations(rs, &p.vals); n > maxCombos {
		rs.dropped += n - maxCombos
		rs.poolDrops++
		if len(rs.poolDropRanks) < 5 { // ranks ascend: the canonically first
			rs.poolDropRanks = append(rs.poolDropRanks, rank)
		}
	}
	return combine(rs, &p.vals, comp, emit)
}

// poolRows adds, for every record of more than one row, the combinations
// of a conjunctive rule that only the pooled values of its rows make. It
// runs after rank, before grouping; rows' values come from their
// combinations in the ingest buckets and from rs.parts.
func (r *resolver) poolRows() {
	if len(r.dupRanks) == 0 {
		return
	}
	for _, rs := range r.rules {
		if len(rs.kinds) < 2 {
			continue
		}
		pools := map[uint32]*pool{}
		get := func(in uint32) *pool {
			rk := r.rankOf[in]
			if !r.dupRanks[rk] {
				return nil
			}
			p := pools[rk]
			if p == nil {
				p = &pool{in: in}
				pools[rk] = p
			}
			return p
		}
		for bi := range rs.bk {
			b := &rs.bk[bi]
			rs.cur = b
			for o := range uint32(b.n) {
				st, _ := rs.entry(b, o)
				if p := get(binary.LittleEndian.Uint32(b.data[st+8:])); p != nil {
					p.addComp(len(rs.kinds), rs.val(o))
				}
			}
		}
		rs.cur = nil
		for i, in := range rs.parts.recs {
			if p := get(in); p != nil {
				p.addPart(rs.parts.vals.get(i))
			}
		}
		var comp []byte
		for _, rk := range sortedRanks(pools) {
			p := pools[rk]
			comp = p.combine(rs, rk, comp, func(c []byte) { r.add(rs, hash64(c, 0)&r.mask, p.in, c) })
		}
	}
}

func sortedRanks(m map[uint32]*pool) []uint32 {
	ks := make([]uint32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
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

// rank orders records canonically (by record hash, then source and key),
// independent of input order, and folds duplicates together. With
// Concurrency >= 2 and many records the sort's sub-buckets and the
// assignment of ranks run in two halves on two goroutines.
func (r *resolver) rank() {
	n := len(r.recHash)
	b := uint32(r.base) // local input i is combined input b+i
	idx := bigSlice[uint32](r.o.HugePages, n, n)
	for i := range idx {
		idx[i] = uint32(i)
	}
	// recHash is not needed in input order after this: sort it in place
	// and compact it into hashes.
	keys := r.recHash
	r.recHash = nil
	workers := 1
	if r.o.Concurrency >= 2 && n >= r.o.splitMin {
		workers = 2
	}
	sc := radixScratch{huge: r.o.HugePages}
	sc.sortParallel(keys, idx, workers)
	// Equal hashes: order by source then key bytes; equal refs are one record.
	for s := 0; s < n; {
		e := s + 1
		for e < n && keys[e] == keys[s] {
			e++
		}
		if e-s > 1 {
			g := idx[s:e]
			sort.Slice(g, func(x, y int) bool { return r.cmpRec(b+g[x], b+g[y]) < 0 })
		}
		s = e
	}
	r.rankOf = bigSlice[uint32](r.o.HugePages, n, n)
	// Cut the sorted rows into segments that do not split a run of equal
	// hashes, and count the records before each (rows of one record are
	// adjacent).
	var segs []rankSeg
	if workers == 2 {
		m := n / 2
		for m > 0 && m < n && keys[m] == keys[m-1] {
			m++
		}
		c := 0
		for j := range m {
			if !r.sameRecord(keys, idx, j) {
				c++
			}
		}
		segs = []rankSeg{{lo: 0, hi: m, base: 0}, {lo: m, hi: n, base: c}}
	} else {
		segs = []rankSeg{{lo: 0, hi: n, base: 0}}
	}
	var wg sync.WaitGroup
	for i := range segs[1:] {
		wg.Go(func() { r.rankSegment(keys, idx, &segs[1+i]) })
	}
	r.rankSegment(keys, idx, &segs[0])
	wg.Wait()
	// Each segment compacted its records to the start of its own range:
	// move them behind the previous segment's.
	total := 0
	for _, sg := range segs {
		copy(idx[total:], idx[sg.lo:sg.lo+sg.count])
		copy(keys[total:], keys[sg.lo:sg.lo+sg.count])
		total += sg.count
	}
	// first and hashes are compactions of idx and keys, so they reuse
	// their arrays.
	r.first = idx[:total]
	r.hashes = keys[:total]
	r.n = total
	r.t1 = map[uint32]int64{}
	var dupIns []uint32 // input indices of the records' second and later rows
	for _, sg := range segs {
		dupIns = append(dupIns, sg.dupIns...)
	}
	r.dups = len(dupIns)
	for _, in := range dupIns {
		if r.dupRanks == nil {
			r.dupRanks = map[uint32]bool{}
		}
		r.dupRanks[r.rankOf[in]] = true
	}
	// Times go to ranks in input order: the scattered writes cost far
	// less than reading recT0 in rank order, a cache miss per record.
	// A record of several rows gets its first row's times here, then the
	// others folded in. Without such records no two rows write one rank,
	// so the halves can go in parallel.
	r.t0 = bigSlice[int64](r.o.HugePages, r.n, r.n)
	scatter := func(lo, hi int) {
		for in, t := range r.recT0[lo:hi] {
			r.t0[r.rankOf[lo+in]] = t
		}
	}
	if workers == 2 && len(dupIns) == 0 {
		wg.Go(func() { scatter(0, n/2) })
		scatter(n/2, n)
		wg.Wait()
	} else {
		scatter(0, n)
	}
	for _, in := range dupIns {
		rk := r.rankOf[in]
		r.t0[rk] = r.recT0[r.first[rk]-b]
	}
	for _, in := range dupIns {
		rk := r.rankOf[in]
		setTimes(r.t0, r.t1, rk, minTime(r.t0[rk], r.recT0[in]), max(lastTime(r.t0, r.t1, rk), r.recT0[in]))
	}
	r.recT0 = nil
}

// rankSeg is a range of sorted rows [lo, hi) whose records take ranks from
// base on.
type rankSeg struct {
	lo, hi, base int
	count        int      // records found, compacted to idx[lo:lo+count]
	dupIns       []uint32 // input indices of rows repeating a record
}

// sameRecord reports whether sorted row j repeats row j-1's record.
func (r *resolver) sameRecord(keys []uint64, idx []uint32, j int) bool {
	b := uint32(r.base)
	return j > 0 && keys[j] == keys[j-1] && r.cmpRec(b+idx[j-1], b+idx[j]) == 0
}

// rankSegment gives sg's rows their ranks and compacts its records' first
// rows and hashes to the start of its range. It writes only rankOf entries
// of its own rows and idx and keys inside its range.
func (r *resolver) rankSegment(keys []uint64, idx []uint32, sg *rankSeg) {
	b := uint32(r.base)
	out := sg.lo // next record's position; <= j, so reading idx[j] is safe
	var prev uint32
	for j := sg.lo; j < sg.hi; j++ {
		in, k := idx[j], keys[j]
		if j > sg.lo && k == keys[out-1] && r.cmpRec(b+prev, b+in) == 0 {
			prev = in
			r.rankOf[in] = uint32(sg.base + out - 1 - sg.lo)
			sg.dupIns = append(sg.dupIns, in)
			continue
		}
		prev = in
		r.rankOf[in] = uint32(sg.base + out - sg.lo)
		idx[out] = b + in
		keys[out] = k
		out++
	}
	sg.count = out - sg.lo
}

func lastTime(t0 []int64, t1 map[uint32]int64, x uint32) int64 {
	if t, ok := t1[x]; ok {
		return t
	}
	return t0[x]
}

func setTimes(t0 []int64, t1 map[uint32]int64, x uint32, first, last int64) {
	t0[x] = first
	if last != first {
		t1[x] = last
	} else {
		delete(t1, x)
	}
}

func minTime(a, b int64) int64 {
	if a == noTime {
		return b
	}
	if b == noTime {
		return a
	}
	return min(a, b)
}

func (r *resolver) cmpRec(a, b uint32) int {
	if c := strings.Compare(r.sources[r.recSrc[a]], r.sources[r.recSrc[b]]); c != 0 {
		return c
	}
	return bytes.Compare(r.recKey.get(int(a)), r.recKey.get(int(b)))
}

// grouping is a run of startGroup: it sorts each rule's keys and cuts them
// into groups of records that share a full value, on up to Concurrency
// goroutines. With Concurrency >= 2 it runs in the background, so linking
// (on the caller's goroutine, see waitRule) takes each rule as soon as
// its groups are final while later rules are still grouped.
type grouping struct {
	ctx  context.Context // cancelled when grouping fails or is stopped
	stop context.CancelFunc
	done chan struct{} // closed when every job has ended
	err  error         // set before done is closed
}

// groupJob groups a whole rule, or one half of a rule's buckets.
type groupJob struct {
	rule int       // index in r.rules
	part *ruleSpec // nil: the whole rule
}

// startGroup starts grouping. Rules giving limits value ids go first
// (linking needs them all before its first rule), then the rules in the
// order linking takes them.
func (r *resolver) startGroup(ctx context.Context) *grouping {
	var ingested int
	for _, rs := range r.rules {
		for i := range rs.bk {
			ingested += cap(rs.bk[i].data) + 4*cap(rs.bk[i].offs)
		}
	}
	for _, rs := range r.rules {
		if !rs.presorted {
			// The buckets hold input indices; group maps them to ranks.
			rs.rankOf = r.rankOf
			for i, in := range rs.parts.recs {
				rs.parts.recs[i] = r.rankOf[in]
			}
		}
	}
	order := make([]int, 0, len(r.rules))
	for i, rs := range r.rules {
		if rs.values >= 0 {
			order = append(order, i)
		}
	}
	for _, rs := range r.linkRules() {
		if rs.values < 0 {
			order = append(order, slices.Index(r.rules, rs))
		}
	}
	for i, rs := range r.rules {
		if rs.values < 0 && !rs.link {
			order = append(order, i) // not linked and no values: none today
		}
	}
	// Large rules group in two halves of their buckets (key ranges), so
	// that three rules on two cores do not leave one core idle for a third
	// of the phase. Halves are merged in key order, which is the order one
	// goroutine would have produced.
	var jobs []groupJob
	pending := make([]atomic.Int32, len(r.rules))
	for _, i := range order {
		rs := r.rules[i]
		rs.ready = make(chan struct{})
		if r.o.Concurrency > 1 && !rs.presorted && !r.o.Incremental && rs.n >= r.o.splitMin && len(rs.bk) >= 2 {
			rs.halfA, rs.halfB = rs.halves()
			jobs = append(jobs, groupJob{i, rs.halfA}, groupJob{i, rs.halfB})
			pending[i].Store(2)
			continue
		}
		jobs = append(jobs, groupJob{rule: i})
		pending[i].Store(1)
	}
	r.gcPerRule = ingested >= gcAfterGroup
	gctx, stop := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(gctx)
	gr := &grouping{ctx: gctx, stop: stop, done: make(chan struct{})}
	var rulesLeft atomic.Int32
	rulesLeft.Store(int32(len(order)))
	run := func() {
		var next atomic.Int64
		for range min(r.o.Concurrency, len(jobs)) {
			g.Go(func() error {
				for {
					n := int(next.Add(1) - 1)
					if n >= len(jobs) {
						return nil
					}
					if err := gctx.Err(); err != nil {
						return err
					}
					j := jobs[n]
					rs := r.rules[j.rule]
					if j.part != nil {
						j.part.group(false)
					} else {
						rs.group(r.o.Incremental)
					}
					if pending[j.rule].Add(-1) == 0 {
						r.finishRule(rs, rulesLeft.Add(-1) == 0)
					}
				}
			})
		}
		if err := g.Wait(); err != nil {
			gr.err = &Error{Op: r.op, Err: err}
		} else {
			r.rankOf = nil
			r.log("grouped")
			if r.gcPerRule {
				// The ingest buckets, the bulk of the live heap (about 37
				// bytes per occurrence), are garbage now. Without a
				// collection here the Go heap goal set during ingest
				// (twice the live heap then) lets the result pile up on
				// top of them; collecting lets it reuse that memory,
				// which bounds peak memory at about the ingest footprint
				// plus grouping instead of twice the ingest footprint. It
				// costs one collection of a heap that is mostly
				// pointer-free. (finishRule collected after every rule
				// but the last.)
				runtime.GC()
			}
		}
		close(gr.done)
	}
	if r.o.Concurrency > 1 {
		go run()
	} else {
		run()
	}
	r.grp = gr
	return gr
}

// finishRule runs once both halves of rs (or the whole) are grouped:
// merges the halves, seeds the limit state of the values rs gives, and
// lets linking take rs. last says rs is the last rule grouped.
func (r *resolver) finishRule(rs *ruleSpec, last bool) {
	if rs.halfA != nil {
		rs.mergeHalves(rs.halfA, rs.halfB)
		rs.halfA, rs.halfB = nil, nil
	}
	if rs.values >= 0 {
		rs.seed = r.seedLimit(rs)
	}
	close(rs.ready)
	if r.gcPerRule && !last {
		// The rule's ingest buckets are garbage now: collect, so that
		// the rules grouped next and linking reuse their memory rather
		// than adding to peak memory. (After the last, startGroup
		// collects once grouping is over.)
		runtime.GC()
	}
}

// waitRule waits until rs is grouped; it fails when grouping does.
func (r *resolver) waitRule(rs *ruleSpec) error {
	select {
	case <-rs.ready:
		return nil
	case <-r.grp.ctx.Done():
		// Grouping failed or was stopped, or ended: its context is
		// cancelled once all its jobs have returned, even on success.
		<-r.grp.done
		select {
		case <-rs.ready:
			return nil
		default:
		}
		if r.grp.err != nil {
			return r.grp.err
		}
		return &Error{Op: r.op, Err: r.grp.ctx.Err()}
	}
}

// wait stops grouping if failed says linking failed, waits until its
// goroutines are done and returns its error.
func (gr *grouping) wait(failed bool) error {
	if failed {
		gr.stop()
	}
	<-gr.done
	gr.stop()
	return gr.err
}

// groupAndLink groups every rule and links them, overlapped (see
// grouping), and builds the result.
func (r *resolver) groupAndLink(ctx context.Context) (*Result, error) {
	gr := r.startGroup(ctx)
	lk, err := r.link(ctx)
	if gerr := gr.wait(err != nil); err == nil {
		err = gerr
	}
	if err != nil {
		return nil, err
	}
	r.log("linked", "links", len(lk.la))
	return newResult(r, lk), nil
}

// gcAfterGroup is the size of ingest buckets from which grouping
// collects garbage once they are freed (about 7M occurrences).
const gcAfterGroup = 256 << 20

// splitGroupMin is the occurrences from which a rule is grouped in two
// halves on two goroutines.
const splitGroupMin = 1 << 16

// halves returns two views of rs for grouping its buckets' two key ranges
// apart: each has its own bucket range, occurrence count and group
// storage, and shares everything grouping reads.
func (rs *ruleSpec) halves() (a, b *ruleSpec) {
	mid := len(rs.bk) / 2
	a, b = new(ruleSpec), new(ruleSpec)
	*a, *b = *rs, *rs
	a.bk, b.bk = rs.bk[:mid], rs.bk[mid:]
	a.n = 0
	for i := range a.bk {
		a.n += a.bk[i].n
	}
	b.n = rs.n - a.n
	// One allocation for both halves, each writing its own region (a
	// group has at most one member per occurrence, so neither outgrows
	// it); merging moves b's groups down behind a's.
	// Most occurrences are group members (all of them for a rule giving
	// a limit value ids), so the members' array is faulted in ahead; there
	// are far fewer groups than occurrences.
	recs := bigSlice[uint32](rs.huge, 0, rs.n)
	starts := boundSlice[uint32](rs.huge, 0, rs.n+2)
	a.gRecs, b.gRecs = recs[:0:a.n], recs[a.n:a.n:rs.n]
	a.gStart, b.gStart = starts[:0:a.n+1], starts[a.n+1:a.n+1:rs.n+2]
	rs.gRecs, rs.gStart = recs[:0], starts[:0]
	return a, b
}

// mergeHalves makes rs's groups those of a followed by those of b (b's
// keys are all above a's) and releases what grouping held.
func (rs *ruleSpec) mergeHalves(a, b *ruleSpec) {
	// rs holds the arrays both halves wrote into, a's regions first, so
	// a's groups are in place: move b's down (copy handles the overlap)
	// behind them. a.gStart and b.gStart each end with their total; a's is
	// overwritten.
	off := len(a.gRecs)
	recs := rs.gRecs[:off+len(b.gRecs)]
	copy(recs[off:], b.gRecs)
	na := len(a.gStart) - 1
	starts := rs.gStart[:na+len(b.gStart)]
	for i, x := range b.gStart {
		starts[na+i] = x + uint32(off)
	}
	rs.gRecs, rs.gStart = recs, starts
	rs.cur, rs.bk, rs.ix = nil, nil, nil
	rs.keys, rs.vals = nil, arena{}
	rs.rec, rs.rankOf = nil, nil
}

func (rs *ruleSpec) group(keep bool) {
	rs.gStart = rs.gStart[:0]
	rs.gRecs = rs.gRecs[:0]
	if rs.presorted {
		idx := make([]uint32, len(rs.keys))
		for i := range idx {
			idx[i] = uint32(i)
		}
		rs.groupRuns(idx)
		if keep {
			rs.ix = &ruleIndex{keys: rs.keys, recs: rs.rec, vals: rs.vals}
		}
	} else {
		// Buckets are in key order (a bucket is the keys' top bits), so
		// sorting each and walking them in turn walks all keys in order.
		var ix *ruleIndex
		if keep {
			ix = &ruleIndex{keys: make([]uint64, 0, rs.n), recs: make([]uint32, 0, rs.n)}
		}
		var (
			idx  []uint32
			keys []uint64
			rec  []uint32
			sc   = radixScratch{huge: rs.huge}
		)
		// A bucket's entries are in input order, so mapping their input
		// indices to ranks as they are unpacked reads rankOf in
		// ascending order, where emit would read it in key order: a cache
		// and TLB miss per occurrence.
		rankOf := rs.rankOf
		rs.rankOf = nil
		// At most one group member per occurrence: size once, no regrowth.
		// (make, not slices.Grow: a large fresh allocation skips zeroing
		// memory the kernel already zeroed, which Grow's append cannot.)
		rs.gRecs = growCap(rs.huge, true, rs.gRecs, rs.n)
		rs.gStart = growCap(rs.huge, false, rs.gStart, rs.n+1)
		for bi := range rs.bk {
			b := &rs.bk[bi]
			keys, rec = rs.unpack(b, keys, rec)
			if rankOf != nil {
				for i, x := range rec {
					rec[i] = rankOf[x]
				}
			}
			idx = idx[:0]
			for i := range b.n {
				idx = append(idx, uint32(i))
			}
			sc.sort(keys, idx)
			rs.keys, rs.rec, rs.cur = keys, rec, b
			rs.groupRuns(idx)
			if keep {
				for i, o := range idx {
					ix.keys = append(ix.keys, keys[i])
					ix.recs = append(ix.recs, rec[o])
					ix.vals.add(rs.val(o))
				}
			}
			rs.bk[bi] = bucket{} // free as we go
		}
		rs.cur, rs.bk, rs.ix = nil, nil, ix
	}
	rs.gStart = append(rs.gStart, uint32(len(rs.gRecs)))
	rs.keys, rs.vals = nil, arena{}
	rs.rec, rs.rankOf = nil, nil
}

// growCap returns s with room for n more elements, allocated with make
// when it must move; fill says the room will mostly be used (bigSlice),
// else it is only a bound (boundSlice).
func growCap(huge, fill bool, s []uint32, n int) []uint32 {
	if cap(s)-len(s) >= n {
		return s
	}
	var t []uint32
	if fill {
		t = bigSlice[uint32](huge, len(s), len(s)+n)
	} else {
		t = boundSlice[uint32](huge, len(s), len(s)+n)
	}
	copy(t, s)
	return t
}

// ruleIndex is one rule's occurrences in key order, kept for Result.Add.
type ruleIndex struct {
	keys []uint64
	recs []uint32 // ranks
	vals arena
}

// groupRuns appends the groups of rs.keys (sorted, idx giving each key's
// occurrence) to gStart and gRecs, splitting runs of equal keys by full
// value.
func (rs *ruleSpec) groupRuns(idx []uint32) {
	n := len(idx)
	var sub [][]uint32
	pf := 0 // occurrences before pf were considered for prefetching
	for s := 0; s < n; {
		// Start loading the values of occurrences a few runs ahead that
		// will be compared (those sharing their key with a neighbour):
		// they lie at random in the bucket, a cache miss each.
		for lim := min(s+groupAhead, n); pf < lim; pf++ {
			if (pf > 0 && rs.keys[pf] == rs.keys[pf-1]) || (pf+1 < n && rs.keys[pf+1] == rs.keys[pf]) {
				rs.prefetchVal(idx[pf])
			}
		}
		e := s + 1
		for e < n && rs.keys[e] == rs.keys[s] {
			e++
		}
		if e-s == 1 {
			if rs.values >= 0 {
				rs.emit(idx[s:e])
			}
			s = e
			continue
		}
		run := idx[s:e]
		same := true
		for _, x := range run[1:] {
			if !rs.sameVal(run[0], x) {
				same = false
				break
			}
		}
		if same {
			rs.emit(run)
		} else {
			// A compact-key collision: split the run by full value, in
			// value order so the result does not depend on input order.
			sub = sub[:0]
			sorted := slices.Clone(run)
			slices.SortFunc(sorted, func(a, b uint32) int { return bytes.Compare(rs.val(a), rs.val(b)) })
			for a := 0; a < len(sorted); {
				b := a + 1
				for b < len(sorted) && bytes.Equal(rs.val(sorted[a]), rs.val(sorted[b])) {
					b++
				}
				sub = append(sub, sorted[a:b])
				a = b
			}
			for _, sg := range sub {
				rs.emit(sg)
			}
		}
		s = e
	}
}

// groupAhead is how many occurrences ahead of the run being grouped
// groupRuns prefetches values.
const groupAhead = 16

// prefetchVal starts loading occurrence o's value in the bucket being
// grouped.
func (rs *ruleSpec) prefetchVal(o uint32) {
	if b := rs.cur; b != nil {
		st, _ := rs.entry(b, o)
		prefetch(uintptr(unsafe.Pointer(&b.data[st+entryHead])))
	}
}

// sameVal reports whether occurrences a and b have the same full value.
// Split digests (the usual values) compare as a tag and three words
// inline, not through a call per comparison.
func (rs *ruleSpec) sameVal(a, b uint32) bool {
	if bk := rs.cur; bk != nil && rs.stride == splitLen {
		const w = entryHead + splitLen
		x := bk.data[int(a)*w+entryHead:][:splitLen]
		y := bk.data[int(b)*w+entryHead:][:splitLen]
		return x[0] == y[0] &&
			binary.LittleEndian.Uint64(x[1:]) == binary.LittleEndian.Uint64(y[1:]) &&
			binary.LittleEndian.Uint64(x[9:]) == binary.LittleEndian.Uint64(y[9:]) &&
			binary.LittleEndian.Uint64(x[17:]) == binary.LittleEndian.Uint64(y[17:])
	}
	return bytes.Equal(rs.val(a), rs.val(b))
}

// emit appends one group: its records' ranks, sorted and deduplicated.
func (rs *ruleSpec) emit(occ []uint32) {
	s := len(rs.gRecs)
	for _, o := range occ {
		rs.gRecs = append(rs.gRecs, rs.rec[o]) // ranks (see group)
	}
	g := rs.gRecs[s:]
	if len(g) > 1 {
		if len(g) <= 12 {
			for i := 1; i < len(g); i++ {
				for j := i; j > 0 && g[j] < g[j-1]; j-- {
					g[j], g[j-1] = g[j-1], g[j]
				}
			}
		} else {
			slices.Sort(g)
		}
		g = slices.Compact(g)
		rs.gRecs = rs.gRecs[:s+len(g)]
	}
	if len(g) == 1 && rs.values < 0 {
		rs.gRecs = rs.gRecs[:s]
		return
	}
	rs.gStart = append(rs.gStart, uint32(s))
}

func (rs *ruleSpec) groups() int { return max(len(rs.gStart)-1, 0) }

func (rs *ruleSpec) members(g int) []uint32 { return rs.gRecs[rs.gStart[g]:rs.gStart[g+1]] }
