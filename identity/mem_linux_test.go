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
