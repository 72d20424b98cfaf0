package identity

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
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
		n := len(dst)
		dst = slices.Grow(dst, 33)[:n+33]
		dst[n] = tagHex
		if decodeHex64((*[32]byte)(dst[n+1:]), v) {
			return dst
		}
		dst = dst[:n] // not lowercase hex: what was decoded is dropped
	}
	dst = append(dst, tagRaw)
	return append(dst, v...)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// decodeHex64 decodes 64 lowercase hex digits into out, eight digits at a
// time within a uint64 (SWAR), and reports whether every byte was a
// lowercase hex digit. It agrees with decoding through hexVal.
func decodeHex64(out *[32]byte, v string) bool {
	src := unsafe.Slice(unsafe.StringData(v), 64) // read only
	var bad uint64
	for i := 0; i < 8; i++ {
		x := binary.LittleEndian.Uint64(src[i*8:])
		// With every byte below 0x80, adding c per byte never carries
		// into the next one, so bit 7 of each byte tests that byte.
		bad |= x & msb
		geDigit := (x + (0x80-'0')*lsb) & msb // c >= '0'
		gtDigit := (x + (0x7f-'9')*lsb) & msb // c > '9'
		geAlpha := (x + (0x80-'a')*lsb) & msb // c >= 'a'
		gtAlpha := (x + (0x7f-'f')*lsb) & msb // c > 'f'
		digit := geDigit &^ gtDigit
		alpha := geAlpha &^ gtAlpha
		bad |= ^(digit | alpha) & msb
		// nibble values: low four bits, plus 9 for 'a'-'f'
		n := x&(0x0f*lsb) + (alpha>>7)*9
		// first digit of each pair is the high nibble
		t := (n<<4 | n>>8) & 0x00ff00ff00ff00ff
		t = (t | t>>8) & 0x0000ffff0000ffff
		t = (t | t>>16) & 0xffffffff
		binary.LittleEndian.PutUint32(out[i*4:], uint32(t))
	}
	return bad == 0
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
	if len(s) == 0 {
		return hash64(nil, seed)
	}
	return hash64(unsafe.Slice(unsafe.StringData(s), len(s)), seed) // read only
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
	hint   int  // expected entries, for sizing refs once lengths differ
	huge   bool // Options.HugePages
}

const chunkSize = 1 << 22

