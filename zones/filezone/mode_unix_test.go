//go:build unix

package filezone_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

// Objects and directories get the usual modes less the process umask, so
// another user's DuckDB or Spark can read the lake; FileMode and DirMode
// keep it owner-only. (Not parallel: the umask is process-wide.)
func TestModesRespectUmask(t *testing.T) {
	for _, tc := range []struct {
		name            string
		umask           int
		opt             func(*filezone.Options)
		file, dir, root fs.FileMode
	}{
		{"umask 022", 0o022, nil, 0o644, 0o755, 0o755},
		{"umask 027", 0o027, nil, 0o640, 0o750, 0o750},
		{"owner only", 0o022, func(o *filezone.Options) { o.FileMode, o.DirMode = 0o600, 0o700 }, 0o600, 0o700, 0o700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := syscall.Umask(tc.umask)
			defer syscall.Umask(old)
			root := filepath.Join(t.TempDir(), "lake")
			var opts []func(*filezone.Options)
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			b, err := filezone.New(root, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Put(t.Context(), "clean/c/p=1/k", strings.NewReader("x"), zones.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]fs.FileMode{
				"":              tc.root,
				"clean":         tc.dir,
				"clean/c/p=1":   tc.dir,
				"clean/c/p=1/k": tc.file,
			} {
				fi, err := os.Stat(filepath.Join(root, path))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != want {
					t.Errorf("%q: mode %v, want %v", path, fi.Mode().Perm(), want)
				}
			}
		})
	}
}
