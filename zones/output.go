package zones

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"path"
	"strings"
)

// Output is a file being generated (a Parquet file, a quarantine file) that
// is published under a name derived from its content once complete. It
// keeps up to Options.SpoolMemory bytes in memory, then spills to a temp
// file, so memory stays bounded whatever the size. Exactly one of Publish or
// Discard must be called.
//
// An Output is not safe for concurrent use.
type Output struct {
	s    *Store
	buf  bytes.Buffer
	f    *os.File
	h    hash.Hash
	n    int64
	err  error
	done bool
}

// NewOutput starts an Output.
func (s *Store) NewOutput() *Output {
	return &Output{s: s, h: sha256.New()}
}

// Write appends p.
func (o *Output) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.done {
		return 0, errors.New("zones: write to a published or discarded output")
	}
	if o.f == nil && int64(o.buf.Len()+len(p)) > o.s.opts.SpoolMemory {
		f, err := os.CreateTemp(o.s.opts.TempDir, "cdpkit-spool-*")
		if err != nil {
			o.err = &Error{Op: "spool", Kind: nil, Err: err}
			return 0, o.err
		}
		o.f = f
		if _, err := f.Write(o.buf.Bytes()); err != nil {
			o.err = &Error{Op: "spool", Err: err}
			return 0, o.err
		}
		o.buf = bytes.Buffer{}
	}
	var n int
	var err error
	if o.f != nil {
		n, err = o.f.Write(p)
	} else {
		n, err = o.buf.Write(p)
	}
	o.h.Write(p[:n])
	o.n += int64(n)
	if err != nil {
		o.err = &Error{Op: "spool", Err: err}
		return n, o.err
	}
	return n, nil
}

// Size is the number of bytes written so far.
func (o *Output) Size() int64 { return o.n }

// reader returns a seekable reader over the whole content.
func (o *Output) reader() (io.Reader, error) {
	if o.f == nil {
		return bytes.NewReader(o.buf.Bytes()), nil
	}
	if _, err := o.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return o.f, nil
}

// ContentName returns the name Publish uses: base + "-" + the first 32 hex
// digits of the content's SHA-256 + ext.
func (o *Output) ContentName(base, ext string) string {
	return base + "-" + hex.EncodeToString(o.h.Sum(nil))[:32] + ext
}

// Publish stores the content in zone z as dir/ContentName(base, ext),
// create-only. If that exact object already exists (a rerun with identical
// output) the existing object is returned. The Output is released either
// way. dir may be "".
func (o *Output) Publish(ctx context.Context, z Zone, dir, base, ext string) (Object, error) {
	defer o.Discard()
	if o.err != nil {
		return Object{}, o.err
	}
	if o.done {
		return Object{}, errors.New("zones: publish of a published or discarded output")
	}
	key := o.ContentName(base, ext)
	if dir != "" {
		key = strings.TrimSuffix(dir, "/") + "/" + key
	}
	be, full, err := o.s.resolve("put", z, key)
	if err != nil {
		return Object{}, err
	}
	r, err := o.reader()
	if err != nil {
		return Object{}, &Error{Op: "put", Key: full, Err: err}
	}
	a, err := be.Put(ctx, full, r, PutOptions{Size: o.n, SizeKnown: true, SHA256: o.h.Sum(nil)})
	if errors.Is(err, ErrAlreadyExists) {
		a, err = be.Stat(ctx, full)
	}
	if err != nil {
		return Object{}, err
	}
	return o.s.object(z, a), nil
}

// Discard releases the Output without publishing. It is safe to call more
// than once and after Publish.
func (o *Output) Discard() error {
	if o.done {
		return nil
	}
	o.done = true
	o.buf = bytes.Buffer{}
	if o.f != nil {
		name := o.f.Name()
		o.f.Close()
		o.f = nil
		return os.Remove(name)
	}
	return nil
}

// RemoveStale deletes the objects of zone z that sit directly in the
// directory of prefix (everything up to its last '/'; deeper keys are left
// alone, so "customers/" never reaches into "customers/emails/"), start
// with prefix, have a base name starting with namePrefix and are not in
// keep. It is the second half of replace-after-write: publish the new
// files first, then remove the ones a previous run of the same input left
// behind. It returns the removed keys (zone-relative). Objects already
// gone are skipped. The raw zone is immutable, so z == Raw fails with
// ErrImmutable.
func (s *Store) RemoveStale(ctx context.Context, z Zone, prefix, namePrefix string, keep []Object) ([]string, error) {
	if z == Raw {
		return nil, &Error{Op: "delete", Key: string(z) + "/" + prefix, Kind: ErrImmutable, Err: errors.New("the raw zone is append-only")}
	}
	if namePrefix == "" {
		return nil, invalid("delete", string(z)+"/"+prefix, "empty name prefix")
	}
	kept := make(map[string]bool, len(keep))
	for _, o := range keep {
		kept[o.Key] = true
	}
	dir := prefix[:strings.LastIndexByte(prefix, '/')+1]
	var stale []string
	for o, err := range s.Objects(ctx, z, prefix) {
		if err != nil {
			return nil, err
		}
		if kept[o.Key] || strings.Contains(o.Key[len(dir):], "/") || !strings.HasPrefix(path.Base(o.Key), namePrefix) {
			continue
		}
		stale = append(stale, o.Key)
	}
	removed := stale[:0]
	for _, k := range stale {
		err := s.Delete(ctx, z, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return removed, err
		}
		removed = append(removed, k)
	}
	return removed, nil
}
