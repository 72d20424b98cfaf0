package identity

import (
	"encoding/binary"
	"unsafe"
)

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
