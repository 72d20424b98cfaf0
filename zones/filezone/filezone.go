// Package filezone is a zones.Backend over a local directory: the embedded
// default. Objects are plain files at <root>/<key>, so the Hive-style layout
// the zones write (clean/customers/dt=2026-11-23/part-….parquet) can be read
// directly by DuckDB, Spark or pyarrow.
//
// Writes are create-only and atomic: the body goes to a temp file in
// <root>/.cdpkit-tmp, is fsynced, and is linked (link(2), which fails
// instead of replacing) to its final name, and the directory holding it
// (with the parents of any directories the write created) is fsynced; a
// failed or cancelled write leaves nothing under the key.
//
// # Limits
//
// A file system cannot hold both "a" and "a/b": Put of a key whose parent
// is an object, or of a key that is already a directory of other objects,
// fails with zones.ErrInvalidInput. Keys are validated by zones.ValidateKey,
// so no key can leave the root. Keys are stored byte for byte; on file
// systems that normalize Unicode names (macOS APFS/HFS+) two keys that
// differ only in normalization (NFC "é" vs NFD "e\u0301") name one file.
// A segment longer than the file system's name limit (255 bytes on most)
// is rejected with zones.ErrInvalidInput.
//
// Objects are created with mode 0666 and directories with 0777, less the
// process umask (0644 and 0755 under the usual umask 022), as other tools
// create files, so DuckDB or Spark running as another user can read the
// lake. Options.FileMode and Options.DirMode change them (0600 and 0700
// keep the lake owner-only); the umask still applies.
//
// Writes of more than 8 MiB start disk writeback as they go (Linux
// sync_file_range), so the final fsync overlaps the copy.
//
// # Errors
//
// Errors are *zones.Error values matching the zones category sentinels and
// wrapping the *fs.PathError/*os.LinkError cause, or wrapping ctx.Err().
//
// # Concurrency
//
// A *Backend is safe for concurrent use, also by several processes sharing
// the directory: of several concurrent writers of one key exactly one
// succeeds.
//
// # Testing
//
// The package passes zonestest.RunBackend; use t.TempDir() as the root in tests.
package filezone

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cdpkit/cdpkit/zones"
)

// tmpDir is the staging directory under the root. Its name starts with
// zones.ReservedPrefix, so no key can address it and List skips it.
const tmpDir = zones.ReservedPrefix + "-tmp"

// Options configures a Backend.
type Options struct {
	// NoSync skips fsync of files and directories. Writes stay atomic and
	// create-only but may be lost on power failure. For tests and scratch
	// data only.
	NoSync bool
	// StaleTempAge is how old an untouched file in the staging directory
	// must be for New to delete it as the leftover of a crashed writer.
	// Zero means 24 hours; negative disables the cleanup.
	StaleTempAge time.Duration
	// FileMode is the permission of new objects before the process umask
	// is applied. Zero means 0666 (0644 under umask 022); 0600 keeps
	// objects owner-only.
	FileMode fs.FileMode
	// DirMode is the permission of new directories (the root included)
	// before the umask. Zero means 0777 (0755 under umask 022); 0700 keeps
	// the tree owner-only.
	DirMode fs.FileMode
}

// Backend stores objects as files under a root directory.
type Backend struct {
	root string
	opts Options
}

var (
	_ zones.Backend = (*Backend)(nil)
	_ zones.Stager  = (*Backend)(nil)
	_ zones.Locator = (*Backend)(nil)
)

// New returns a Backend rooted at dir, creating dir if needed.
func New(dir string, optFns ...func(*Options)) (*Backend, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, zones.NewError("open", dir, zones.ErrInvalidInput, err)
	}
	if o.FileMode == 0 {
		o.FileMode = 0o666
	}
	if o.DirMode == 0 {
		o.DirMode = 0o777
	}
	o.FileMode &= fs.ModePerm
	o.DirMode &= fs.ModePerm
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), o.DirMode); err != nil {
		return nil, zones.NewError("open", dir, classify(err), err)
	}
	if o.StaleTempAge == 0 {
		o.StaleTempAge = 24 * time.Hour
	}
	if o.StaleTempAge > 0 {
		removeStaleTemps(filepath.Join(abs, tmpDir), time.Now().Add(-o.StaleTempAge))
	}
	return &Backend{root: abs, opts: o}, nil
}

