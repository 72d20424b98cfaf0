package identity

import (
	"encoding/binary"
	"math/bits"
)

// Compact keys: every identifier value (or combination of values for a
// conjunctive rule) is encoded once into a byte string and hashed to 64 bits.
// Linking sorts the 64-bit keys; records whose keys are equal are linked only
// after their full encoded values compare equal, so a collision can never
// merge two persons.

const (
	tagRaw = 0 // raw bytes follow
	tagHex = 1 // a 64-digit lowercase hex value, decoded to 32 bytes
	tagAnd = 2 // a conjunction: (len uint16, encoded component)...
)

// maxValueLen bounds one identifier value, so encoded lengths fit 16 bits.
const maxValueLen = 4096

// hexVal maps '0'-'9' and 'a'-'f' to their value and every other byte
// (uppercase hex included, so the encoding stays injective) to 0xff.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	return t
}()

// appendValue appends the injective encoding of v to dst.
func appendValue(dst []byte, v string) []byte {
	if len(v) == 64 {
		var out [33]byte
		out[0] = tagHex
		var bad byte
		for i := 0; i < 32; i++ {
			hi, lo := hexVal[v[2*i]], hexVal[v[2*i+1]]
			bad |= hi | lo
			out[i+1] = hi<<4 | lo
		}
		if bad&0xf0 == 0 {
			return append(dst, out[:]...)
		}
	}
	dst = append(dst, tagRaw)
	return append(dst, v...)
}

const (
	p0 = 0xa0761d6478bd642f
	p1 = 0xe7037ed1a0b428db
	p2 = 0x8ebc6af09c88c6e3
	p3 = 0x589965cc75374cc3
)

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hash64 is a fixed-seed wyhash-style hash: deterministic across processes,
// so everything derived from it (processing order, new person ids) is too.
func hash64(b []byte, seed uint64) uint64 {
	h := seed ^ p0 ^ uint64(len(b))*p3
	for len(b) >= 16 {
		h = mum(binary.LittleEndian.Uint64(b)^p1, binary.LittleEndian.Uint64(b[8:])^h)
		b = b[16:]
	}
	if len(b) >= 8 {
		h = mum(binary.LittleEndian.Uint64(b)^p1, h^p2)
		b = b[8:]
	}
	var t uint64
	for i := len(b) - 1; i >= 0; i-- {
		t = t<<8 | uint64(b[i])
	}
	return mum(h^p3, t^p2^p0)
}

func hashString(s string, seed uint64) uint64 {
	// Strings short enough to copy on the stack avoid an allocation.
	var buf [256]byte
	if len(s) <= len(buf) {
		n := copy(buf[:], s)
		return hash64(buf[:n], seed)
	}
	return hash64([]byte(s), seed)
}

// arena stores the encoded values of one rule in input order, in chunks so
// growth never copies what is already stored. While every value has the same
// length (the usual case: all digests), no per-value offsets are kept.
type arena struct {
	chunks [][]byte
	stride int      // fixed length of every value so far; -1 once they differ
	refs   []uint64 // when stride < 0: chunk<<40 | offset<<16 | length
	n      int
	shift  uint // see perShift; set by the first add in fixed mode
}

const chunkSize = 1 << 22

func (a *arena) add(v []byte) {
	if a.n == 0 {
		a.stride = len(v)
	} else if a.stride >= 0 && len(v) != a.stride {
		a.refs = make([]uint64, a.n, max(2*a.n, 16))
		for i := range a.n {
			c, o := a.fixedPos(i)
			a.refs[i] = uint64(c)<<40 | uint64(o)<<16 | uint64(a.stride)
		}
		a.stride = -1
	}
	if a.stride >= 0 && a.stride > 0 {
		per := 1 << a.perShift()
		if a.n%per == 0 {
			a.chunks = append(a.chunks, make([]byte, 0, per*a.stride))
		}
		c := &a.chunks[len(a.chunks)-1]
		*c = append(*c, v...)
		a.n++
		return
	}
	if a.stride == 0 {
		a.n++
		return
	}
	if len(a.chunks) == 0 || len(a.chunks[len(a.chunks)-1])+len(v) > chunkSize {
		a.chunks = append(a.chunks, make([]byte, 0, chunkSize))
	}
	ci := len(a.chunks) - 1
	off := len(a.chunks[ci])
	a.chunks[ci] = append(a.chunks[ci], v...)
	a.refs = append(a.refs, uint64(ci)<<40|uint64(off)<<16|uint64(len(v)))
	a.n++
}

