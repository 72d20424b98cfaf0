package identity

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

type candidate struct {
	c       uint32
	p       int32
	overlap int
}

// assignIDs gives every cluster its person id. With prev, ids carry over:
// candidates (cluster, previous id) are taken greedily in the order
// (previous person's size in this run desc, overlap desc, previous person's
// first seen asc, previous id asc, cluster asc), so on a merge the larger
// then older person's id survives and on a split the largest part keeps it.
// Other clusters get a new id derived from their smallest record, which is
// independent of input order.
func (res *Result) assignIDs(ctx context.Context, prev func(RecordRef) (string, bool)) error {
	var prevOf []int32
	if prev != nil {
		prevOf = make([]int32, res.n)
		idx := map[string]int32{}
		for x := range uint32(res.n) {
			if x&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			prevOf[x] = -1
			id, ok := prev(res.ref(x))
			if !ok || id == "" {
				continue
			}
			p, ok := idx[id]
			if !ok {
				p = int32(len(res.prevIDs))
				idx[id] = p
				res.prevIDs = append(res.prevIDs, id)
			}
			prevOf[x] = p
		}
	}
	return res.assignIDsFrom(prevOf)
}

// assignIDsFrom is assignIDs given each rank's previous id as an index into
// res.prevIDs (-1 for none), or nil when there is no previous run.
func (res *Result) assignIDsFrom(prevOf []int32) error {
	nc := len(res.mStart) - 1
	res.carried = make([]int32, nc)
	for i := range res.carried {
		res.carried[i] = -1
	}
	res.newID = make([]uint64, nc)
	used := map[uint64]bool{}
	var cands []candidate
	var bestFor []int // prev -> index into cands of its best cluster
	if prevOf != nil {
		size := make([]int, len(res.prevIDs))
		t0 := make([]int64, len(res.prevIDs))
		for i := range t0 {
			t0[i] = noTime
		}
		var pairs []uint64
		for x, p := range prevOf {
			if p < 0 {
				continue
			}
			size[p]++
			t0[p] = minTime(t0[p], res.t0[x])
			pairs = append(pairs, uint64(res.cluster[x])<<32|uint64(p))
		}
		slices.Sort(pairs)
		for i := 0; i < len(pairs); {
			j := i + 1
			for j < len(pairs) && pairs[j] == pairs[i] {
				j++
			}
			cands = append(cands, candidate{c: uint32(pairs[i] >> 32), p: int32(uint32(pairs[i])), overlap: j - i})
			i = j
		}
		pairs = nil
		older := func(a, b int64) int {
			switch {
			case a == b:
				return 0
			case a == noTime:
				return 1
			case b == noTime:
				return -1
			}
			return cmp.Compare(a, b)
		}
		slices.SortFunc(cands, func(a, b candidate) int {
			if c := cmp.Compare(size[b.p], size[a.p]); c != 0 {
				return c
			}
			if c := cmp.Compare(b.overlap, a.overlap); c != 0 {
				return c
			}
			if c := older(t0[a.p], t0[b.p]); c != 0 {
				return c
			}
			if c := cmp.Compare(res.prevIDs[a.p], res.prevIDs[b.p]); c != 0 {
				return c
			}
			return cmp.Compare(a.c, b.c)
		})
		taken := make([]bool, len(res.prevIDs))
		bestFor = make([]int, len(res.prevIDs))
		for i := range bestFor {
			bestFor[i] = -1
		}
		for i, cd := range cands {
			if bestFor[cd.p] < 0 {
				bestFor[cd.p] = i
			}
			if taken[cd.p] || res.carried[cd.c] >= 0 {
				continue
			}
			taken[cd.p] = true
			res.carried[cd.c] = cd.p
		}
		for _, id := range res.prevIDs {
			if v, ok := parseID(id); ok {
				used[v] = true
			}
		}
	}
	// New ids. Cluster c's smallest record has rank members[mStart[c]] and
	// clusters are numbered by smallest rank, so their hashes ascend and a
	// duplicate (a 64-bit record-hash collision) sits next to its twin.
	var extra map[uint64]bool
	var last uint64
	for c := range uint32(nc) {
		if res.carried[c] >= 0 {
			continue
		}
		h := res.hashes[res.members[res.mStart[c]]]
		v := fmix64(h ^ p2)
		if (c > 0 && h == last) || used[v] || extra[v] {
			if extra == nil {
				extra = map[uint64]bool{}
				for d := range uint32(nc) {
					extra[fmix64(res.hashes[res.members[res.mStart[d]]]^p2)] = true
				}
			}
			for a := uint64(1); used[v] || extra[v]; a++ {
				v = fmix64(h ^ p2 ^ a*p0)
			}
			extra[v] = true
		}
		last = h
		res.newID[c] = v
	}
	// Events and counts.
	firstCand := make([]int, nc)
	for i := range firstCand {
		firstCand[i] = -1
	}
	for i, cd := range cands {
		if firstCand[cd.c] < 0 {
			firstCand[cd.c] = i
		}
	}
	st := &res.stats
	for c := range nc {
		switch {
		case res.carried[c] >= 0:
			st.Carried++
		case firstCand[c] >= 0:
			st.Split++
			res.events = append(res.events, Event{Kind: EventSplit, Person: res.personID(uint32(c)), From: res.prevIDs[cands[firstCand[c]].p]})
		default:
			st.New++
		}
	}
	kept := make([]bool, len(res.prevIDs))
	for _, p := range res.carried {
		if p >= 0 {
			kept[p] = true
		}
	}
	for p, id := range res.prevIDs {
		if kept[p] {
			continue
		}
		st.Merged++
		res.events = append(res.events, Event{Kind: EventMerged, Person: res.personID(cands[bestFor[p]].c), From: id})
	}
	slices.SortFunc(res.events, func(a, b Event) int {
		if c := cmp.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		return cmp.Compare(a.From, b.From)
	})
	return nil
}

