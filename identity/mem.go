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
	s := boundSlice[T](huge, n, c)
	populateTo(s, c)
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

// grow returns s with room for n more elements: when it must move, into
// an array of twice the capacity (or more if n needs it), whose part the
// copy fills is faulted in at once (see bigSlice). That serves the arrays
// that grow with the input when Options.ExpectedRecords is not set better
// than append: it grows large slices by a quarter, each time faulting in
// the whole copy a page at a time. The room left is not faulted in ahead:
// it may never be used.
func grow[T any](huge bool, s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := boundSlice[T](huge, len(s), max(2*cap(s), len(s)+n, 64))
	populateTo(t, len(s))
	copy(t, s)
	return t
}

// populateTo faults in the memory of s's first n elements (n up to its
// capacity; see bigSlice).
func populateTo[T any](s []T, n int) {
	var z T
	if size := uintptr(n) * unsafe.Sizeof(z); size >= populateMin {
		populate(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
}

// populateAhead faults in the next populateStep bytes of s's capacity
// from done bytes on, and returns the new done: for a growing array whose
// room should be faulted in a batch at a time as it fills, not all at
// once.
func populateAhead(s []byte, done int) int {
	if done >= cap(s) {
		return done
	}
	end := min(done+populateStep, cap(s))
	populate(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s)), done), uintptr(end-done))
	return end
}

const populateStep = 256 << 10

const (
	hugePage    = 2 << 20
	bigMin      = 2 * hugePage // smaller arrays rarely hold a whole aligned huge page
	populateMin = 64 << 10     // one madvise costs about what one page fault does
)
