package identity

import (
	"syscall"
	"unsafe"
)

// adviseHuge advises huge pages for the whole 2 MiB pages inside
// [p, p+size).
func adviseHuge(p unsafe.Pointer, size uintptr) {
	madvise(p, size, hugePage, syscall.MADV_HUGEPAGE)
}

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): fault the range
// in, writable, as writing to it would, without changing its contents.
// Older kernels reject it with EINVAL.
const madvPopulateWrite = 23

// populate faults in the whole pages inside [p, p+size).
func populate(p unsafe.Pointer, size uintptr) {
	madvise(p, size, pageSize, madvPopulateWrite)
}

var pageSize = uintptr(syscall.Getpagesize())

// madvise applies advice to the whole pages of size page inside [p, p+size).
func madvise(p unsafe.Pointer, size, page uintptr, advice int) {
	start := (uintptr(p) + page - 1) &^ (page - 1)
	end := (uintptr(p) + size) &^ (page - 1)
	if end <= start {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start), advice)
}