func parseID(s string) (uint64, bool) {
	if len(s) != 17 || s[0] != 'p' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 64)
	return v, err == nil && formatID(v) == s
}

func (res *Result) finishStats(start time.Time) {
	st := &res.stats
	nc := len(res.mStart) - 1
	st.Persons = nc
	sizes := make([]uint32, nc)
	linked := 0
	for c := range nc {
		s := res.mStart[c+1] - res.mStart[c]
		sizes[c] = s
		if s == 1 {
			st.Singletons++
		} else {
			linked += int(s)
		}
		st.LargestCluster = max(st.LargestCluster, int(s))
	}
	st.Sizes = histogram(sizes)
	if res.n > 0 {
		st.LinkageRate = float64(linked) / float64(res.n)
	}
	st.Elapsed = time.Since(start)
}

func (b Bounds) check(st *Stats) error {
	if b.MaxLargestCluster > 0 && st.LargestCluster > b.MaxLargestCluster {
		return &BoundError{Bound: "MaxLargestCluster", Limit: float64(b.MaxLargestCluster), Got: float64(st.LargestCluster)}
	}
	if b.MaxLinkageRate > 0 && st.LinkageRate > b.MaxLinkageRate {
		return &BoundError{Bound: "MaxLinkageRate", Limit: b.MaxLinkageRate, Got: st.LinkageRate}
	}
	if base := b.Baseline; base != nil {
		if g := b.MaxLargestClusterGrowth; g > 0 && base.LargestCluster > 0 {
			if lim := g * float64(base.LargestCluster); float64(st.LargestCluster) > lim {
				return &BoundError{Bound: "MaxLargestClusterGrowth", Limit: lim, Got: float64(st.LargestCluster)}
			}
		}
		if d := b.MaxLinkageRateIncrease; d > 0 {
			if lim := base.LinkageRate + d; st.LinkageRate > lim {
				return &BoundError{Bound: "MaxLinkageRateIncrease", Limit: lim, Got: st.LinkageRate}
			}
		}
	}
	return nil
}
