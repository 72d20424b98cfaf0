package identity

import "unsafe"

// bigSlice is make([]T, n, c) for the arrays that scale with the input and
// that the run fills up to c. Where the platform allows (Linux 5.14 and
// up) their memory is faulted in with one madvise(MADV_POPULATE_WRITE)
// instead of one page fault per 4 KiB page as they fill: at 10M records
// that is about 470,000 faults, which cost a third of the run's CPU time
// on the virtual machines we measured and a quarter of that when batched.
// With huge (Options.HugePages) it first asks the kernel to back whole
// 2 MiB pages with transparent huge pages (madvise MADV_HUGEPAGE). Both
// are hints; failures are ignored.
func bigSlice[T any](huge bool, n, c int) []T {
	s := make([]T, n, c)
	var z T
	if size := uintptr(c) * unsafe.Sizeof(z); size >= populateMin {
		p := unsafe.Pointer(unsafe.SliceData(s))
		if huge && size >= bigMin {
			adviseHuge(p, size)
		}
		populate(p, size)
	}
	return s
}

// boundSlice is bigSlice for arrays whose capacity is only an upper bound
// on what the run writes (grouping's storage): it is not faulted in ahead,
// so pages never written are never backed.
func boundSlice[T any](huge bool, n, c int) []T {
	s := make([]T, n, c)
	var z T
	if size := uintptr(c) * unsafe.Sizeof(z); huge && size >= bigMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}

const (
	hugePage    = 2 << 20
	bigMin      = 2 * hugePage // smaller arrays rarely hold a whole aligned huge page
	populateMin = 64 << 10     // one madvise costs about what one page fault does
)
