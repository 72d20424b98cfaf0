//go:build !unix

package sqlengine_test

// cpuSeconds is not measured on this system.
func cpuSeconds() float64 { return 0 }
