package identity

import (
	"context"
	"iter"
	"reflect"
	"slices"
	"time"
)

// Add resolves a batch of new records into an existing resolution made
// with Options.Incremental, and returns the combined resolution; res is not
// changed. The old records are not re-read, re-hashed or re-sorted: the new
// batch is sorted on its own and merged into each rule's kept index, then
// the links and guards are replayed over the merged groups (linear passes).
// The result is the one Resolve would give on all the records with
// Options.Previous set to res.Lookup: person ids carry over by the same
// growth, merge and split rules.
//
// opts apply to a copy of the original options. Only Bounds, Logger,
// Concurrency, ExpectedRecords, HugePages and Previous (default: res's ids, mapped
// without lookups) may change; changing rules or guards returns an
// error matching ErrInvalidInput (run Resolve again instead).
//
// Bounds default to the original ones and are checked on the combined
// result, except that Bounds.Baseline is res's statistics: the growth
// bounds (MaxLargestClusterGrowth, MaxLinkageRateIncrease) measure what
// this batch changed. Set Bounds in opts to replace them. A failed bound
// returns the combined Result with a *BoundError, as Resolve does.
func (res *Result) Add(ctx context.Context, records iter.Seq2[Record, error], opts ...func(*Options)) (*Result, error) {
	const op = "add"
	if !res.opts.Incremental {
		return nil, invalid(op, "", "resolution was not made with Options.Incremental")
	}
	o := res.opts
	o.Previous = nil
	// Bounds carry over, checked on the combined result; growth bounds
	// compare it with the result being extended.
	baseline := res.stats
	o.Bounds.Baseline = &baseline
	for _, f := range opts {
		f(&o)
	}
	if !sameGuards(o, res.opts) {
		return nil, invalid(op, "", "Add cannot change rules or guards")
	}
	o, err := o.validate(op)
	if err != nil {
		return nil, err
	}
	o.Incremental = true
	start := time.Now()
	r := newResolver(o, op)
	r.prior = res
	// Intern the old sources and kinds first, in their order, so indices
	// match the old resolution's.
	for _, s := range res.sources {
		r.source(s)
	}
	for _, k := range res.kindNames {
		r.kind(k)
	}
	if err := r.ingest(ctx, records); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	r.mergeRecords(res)
	out, err := r.groupAndLink(ctx)
	if err != nil {
		return nil, err
	}
	if o.Previous != nil {
		err = out.assignIDs(ctx, o.Previous)
	} else {
		// The previous ids are the old result's: map them by rank, with
		// no string lookups.
		prevOf := make([]int32, out.n)
		for i := range prevOf {
			prevOf[i] = -1
		}
		clusterP := make([]int32, len(res.mStart)-1)
		for i := range clusterP {
			clusterP[i] = -1
		}
		for xo, xn := range r.oldTo {
			c := res.cluster[xo]
			p := clusterP[c]
			if p < 0 {
				p = int32(len(out.prevIDs))
				clusterP[c] = p
				out.prevIDs = append(out.prevIDs, res.personID(c))
			}
			prevOf[xn] = p
		}
		err = out.assignIDsFrom(prevOf)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	out.finishStats(start)
	if err := o.Bounds.check(&out.stats); err != nil {
		return out, err
	}
	return out, nil
}

func sameGuards(a, b Options) bool {
	return reflect.DeepEqual(a.Rules, b.Rules) && reflect.DeepEqual(a.Blocked, b.Blocked) &&
		reflect.DeepEqual(a.DegreeCap, b.DegreeCap) && a.DefaultDegreeCap == b.DefaultDegreeCap &&
		reflect.DeepEqual(a.Limits, b.Limits) && a.MaxClusterSize == b.MaxClusterSize &&
		reflect.DeepEqual(a.Overrides, b.Overrides) && a.keyBits == b.keyBits
}

// mergeRecords ranks the new records, merges them with the old ones in
// canonical order (folding re-sent records into the old ones), and merges
// each rule's new occurrences into the old sorted index.
func (r *resolver) mergeRecords(old *Result) {
	newInputs := len(r.recSrc)
	base := len(old.recSrc) // stored rows; old.inputN also counts rejected ones
	// Concatenate input-level arrays; old chunks are shared read-only.
	r.recSrc = slices.Concat(old.recSrc, r.recSrc)
	keys := old.recKey.clone()
	for i := range newInputs {
		keys.add(r.recKey.get(i))
	}
	r.recKey = keys
	r.base = base
	for i := range r.rejected {
		r.rejected[i].Index += old.inputN
	}
	r.inputN += old.inputN
	r.rejected = slices.Concat(old.rejected, r.rejected)
	// Kept and blocked counts accumulate; degree-capped values are
	// recounted by link.
	for k, ks := range r.kinds {
		if p, ok := old.stats.Kinds[ks.name]; ok && k < len(old.kindNames) {
			ks.stats.Kept += p.Kept
			ks.stats.Blocked += p.Blocked
		}
	}

	// Rank the new records alone (input indices base..), then merge.
	r.rankFrom(base)
	nNew := r.n
	newDup := r.dupRanks
	newFirst, newHash, newT0, newT1 := r.first, r.hashes, r.t0, r.t1
	newLast := func(j int) int64 { return lastTime(newT0, newT1, uint32(j)) }
	total := old.n + nNew
	r.first = make([]uint32, 0, total)
	r.hashes = make([]uint64, 0, total)
	r.t0 = make([]int64, 0, total)
	r.t1 = map[uint32]int64{}
	oldTo := make([]uint32, old.n)
	r.oldTo = oldTo
	newTo := make([]uint32, nNew)
	push := func(first uint32, h uint64, t0, t1 int64) uint32 {
		r.first = append(r.first, first)
		r.hashes = append(r.hashes, h)
		r.t0 = append(r.t0, t0)
		if t1 != t0 {
			r.t1[uint32(len(r.t0)-1)] = t1
		}
		return uint32(len(r.first) - 1)
	}
	var dup map[uint32]bool // ranks of records of more than one row
	i, j := 0, 0
	for i < old.n || j < nNew {
		c := 0
		switch {
		case j == nNew:
			c = -1
		case i == old.n:
			c = 1
		case old.hashes[i] < newHash[j]:
			c = -1
		case old.hashes[i] > newHash[j]:
			c = 1
		default:
			c = r.cmpRec(old.first[i], newFirst[j])
		}
		switch {
		case c < 0:
			oldTo[i] = push(old.first[i], old.hashes[i], old.t0[i], lastTime(old.t0, old.t1, uint32(i)))
			i++
		case c > 0:
			newTo[j] = push(newFirst[j], newHash[j], newT0[j], newLast(j))
			j++
		default:
			p := push(old.first[i], old.hashes[i], minTime(old.t0[i], newT0[j]), max(lastTime(old.t0, old.t1, uint32(i)), newLast(j)))
			oldTo[i], newTo[j] = p, p
			r.dups++
			if dup == nil {
				dup = map[uint32]bool{}
			}
			dup[p] = true
			i++
			j++
		}
	}
	r.n = len(r.first)
	for in, rk := range r.rankOf {
		r.rankOf[in] = newTo[rk]
	}
	for rk := range newDup {
		if dup == nil {
			dup = map[uint32]bool{}
		}
		dup[newTo[rk]] = true
	}
	r.dupRanks = dup

	// Per rule: sort the new occurrences, merge with the old index.
	for _, rs := range r.rules {
		rs.flatten()
		ox := old.ix[rs.key()]
		if len(rs.kinds) > 1 {
			r.poolAdd(rs, ox, old.parts[rs.key()])
		}
		n := len(rs.keys)
		idx := make([]uint32, n)
		for x := range idx {
			idx[x] = uint32(x)
		}
		radixSort(rs.keys, idx)
		var oldN int
		if ox != nil {
			oldN = len(ox.keys)
		}
		mk := make([]uint64, 0, oldN+n)
		mr := make([]uint32, 0, oldN+n)
		var mv arena
		a, b := 0, 0
		for a < oldN || b < n {
			if b == n || a < oldN && ox.keys[a] <= rs.keys[b] {
				mk = append(mk, ox.keys[a])
				mr = append(mr, oldTo[ox.recs[a]])
				mv.add(ox.vals.get(a))
				a++
				continue
			}
			o := idx[b]
			mk = append(mk, rs.keys[b])
			mr = append(mr, r.rankOf[rs.rec[o]])
			mv.add(rs.vals.get(int(o)))
			b++
		}
		rs.keys, rs.rec, rs.vals = mk, mr, mv
		rs.presorted = true
	}
}

// poolAdd is poolRows for Add: it pools the new rows of a conjunctive rule
// (their combinations, flattened in rs.keys, rs.rec and rs.vals, and their
// parts) with the old rows of the same records (the old index ox and the
// old parts op), appends the combinations only the pooled values make, and
// leaves in rs.parts the old and new parts by rank.
func (r *resolver) poolAdd(rs *ruleSpec, ox *ruleIndex, op *partStore) {
	oldTo := r.oldTo
	var parts partStore
	if op != nil {
		for i, rk := range op.recs {
			parts.recs = append(parts.recs, oldTo[rk])
			parts.vals.add(op.vals.get(i))
		}
	}
	for i, in := range rs.parts.recs {
		parts.recs = append(parts.recs, r.rankOf[in])
		parts.vals.add(rs.parts.vals.get(i))
	}
	newParts := len(rs.parts.recs)
	if len(r.dupRanks) > 0 {
		pools := map[uint32]*pool{}
		// New rows first: a record none of whose new rows has a value of
		// the rule's kinds has nothing new to combine.
		for o, in := range rs.rec {
			if rk := r.rankOf[in]; r.dupRanks[rk] {
				p := pools[rk]
				if p == nil {
					p = &pool{in: in}
					pools[rk] = p
				}
				p.addComp(len(rs.kinds), rs.vals.get(o))
			}
		}
		for i, in := range rs.parts.recs {
			if rk := r.rankOf[in]; r.dupRanks[rk] {
				p := pools[rk]
				if p == nil {
					p = &pool{in: in}
					pools[rk] = p
				}
				p.addPart(rs.parts.vals.get(i))
			}
		}
		if ox != nil && len(pools) > 0 {
			for a, rk := range ox.recs {
				if p := pools[oldTo[rk]]; p != nil {
					p.addComp(len(rs.kinds), ox.vals.get(a))
				}
			}
		}
		if len(pools) > 0 {
			for i := range len(parts.recs) - newParts {
				if p := pools[parts.recs[i]]; p != nil {
					p.addPart(parts.vals.get(i))
				}
			}
		}
		var comp []byte
		for _, rk := range sortedRanks(pools) {
			p := pools[rk]
			comp = p.combine(rs, rk, comp, func(c []byte) {
				rs.keys = append(rs.keys, hash64(c, 0)&r.mask)
				rs.rec = append(rs.rec, p.in)
				rs.vals.add(c)
			})
		}
	}
	rs.parts = parts
}

// rankFrom is rank for records whose input indices start at base.
func (r *resolver) rankFrom(base int) {
	// rank works on local indices; cmpRec needs combined ones.
	r.base = base
	r.rank()
}

// clone returns an arena that shares a's full chunks and copies the last,
// so adding to the clone never writes memory a reads.
func (a *arena) clone() arena {
	c := arena{stride: a.stride, n: a.n, shift: a.shift, refs: slices.Clone(a.refs)}
	c.chunks = slices.Clone(a.chunks)
	if k := len(c.chunks); k > 0 {
		last := c.chunks[k-1]
		cp := make([]byte, len(last), cap(last))
		copy(cp, last)
		c.chunks[k-1] = cp
	}
	return c
}
