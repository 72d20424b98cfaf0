//go:build !unix

package zones_test

// settle would flush dirty pages between benchmark variants; without
// sync(2) the variants may pay for each other's writeback.
func settle() {}
