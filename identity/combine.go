package identity

import (
	"bytes"
	"encoding/binary"
	"slices"
)

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
