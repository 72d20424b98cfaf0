package filezone

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
)

// A link is durable only once the directory holding it is synced, and a
// directory Put created is durable only once its own parent is: after a
// Put into fresh directories, every directory from the root down to the
// object's must have been synced.
func TestPutSyncsEveryDirectoryItCreated(t *testing.T) {
	var (
		mu     sync.Mutex
		synced []string
	)
	orig := syncDir
	syncDir = func(dir string) error {
		mu.Lock()
		synced = append(synced, dir)
		mu.Unlock()
		return orig(dir)
	}
	t.Cleanup(func() { syncDir = orig })

	root := t.TempDir()
	b, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(t.Context(), "a/b/c/k", strings.NewReader("x"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{root, filepath.Join(root, "a"), filepath.Join(root, "a", "b"), filepath.Join(root, "a", "b", "c")} {
		if !slices.Contains(synced, d) {
			t.Errorf("directory %s was not synced (synced: %q)", strings.TrimPrefix(d, root), synced)
		}
	}
	// A second object in existing directories syncs only its own.
	synced = nil
	if _, err := b.Put(t.Context(), "a/b/c/k2", strings.NewReader("x"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(root, "a", "b", "c")}; !slices.Equal(synced, want) {
		t.Errorf("synced %q, want only the object's directory", synced)
	}
	// NoSync syncs nothing.
	synced = nil
	nb, err := New(t.TempDir(), func(o *Options) { o.NoSync = true })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nb.Put(t.Context(), "x/y", strings.NewReader("x"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 0 {
		t.Errorf("NoSync synced %d directories", len(synced))
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("reader panicked") }

// A panic in the caller's reader, which filezone reads on its own
// goroutine, reaches the caller's goroutine (where its recover, such as
// net/http's per-request one, can catch it) instead of killing the process.
func TestReaderPanicReachesTheCaller(t *testing.T) {
	root := t.TempDir()
	b, err := New(root, func(o *Options) { o.NoSync = true })
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p := recover(); p != "reader panicked" {
			t.Fatalf("recovered %v, want the reader's panic", p)
		}
		if ents, err := os.ReadDir(filepath.Join(root, tmpDir)); err != nil || len(ents) != 0 {
			t.Fatalf("staging directory holds %d files (err %v) after the panic", len(ents), err)
		}
	}()
	b.Put(t.Context(), "k", panicReader{}, zones.PutOptions{})
	t.Fatal("Put returned normally")
}
