package identity

import (
	"testing"
	"unsafe"
)

// TestPrefetchNeverFaults: prefetching is only a hint, whatever the
// address: unmapped, null, or one past a slice.
func TestPrefetchNeverFaults(t *testing.T) {
	s := make([]byte, 10)
	for _, a := range []uintptr{0, 1, ^uintptr(0), ^uintptr(0) - 63, uintptr(unsafe.Pointer(unsafe.SliceData(s))) + 10, uintptr(unsafe.Pointer(&s[0]))} {
		prefetch(a)
		prefetchW(a)
	}
}
