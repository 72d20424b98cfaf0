package identity

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestBigSliceAdvisesHugePages reads /proc/self/smaps: the 2 MiB-aligned
// middle of a large slice made with huge set must lie in a mapping flagged
// "hg" (MADV_HUGEPAGE), and one made without must not.
func TestBigSliceAdvisesHugePages(t *testing.T) {
	flagged := func(p uintptr) bool {
		f, err := os.Open("/proc/self/smaps")
		if err != nil {
			t.Skip("no /proc/self/smaps")
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
					return strings.Contains(" "+v+" ", " hg ")
				}
			}
		}
		t.Fatal("address not found in /proc/self/smaps")
		return false
	}
	mid := func(s []uint64) uintptr {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
		return (p+hugePage-1)&^(hugePage-1) + 4096
	}
	const n = 8 << 20 / 8 // 8 MiB
	on := bigSlice[uint64](true, 0, n)
	off := bigSlice[uint64](false, 0, n)
	if !flagged(mid(on)) {
		t.Error("a large slice made with huge pages is not advised MADV_HUGEPAGE")
	}
	if flagged(mid(off)) {
		t.Error("a large slice made without huge pages is advised MADV_HUGEPAGE")
	}
	// Small or empty slices are left alone and do not crash.
	_ = bigSlice[byte](true, 0, 0)
	_ = bigSlice[byte](true, 10, 100)
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
