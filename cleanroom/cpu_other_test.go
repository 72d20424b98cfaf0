//go:build !unix

package cleanroom_test

// cpuSeconds reports 0 where getrusage is unavailable.
func cpuSeconds() float64 { return 0 }
