package identity

// prefetch asks the CPU to start loading the cache line holding addr, so
// that a later load from it does not stall. It never faults, whatever
// addr is; a uintptr, so that an address past an allocation is never
// seen by the garbage collector as a pointer.
func prefetch(addr uintptr)

// prefetchW is prefetch for a line about to be written.
func prefetchW(addr uintptr)
