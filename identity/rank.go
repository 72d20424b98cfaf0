package identity

import (
	"bytes"
	"sort"
	"strings"
	"sync"
)

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
