package identity

import (
	"context"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
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