// removeStaleTemps deletes staging files last modified before cutoff. A
// live writer keeps touching its file, so only abandoned ones qualify.
func removeStaleTemps(dir string, cutoff time.Time) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if fi, err := de.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(dir, de.Name()))
		}
	}
}

// Root returns the absolute root directory.
func (b *Backend) Root() string { return b.root }

// Location implements zones.Locator: a file:// URI.
func (b *Backend) Location(key string) string {
	p := filepath.ToSlash(filepath.Join(b.root, filepath.FromSlash(key)))
	if strings.HasSuffix(key, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func (b *Backend) path(key string) string {
	return filepath.Join(b.root, filepath.FromSlash(key))
}

func classify(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return zones.ErrNotFound
	case errors.Is(err, fs.ErrExist):
		return zones.ErrAlreadyExists
	case errors.Is(err, fs.ErrPermission):
		return zones.ErrAccessDenied
	case errors.Is(err, syscall.ENAMETOOLONG):
		return zones.ErrInvalidInput
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil
	}
	return nil
}

// Put implements zones.Backend.
func (b *Backend) Put(ctx context.Context, key string, r io.Reader, _ zones.PutOptions) (zones.Attrs, error) {
	if err := zones.ValidateKey(key); err != nil {
		return zones.Attrs{}, err
	}
	st, err := b.stage(ctx, "put", key, r)
	if err != nil {
		return zones.Attrs{}, err
	}
	return st.Commit(ctx, key, zones.PutOptions{})
}

// Stage implements zones.Stager: the body goes to a synced temp file.
func (b *Backend) Stage(ctx context.Context, r io.Reader) (zones.Staged, error) {
	return b.stage(ctx, "stage", "", r)
}

func (b *Backend) stage(ctx context.Context, op, key string, r io.Reader) (*staged, error) {
	f, err := b.createTemp()
	if err != nil {
		return nil, zones.NewError(op, key, classify(err), err)
	}
	defer func() {
		// A panic of the caller's reader (re-raised by pipeCopy) leaves
		// no temp file behind.
		if p := recover(); p != nil {
			f.Close()
			os.Remove(f.Name())
			panic(p)
		}
	}()
	fail := func(err error) (*staged, error) {
		f.Close()
		os.Remove(f.Name())
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, zones.NewError(op, key, classify(err), err)
	}
	var dst io.Writer = f
	if !b.opts.NoSync {
		dst = &writebackWriter{f: f}
	}
	n, err := pipeCopy(dst, zones.CtxReader(ctx, r))
	if err != nil {
		return fail(err)
	}
	if !b.opts.NoSync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return nil, zones.NewError(op, key, nil, err)
	}
	return &staged{b: b, tmp: f.Name(), size: n}, nil
}

// createTemp creates a new staging file with Options.FileMode, which the
// kernel reduces by the umask (os.CreateTemp would make it 0600, and the
// linked object keeps the staging file's mode).
func (b *Backend) createTemp() (*os.File, error) {
	dir := filepath.Join(b.root, tmpDir)
	for {
		f, err := os.OpenFile(filepath.Join(dir, "put-"+strconv.FormatUint(rand.Uint64(), 36)), os.O_RDWR|os.O_CREATE|os.O_EXCL, b.opts.FileMode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
}

// writebackWriter starts disk writeback every writebackChunk bytes, so the
// final fsync of a large file overlaps with the copy instead of following
// it.
type writebackWriter struct {
	f       *os.File
	off     int64 // bytes written
	flushed int64 // bytes handed to writeback
}

const writebackChunk = 8 << 20

func (w *writebackWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.flushed >= writebackChunk {
		startWriteback(w.f, w.flushed, w.off-w.flushed)
		w.flushed = w.off
	}
	return n, err
}

// pipeCopy copies src to dst with reading (and whatever the reader does,
// such as the Store hashing raw ingests) overlapped with writing: a reader
// goroutine fills up to copyBufs buffers while the caller writes. The
// goroutine is joined before pipeCopy returns. Memory: copyBufs·copyBufSize.
func pipeCopy(dst io.Writer, src io.Reader) (int64, error) {
	const (
		copyBufs    = 3
		copyBufSize = 1 << 20
	)
	type chunk struct {
		b []byte
		n int
	}
	free := make(chan []byte, copyBufs)
	full := make(chan chunk, copyBufs)
	stop := make(chan struct{})
	for range copyBufs {
		free <- make([]byte, copyBufSize)
	}
	var (
		rerr     error
		panicked any // a panic of src, re-raised on the caller's goroutine
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		defer close(full)
		defer func() { panicked = recover() }()
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(src, b)
			if n > 0 {
				select {
				case full <- chunk{b, n}:
				case <-stop:
					return
				}
			}
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					rerr = err
				}
				return
			}
		}
	})
	var (
		written int64
		werr    error
	)
	for c := range full {
		if werr == nil {
			n, err := dst.Write(c.b[:c.n])
			written += int64(n)
			if err != nil {
				werr = err
				close(stop)
			}
		}
		free <- c.b
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
	if rerr != nil {
		return written, rerr
	}
	return written, werr
}

