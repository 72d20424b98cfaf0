package identity

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestBigSliceAdvisesHugePages reads /proc/self/smaps: the 2 MiB-aligned
// middle of a large slice made with huge set must lie in a mapping flagged
// "hg" (MADV_HUGEPAGE). (Slices made without it are not checked: the
// runtime may place them in a range an earlier advised slice left
// flagged, the documented side effect.)
func TestBigSliceAdvisesHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
	on := bigSlice[uint64](true, 0, 8<<20/8) // 8 MiB
	p := uintptr(unsafe.Pointer(unsafe.SliceData(on)))
	mid := (p+hugePage-1)&^(hugePage-1) + 4096
	flags, ok := vmFlags(t, mid)
	if !ok {
		t.Skip("no VmFlags in /proc/self/smaps")
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Error("a large slice made with huge pages is not advised MADV_HUGEPAGE")
	}
	// Small or empty slices are left alone and do not crash.
	_ = bigSlice[byte](true, 0, 0)
	_ = bigSlice[byte](true, 10, 100)
	_ = bigSlice[struct{}](true, 0, 1<<30)
}

// vmFlags returns the VmFlags line of the mapping holding address p.
func vmFlags(t *testing.T, p uintptr) (string, bool) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := vmaRange(line); ok {
			in = lo <= p && p < hi
			continue
		}
		if in {
			if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
				return v, true
			}
		}
	}
	t.Fatal("address not found in /proc/self/smaps")
	return "", false
}

func vmaRange(line string) (lo, hi uintptr, ok bool) {
	r, _, _ := strings.Cut(line, " ")
	a, b, found := strings.Cut(r, "-")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.ParseUint(a, 16, 64)
	y, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(x), uintptr(y), true
}

// TestPopulateFaultsIn maps fresh memory (no page of it resident), has
// populate fault in a range that starts and ends mid-page, and reads
// residency back with mincore: exactly the whole pages inside the range
// must be resident. (The mapping's last page probes kernel support.)
func TestPopulateFaultsIn(t *testing.T) {
	ps := int(pageSize)
	m, err := syscall.Mmap(-1, 0, 64*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer func() { _ = syscall.Munmap(m[:cap(m)]) }()
	if err := syscall.Madvise(m[63*ps:], madvPopulateWrite); err != nil {
		t.Skip("kernel without MADV_POPULATE_WRITE (before Linux 5.14):", err)
	}
	m = m[:63*ps]
	for i, in := range residency(t, m) {
		if in {
			t.Fatalf("page %d of a fresh mapping is resident", i)
		}
	}
	// From the middle of page 0 to the middle of page 62: pages 1-61.
	populate(unsafe.Pointer(&m[ps/2]), uintptr(62*ps))
	for i, in := range residency(t, m) {
		if want := i >= 1 && i <= 61; in != want {
			t.Errorf("page %d resident = %v, want %v", i, in, want)
		}
	}
	for _, b := range m {
		if b != 0 {
			t.Fatal("populate changed the memory's contents")
		}
	}
}

// residency reports which pages of m are resident.
func residency(t *testing.T, m []byte) []bool {
	t.Helper()
	vec := make([]byte, (len(m)+int(pageSize)-1)/int(pageSize))
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Skip("mincore:", e)
	}
	out := make([]bool, len(vec))
	for i, v := range vec {
		out[i] = v&1 != 0
	}
	return out
}

// TestPopulateAhead: a growing array's room is faulted in one step at a
// time, never past its capacity.
func TestPopulateAhead(t *testing.T) {
	ps := int(pageSize)
	size := populateStep + 4*ps
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer func() { _ = syscall.Munmap(m) }()
	if err := syscall.Madvise(m[size-ps:], madvPopulateWrite); err != nil {
		t.Skip("kernel without MADV_POPULATE_WRITE (before Linux 5.14):", err)
	}
	s := m[: 0 : size-ps] // the last page probed support above
	resident := func() int {
		n := 0
		for _, in := range residency(t, m[:size-ps]) {
			if in {
				n++
			}
		}
		return n
	}
	if n := resident(); n != 0 {
		t.Fatalf("%d pages resident before", n)
	}
	done := populateAhead(s, 0)
	if done != populateStep || resident() != populateStep/ps {
		t.Fatalf("first step: done %d, %d pages resident", done, resident())
	}
	done = populateAhead(s, done)
	if done != cap(s) || resident() != cap(s)/ps {
		t.Fatalf("second step: done %d of %d, %d pages resident", done, cap(s), resident())
	}
	if populateAhead(s, done) != done {
		t.Fatal("a step past the capacity")
	}
}

// TestSparseRuleNotFaultedIn: ExpectedRecords sizes every rule's buckets
// for one occurrence per record, but a rule whose kind is rare must not
// make that room resident: it is faulted in as it fills. (Memory the
// runtime reuses may already be resident, which can only make resident
// memory grow less.)
func TestSparseRuleNotFaultedIn(t *testing.T) {
	const hint = 4 << 20 // room for about 150 MB of entries
	rs := &ruleSpec{hint: hint, bbits: bucketBits, bshift: 64 - bucketBits}
	before := vmRSS(t)
	var v [splitLen]byte
	for i := range 1000 {
		rs.add(uint64(i)<<40*7919, uint32(i), v[:])
	}
	if grew := vmRSS(t) - before; grew > 32<<20 {
		t.Errorf("1000 occurrences made %d MiB resident", grew>>20)
	}
	if rs.n != 1000 {
		t.Fatalf("stored %d occurrences", rs.n)
	}
}

func vmRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}
