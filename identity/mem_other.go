//go:build !linux

package identity

import "unsafe"

func adviseHuge(unsafe.Pointer, uintptr) {}

func populate(unsafe.Pointer, uintptr) {}