// perShift is log2 of the entries per chunk in fixed-stride mode: a power
// of two, so finding an entry takes a shift and a mask, not a division.
func (a *arena) perShift() uint {
	if a.shift == 0 {
		a.shift = uint(bits.Len(uint(chunkSize/a.stride))) - 1
	}
	return a.shift
}

func (a *arena) fixedPos(i int) (chunk, off int) {
	if a.stride == 0 {
		return 0, 0
	}
	sh := a.shift
	return i >> sh, (i & (1<<sh - 1)) * a.stride
}

func (a *arena) get(i int) []byte {
	if a.stride >= 0 {
		if a.stride == 0 {
			return nil
		}
		c, o := a.fixedPos(i)
		return a.chunks[c][o : o+a.stride]
	}
	r := a.refs[i]
	c, o, l := int(r>>40), int(r>>16&0xffffff), int(r&0xffff)
	return a.chunks[c][o : o+l]
}

// radixSort sorts keys ascending, carrying idx along. It is an MSD radix
// sort: one scatter pass on the top significant bits (about log2(n)-3 of
// them) puts every key in a bucket small enough to finish by insertion sort
// (compact keys are uniform, so buckets are even). The order of equal keys is not kept; callers do not
// depend on it.
func radixSort(keys []uint64, idx []uint32) {
	n := len(keys)
	if n < 2 {
		return
	}
	var hi uint64
	for _, k := range keys {
		hi |= k
	}
	k2 := make([]uint64, n)
	i2 := make([]uint32, n)
	msd(keys, idx, k2, i2, uint(bits.Len64(hi)))
}

// msd sorts keys (and idx) whose bits at and above top are equal, using
// k2, i2 as scratch of the same length.
func msd(keys []uint64, idx []uint32, k2 []uint64, i2 []uint32, top uint) {
	n := len(keys)
	if n <= 64 || top == 0 {
		insertionSort(keys, idx)
		return
	}
	// About 8 keys per sub-bucket: enough digits to finish by insertion
	// sort, few enough that the counts stay small.
	digit := uint(min(max(bits.Len(uint(n))-3, 4), 16))
	shift := uint(0)
	if top > digit {
		shift = top - digit
	} else {
		digit = top
	}
	nb := 1 << digit
	mask := uint64(nb - 1)
	count := make([]int, nb+1)
	for _, k := range keys {
		count[(k>>shift)&mask+1]++
	}
	for i := 1; i <= nb; i++ {
		count[i] += count[i-1]
	}
	pos := make([]int, nb)
	copy(pos, count[:nb])
	for i, k := range keys {
		d := (k >> shift) & mask
		p := pos[d]
		pos[d] = p + 1
		k2[p] = k
		i2[p] = idx[i]
	}
	copy(keys, k2)
	copy(idx, i2)
	if shift == 0 {
		return
	}
	for b := 0; b < nb; b++ {
		s, e := count[b], count[b+1]
		if e-s > 1 {
			msd(keys[s:e], idx[s:e], k2[s:e], i2[s:e], shift)
		}
	}
}

func insertionSort(keys []uint64, idx []uint32) {
	for i := 1; i < len(keys); i++ {
		k, x := keys[i], idx[i]
		j := i
		for j > 0 && keys[j-1] > k {
			keys[j], idx[j] = keys[j-1], idx[j-1]
			j--
		}
		keys[j], idx[j] = k, x
	}
}
