//go:build !unix

package detect

// cpuSeconds is not measured here; benchmarks then report 0 CPU seconds.
func cpuSeconds() float64 { return 0 }
