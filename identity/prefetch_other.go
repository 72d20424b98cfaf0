//go:build !amd64

package identity

func prefetch(uintptr) {}

func prefetchW(uintptr) {}
