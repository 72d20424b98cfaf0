//go:build unix

package zones_test

import "syscall"

// settle flushes dirty pages left by earlier iterations (outside the
// timer), so that one variant does not pay for another's writeback.
func settle() { syscall.Sync() }