func (a *arena) add(v []byte) {
	if a.n == 0 {
		a.stride = len(v)
	} else if a.stride >= 0 && len(v) != a.stride {
		c := max(2*a.n, 16, a.hint)
		a.refs = bigSlice[uint64](a.huge, a.n, c)
		for i := range a.n {
			c, o := a.fixedPos(i)
			a.refs[i] = uint64(c)<<40 | uint64(o)<<16 | uint64(a.stride)
		}
		a.stride = -1
	}
	if a.stride >= 0 && a.stride > 0 {
		per := 1 << a.perShift()
		if a.n%per == 0 {
			a.chunks = append(a.chunks, a.chunk(per*a.stride))
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
		a.chunks = append(a.chunks, a.chunk(chunkSize))
	}
	ci := len(a.chunks) - 1
	off := len(a.chunks[ci])
	a.chunks[ci] = append(a.chunks[ci], v...)
	a.refs = append(grow(a.huge, a.refs, 1), uint64(ci)<<40|uint64(off)<<16|uint64(len(v)))
	a.n++
}

// chunk returns a new chunk of capacity c. Chunks after the first are
// faulted in ahead (see bigSlice): an arena that filled one chunk is
// filling more, while most arenas never fill their first.
func (a *arena) chunk(c int) []byte {
	if len(a.chunks) == 0 {
		return boundSlice[byte](a.huge, 0, c)
	}
	return bigSlice[byte](a.huge, 0, c)
}

// trim releases the room for offsets that a hint reserved and ingest did
// not use (the arena lives as long as the Result).
func (a *arena) trim() {
	if cap(a.refs)-len(a.refs) > len(a.refs)/4+1024 {
		a.refs = slices.Clone(a.refs)
	}
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
	var sc radixScratch
	sc.sort(keys, idx)
}

// radixScratch holds radixSort's scratch, reused from one sort to the next
// (grouping sorts one bucket after another).
type radixScratch struct {
	k2    []uint64
	i2    []uint32
	count [][]int
	huge  bool // Options.HugePages
}

func (sc *radixScratch) sort(keys []uint64, idx []uint32) {
	sc.sortParallel(keys, idx, 1)
}

// msd sorts keys (and idx) whose bits at and above top are equal, using
// k2, i2 as scratch of the same length.
func (sc *radixScratch) msd(keys []uint64, idx []uint32, k2 []uint64, i2 []uint32, top uint, depth int) {
	if len(keys) <= 64 || top == 0 {
		insertionSort(keys, idx)
		return
	}
	count, shift := sc.scatter(keys, idx, k2, i2, top, depth)
	if shift == 0 {
		return
	}
	for b := range len(count) - 1 {
		s, e := count[b], count[b+1]
		if e-s > 1 {
			sc.msd(keys[s:e], idx[s:e], k2[s:e], i2[s:e], shift, depth+1)
		}
	}
}

// scatter distributes keys (and idx) on their next digit below top, and
// returns the sub-buckets' bounds (count[b] to count[b+1]) and the shift
// of the digit, below which the sub-buckets are still to sort.
func (sc *radixScratch) scatter(keys []uint64, idx []uint32, k2 []uint64, i2 []uint32, top uint, depth int) ([]int, uint) {
	n := len(keys)
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
	// counts (nb+1) then positions (nb), one buffer per recursion depth
	for len(sc.count) <= depth {
		sc.count = append(sc.count, nil)
	}
	if cap(sc.count[depth]) < 2*nb+1 {
		sc.count[depth] = make([]int, 2*nb+1)
	}
	cp := sc.count[depth][:2*nb+1]
	count := cp[:nb+1]
	clear(count)
	for _, k := range keys {
		count[(k>>shift)&mask+1]++
	}
	for i := 1; i <= nb; i++ {
		count[i] += count[i-1]
	}
	pos := cp[nb+1:]
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
	return count, shift
}

// sortParallel is sort with the sub-buckets of the first digit sorted by
// workers goroutines, each taking a contiguous run of about as many keys.
func (sc *radixScratch) sortParallel(keys []uint64, idx []uint32, workers int) {
	n := len(keys)
	if n < 2 {
		return
	}
	var hi uint64
	for _, k := range keys {
		hi |= k
	}
	if cap(sc.k2) < n {
		sc.k2 = bigSlice[uint64](sc.huge, n, n)
		sc.i2 = bigSlice[uint32](sc.huge, n, n)
	}
	k2, i2 := sc.k2[:n], sc.i2[:n]
	top := uint(bits.Len64(hi))
	if workers < 2 || n <= 64 || top == 0 {
		sc.msd(keys, idx, k2, i2, top, 0)
		return
	}
	count, shift := sc.scatter(keys, idx, k2, i2, top, 0)
	if shift == 0 {
		return
	}
	nb := len(count) - 1
	var wg sync.WaitGroup
	lo := 0
	for w := range workers {
		// buckets [lo, hi) hold about keys (w+1)*n/workers and below
		hi := lo
		for hi < nb && (w == workers-1 || count[hi+1] <= (w+1)*n/workers) {
			hi++
		}
		if hi == lo && hi < nb && w < workers-1 {
			hi++ // one bucket larger than a share
		}
		first, last := lo, hi
		wg.Go(func() {
			sub := radixScratch{huge: sc.huge}
			for b := first; b < last; b++ {
				s, e := count[b], count[b+1]
				if e-s > 1 {
					sub.msd(keys[s:e], idx[s:e], k2[s:e], i2[s:e], shift, 1)
				}
			}
		})
		lo = hi
	}
	wg.Wait()
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