type staged struct {
	b    *Backend
	tmp  string
	size int64
	done bool
}

func (s *staged) Size() int64 { return s.size }

func (s *staged) Discard() error {
	if s.done {
		return nil
	}
	s.done = true
	return os.Remove(s.tmp)
}

// Commit links the staged file to key's path; link fails with EEXIST rather
// than replacing, which is what makes the write create-only.
func (s *staged) Commit(ctx context.Context, key string, _ zones.PutOptions) (zones.Attrs, error) {
	if s.done {
		return zones.Attrs{}, zones.NewError("put", key, zones.ErrInvalidInput, errors.New("staged body already used"))
	}
	defer s.Discard()
	if err := zones.ValidateKey(key); err != nil {
		return zones.Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return zones.Attrs{}, zones.NewError("put", key, nil, err)
	}
	b := s.b
	dst := b.path(key)
	var (
		err     error
		created []string // directories this call found missing
	)
	// A concurrent Delete may remove an emptied parent between MkdirAll and
	// Link; retry a few times.
	for range 5 {
		if !b.opts.NoSync {
			created = append(created, b.missingDirs(filepath.Dir(dst))...)
		}
		if err = os.MkdirAll(filepath.Dir(dst), b.opts.DirMode); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return zones.Attrs{}, zones.NewError("put", key, zones.ErrInvalidInput, errors.New("a parent of the key is an object"))
			}
			return zones.Attrs{}, zones.NewError("put", key, classify(err), err)
		}
		err = os.Link(s.tmp, dst)
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			if fi, serr := os.Lstat(dst); serr == nil && fi.IsDir() {
				return zones.Attrs{}, zones.NewError("put", key, zones.ErrInvalidInput, errors.New("key is a prefix of other objects"))
			}
			return zones.Attrs{}, zones.NewError("put", key, zones.ErrAlreadyExists, nil)
		}
		if errors.Is(err, syscall.ENOTDIR) {
			return zones.Attrs{}, zones.NewError("put", key, zones.ErrInvalidInput, errors.New("a parent of the key is an object"))
		}
		return zones.Attrs{}, zones.NewError("put", key, classify(err), err)
	}
	if !b.opts.NoSync {
		// The link is durable once its directory is synced, and each
		// directory created on the way once its parent is. Errors are
		// not reported: the object is already visible, and a failed
		// write must leave nothing visible.
		dirs := []string{filepath.Dir(dst)}
		for _, c := range created {
			dirs = append(dirs, filepath.Dir(c))
		}
		slices.Sort(dirs)
		for _, d := range slices.Compact(dirs) {
			syncDir(d)
		}
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return zones.Attrs{}, zones.NewError("put", key, classify(err), err)
	}
	return zones.Attrs{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// syncDir fsyncs a directory (a variable so tests can observe it).
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// missingDirs returns dir and its ancestors below the root that do not
// exist yet.
func (b *Backend) missingDirs(dir string) []string {
	var out []string
	for ; dir != b.root && strings.HasPrefix(dir, b.root); dir = filepath.Dir(dir) {
		if _, err := os.Lstat(dir); err == nil {
			break
		}
		out = append(out, dir)
	}
	return out
}

type file struct {
	*os.File
	size int64
}

func (f *file) Size() int64 { return f.size }

// Get implements zones.Backend. The reader also implements
// zones.ReaderAtObject.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := zones.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, zones.NewError("get", key, nil, err)
	}
	f, err := os.Open(b.path(key))
	if err != nil {
		return nil, zones.NewError("get", key, notFoundish(err), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, zones.NewError("get", key, classify(err), err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, zones.NewError("get", key, zones.ErrNotFound, nil)
	}
	return &file{File: f, size: fi.Size()}, nil
}

// notFoundish also maps "a parent is a file" to ErrNotFound.
func notFoundish(err error) error {
	if errors.Is(err, syscall.ENOTDIR) {
		return zones.ErrNotFound
	}
	return classify(err)
}

// Stat implements zones.Backend.
func (b *Backend) Stat(ctx context.Context, key string) (zones.Attrs, error) {
	if err := zones.ValidateKey(key); err != nil {
		return zones.Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return zones.Attrs{}, zones.NewError("stat", key, nil, err)
	}
	fi, err := os.Stat(b.path(key))
	if err != nil {
		return zones.Attrs{}, zones.NewError("stat", key, notFoundish(err), err)
	}
	if !fi.Mode().IsRegular() {
		return zones.Attrs{}, zones.NewError("stat", key, zones.ErrNotFound, nil)
	}
	return zones.Attrs{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete implements zones.Backend. Directories left empty are removed.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := zones.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return zones.NewError("delete", key, nil, err)
	}
	p := b.path(key)
	fi, err := os.Lstat(p)
	if err != nil {
		return zones.NewError("delete", key, notFoundish(err), err)
	}
	if !fi.Mode().IsRegular() {
		return zones.NewError("delete", key, zones.ErrNotFound, nil)
	}
	if err := os.Remove(p); err != nil {
		return zones.NewError("delete", key, notFoundish(err), err)
	}
	for dir := filepath.Dir(p); dir != b.root && strings.HasPrefix(dir, b.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List implements zones.Backend. Directory entries are visited in the byte
// order of the keys they produce (a directory "a" sorts as "a/"), so the
// walk yields keys in lexical order without sorting the whole tree.
func (b *Backend) List(ctx context.Context, prefix, startAfter string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		b.walk(ctx, "", prefix, startAfter, yield)
	}
}

type entry struct {
	name  string
	isDir bool
	sort  string
}

// walk lists the directory for key prefix dir ("" or "a/b/"). It returns
// false when iteration must stop.
func (b *Backend) walk(ctx context.Context, dir, prefix, after string, yield func(zones.Attrs, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(zones.Attrs{}, zones.NewError("list", prefix, nil, err))
		return false
	}
	des, err := os.ReadDir(filepath.Join(b.root, filepath.FromSlash(dir)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true // removed while listing
		}
		yield(zones.Attrs{}, zones.NewError("list", prefix, classify(err), err))
		return false
	}
	ents := make([]entry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, zones.ReservedPrefix) {
			continue
		}
		isDir := de.IsDir()
		if !isDir && !de.Type().IsRegular() {
			continue
		}
		e := entry{name: name, isDir: isDir, sort: name}
		if isDir {
			e.sort = name + "/"
		}
		ents = append(ents, e)
	}
	slices.SortFunc(ents, func(x, y entry) int { return strings.Compare(x.sort, y.sort) })
	for _, e := range ents {
		k := dir + e.name
		if e.isDir {
			sub := k + "/"
			if !strings.HasPrefix(prefix, sub) && !strings.HasPrefix(sub, prefix) {
				continue
			}
			if after >= k+"0" { // every key under sub sorts before '0' = '/'+1
				continue
			}
			if !b.walk(ctx, sub, prefix, after, yield) {
				return false
			}
			continue
		}
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		fi, err := os.Stat(filepath.Join(b.root, filepath.FromSlash(k)))
		if err != nil {
			continue // deleted while listing
		}
		if !yield(zones.Attrs{Key: k, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
			return false
		}
	}
	return true
}
