package identity

import (
	"bytes"
	"context"
	"encoding/binary"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sync/errgroup"
)

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
