package identity

import "unsafe"

// bigSlice is make([]T, n, c) for the arrays that scale with the input.
// With huge (Options.HugePages) and where the platform allows (Linux), it
// asks the kernel to back whole 2 MiB pages of the array with transparent
// huge pages (madvise MADV_HUGEPAGE). The advice is a hint; failures are
// ignored.
func bigSlice[T any](huge bool, n, c int) []T {
	s := make([]T, n, c)
	var z T
	if size := uintptr(c) * unsafe.Sizeof(z); huge && size >= hugeMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}

const (
	hugePage = 2 << 20
	hugeMin  = 2 * hugePage // smaller arrays rarely hold a whole aligned huge page
)
