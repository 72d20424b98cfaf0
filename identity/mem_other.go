//go:build !linux

package identity

import "unsafe"

func adviseHuge(unsafe.Pointer, uintptr) {}
