package zonestest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cdpkit/cdpkit/zones"
)

// Capabilities declares how a backend legitimately differs, so the suite
// adapts instead of special-casing backends.
type Capabilities struct {
	// LargeObjectSize is the body size of the large-object checks, chosen to
	// exercise the backend's multipart path. Zero means 12 MiB.
	LargeObjectSize int
	// SkipLarge skips the large-object checks (e.g. under -short against a
	// slow remote endpoint).
	SkipLarge bool
	// SkipLargeRace skips the create-only race between two large
	// (multipart) writers. Set it only for a server known not to honour
	// If-None-Match on CompleteMultipartUpload, and say so in your test.
	SkipLargeRace bool
	// KeyPrefix is prepended to every key the suite writes, to share a real
	// bucket with other data. It must be "" or end in "/".
	KeyPrefix string
}

func (c Capabilities) largeSize() int {
	if c.LargeObjectSize > 0 {
		return c.LargeObjectSize
	}
	return 12 << 20
}

// check is one conformance property. It returns nil or an error describing
// what failed; messages name keys and sizes, never object bytes.
type check struct {
	name string
	fn   func(ctx context.Context, b zones.Backend, c Capabilities) error
}

var checks = []check{
	{"MissingKeys", checkMissing},
	{"RoundTrip", checkRoundTrip},
	{"CreateOnly", checkCreateOnly},
	{"ConcurrentWriters", checkConcurrentWriters},
	{"CancelledContext", checkCancelled},
	{"CancelMidWrite", checkCancelMidWrite},
	{"FailedBodyLeavesNothing", checkFailedBody},
	{"ListOrderAndPrefix", checkListOrder},
	{"ListPaginationWhileMutating", checkListMutating},
	{"OddKeys", checkOddKeys},
	{"InvalidKeysRejected", checkInvalidKeys},
	{"DeleteThenPut", checkDeleteThenPut},
	{"ZoneIsolation", checkZoneIsolation},
	{"Staging", checkStaging},
	{"ConcurrentReadWriteList", checkConcurrentMixed},
	{"LargeObject", checkLarge},
	{"LargeObjectCreateOnlyRace", checkLargeRace},
}

// Run is the former name of RunBackend, kept for existing callers.
func Run(t *testing.T, newBackend func(t *testing.T) zones.Backend, caps ...Capabilities) {
	t.Helper()
	RunBackend(t, newBackend, caps...)
}

// RunBackend runs the conformance suite against backends made by
// newBackend, one fresh backend per subtest. Every Backend implementation
// must pass it.
func RunBackend(t *testing.T, newBackend func(t *testing.T) zones.Backend, caps ...Capabilities) {
	t.Helper()
	var c Capabilities
	if len(caps) > 0 {
		c = caps[0]
	}
	for _, ck := range checks {
		t.Run(ck.name, func(t *testing.T) {
			if err := ck.fn(t.Context(), newBackend(t), c); err != nil {
				if errors.Is(err, errSkip) {
					t.Skip(err.Error())
				}
				t.Error(err)
			}
		})
	}
}

// TestBackend runs the same suite outside go test (an ISV's own harness, a
// smoke test against a real bucket) and returns every failure joined, or
// nil. newBackend is called once per check.
func TestBackend(ctx context.Context, newBackend func() (zones.Backend, error), caps ...Capabilities) error {
	var c Capabilities
	if len(caps) > 0 {
		c = caps[0]
	}
	var errs []error
	for _, ck := range checks {
		b, err := newBackend()
		if err != nil {
			return fmt.Errorf("zonestest: new backend: %w", err)
		}
		if err := ck.fn(ctx, b, c); err != nil && !errors.Is(err, errSkip) {
			errs = append(errs, fmt.Errorf("%s: %w", ck.name, err))
		}
	}
	return errors.Join(errs...)
}

var errSkip = errors.New("skipped")

func put(ctx context.Context, b zones.Backend, key string, data []byte) error {
	_, err := b.Put(ctx, key, bytes.NewReader(data), zones.PutOptions{Size: int64(len(data)), SizeKnown: true})
	return err
}

func read(ctx context.Context, b zones.Backend, key string) ([]byte, error) {
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func keys(ctx context.Context, b zones.Backend, prefix, after string) ([]string, error) {
	var out []string
	for a, err := range b.List(ctx, prefix, after) {
		if err != nil {
			return out, err
		}
		out = append(out, a.Key)
	}
	return out, nil
}

func exists(ctx context.Context, b zones.Backend, key string) (bool, error) {
	_, err := b.Stat(ctx, key)
	if errors.Is(err, zones.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	p := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(p[i:], r.Uint64())
	}
	return p[:n:n]
}

func checkMissing(ctx context.Context, b zones.Backend, c Capabilities) error {
	key := c.KeyPrefix + "missing/object.csv"
	var errs []error
	expect := func(op string, err error) {
		if !errors.Is(err, zones.ErrNotFound) {
			errs = append(errs, fmt.Errorf("%s of a missing key: got %v, want an error matching zones.ErrNotFound", op, err))
			return
		}
		if !strings.Contains(err.Error(), key) {
			errs = append(errs, fmt.Errorf("%s of a missing key: error %q does not name the key", op, err))
		}
		var ze *zones.Error
		if !errors.As(err, &ze) || ze.Key != key {
			errs = append(errs, fmt.Errorf("%s of a missing key: want a *zones.Error with Key %q", op, key))
		}
	}
	_, err := b.Get(ctx, key)
	expect("Get", err)
	_, err = b.Stat(ctx, key)
	expect("Stat", err)
	expect("Delete", b.Delete(ctx, key))
	return errors.Join(errs...)
}

func checkRoundTrip(ctx context.Context, b zones.Backend, c Capabilities) error {
	for i, n := range []int{0, 1, 1000, 256 << 10} {
		key := fmt.Sprintf("%sround/%d.bin", c.KeyPrefix, n)
		data := payload(uint64(i), n)
		// Half the bodies are unseekable and of unknown size.
		var r io.Reader = bytes.NewReader(data)
		opts := zones.PutOptions{Size: int64(n), SizeKnown: true}
		if i%2 == 1 {
			r, opts = io.MultiReader(bytes.NewReader(data)), zones.PutOptions{}
		}
		a, err := b.Put(ctx, key, r, opts)
		if err != nil {
			return fmt.Errorf("Put %q (%d bytes): %w", key, n, err)
		}
		if a.Key != key || a.Size != int64(n) {
			return fmt.Errorf("Put %q returned Attrs{Key: %q, Size: %d}, want size %d", key, a.Key, a.Size, n)
		}
		got, err := read(ctx, b, key)
		if err != nil {
			return fmt.Errorf("Get %q: %w", key, err)
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("Get %q: %d bytes differ from the %d written", key, len(got), n)
		}
		st, err := b.Stat(ctx, key)
		if err != nil {
			return fmt.Errorf("Stat %q: %w", key, err)
		}
		if st.Key != key || st.Size != int64(n) || st.ModTime.IsZero() {
			return fmt.Errorf("Stat %q = {Key %q, Size %d, ModTime zero %v}, want size %d and a ModTime", key, st.Key, st.Size, st.ModTime.IsZero(), n)
		}
	}
	return nil
}

func checkCreateOnly(ctx context.Context, b zones.Backend, c Capabilities) error {
	key := c.KeyPrefix + "create/only.txt"
	if err := put(ctx, b, key, []byte("first")); err != nil {
		return fmt.Errorf("first Put: %w", err)
	}
	err := put(ctx, b, key, []byte("second, longer body"))
	if !errors.Is(err, zones.ErrAlreadyExists) {
		return fmt.Errorf("second Put of %q: got %v, want zones.ErrAlreadyExists", key, err)
	}
	if !strings.Contains(err.Error(), key) {
		return fmt.Errorf("second Put: error %q does not name the key", err)
	}
	got, err := read(ctx, b, key)
	if err != nil {
		return err
	}
	if string(got) != "first" {
		return fmt.Errorf("after a rejected second Put the object changed (%d bytes, want 5)", len(got))
	}
	return nil
}

// race runs writers concurrent Puts of distinct bodies to key and checks
// that exactly one won and that the stored body is the winner's.
func race(ctx context.Context, b zones.Backend, key string, writers, size int) error {
	bodies := make([][]byte, writers)
	for i := range bodies {
		bodies[i] = payload(uint64(1000+i), size)
	}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			errs[i] = put(ctx, b, key, bodies[i])
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				return fmt.Errorf("%q: writers %d and %d both succeeded; create-only must let exactly one win", key, winner, i)
			}
			winner = i
		case errors.Is(err, zones.ErrAlreadyExists), errors.Is(err, zones.ErrConflict):
		default:
			return fmt.Errorf("%q: writer %d: %w", key, i, err)
		}
	}
	if winner < 0 {
		return fmt.Errorf("%q: no writer succeeded", key)
	}
	got, err := read(ctx, b, key)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, bodies[winner]) {
		return fmt.Errorf("%q: stored body is not the winning writer's (writer %d)", key, winner)
	}
	return nil
}

func checkConcurrentWriters(ctx context.Context, b zones.Backend, c Capabilities) error {
	for i := range 5 {
		if err := race(ctx, b, fmt.Sprintf("%srace/key-%d", c.KeyPrefix, i), 6, 4096); err != nil {
			return err
		}
	}
	return nil
}

func checkCancelled(ctx context.Context, b zones.Backend, c Capabilities) error {
	key := c.KeyPrefix + "cancel/pre.txt"
	if err := put(ctx, b, c.KeyPrefix+"cancel/present.txt", []byte("x")); err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	var errs []error
	if err := put(cctx, b, key, []byte("data")); !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("Put with a cancelled context: got %v, want context.Canceled", err))
	}
	if _, err := b.Get(cctx, c.KeyPrefix+"cancel/present.txt"); !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("Get with a cancelled context: got %v, want context.Canceled", err))
	}
	if _, err := b.Stat(cctx, c.KeyPrefix+"cancel/present.txt"); !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("Stat with a cancelled context: got %v, want context.Canceled", err))
	}
	if _, err := keys(cctx, b, c.KeyPrefix+"cancel/", ""); !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("List with a cancelled context: got %v, want context.Canceled", err))
	}
	if err := b.Delete(cctx, c.KeyPrefix+"cancel/present.txt"); !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("Delete with a cancelled context: got %v, want context.Canceled", err))
	}
	if ok, err := exists(ctx, b, key); ok || err != nil {
		errs = append(errs, fmt.Errorf("after a cancelled Put, %q is visible (err %v)", key, err))
	}
	return errors.Join(errs...)
}

// cancellingReader serves n bytes, cancels, then keeps serving.
type cancellingReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func checkCancelMidWrite(ctx context.Context, b zones.Backend, c Capabilities) error {
	for _, size := range []int{256 << 10, c.largeSize()} {
		if size > 256<<10 && c.SkipLarge {
			continue
		}
		key := fmt.Sprintf("%scancel/mid-%d.bin", c.KeyPrefix, size)
		cctx, cancel := context.WithCancel(ctx)
		r := &cancellingReader{r: bytes.NewReader(payload(3, size)), n: size / 2, cancel: cancel}
		_, err := b.Put(cctx, key, r, zones.PutOptions{})
		cancel()
		if !errors.Is(err, context.Canceled) {
			return fmt.Errorf("Put cancelled halfway through a %d-byte body: got %v, want context.Canceled", size, err)
		}
		if ok, err := exists(ctx, b, key); ok || err != nil {
			return fmt.Errorf("after a cancelled Put, %q is visible (err %v)", key, err)
		}
		ks, err := keys(ctx, b, c.KeyPrefix+"cancel/", "")
		if err != nil {
			return err
		}
		if len(ks) != 0 {
			return fmt.Errorf("after a cancelled Put, List shows %d objects, want 0", len(ks))
		}
	}
	return nil
}

var errBody = errors.New("zonestest: body failed")

type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errBody
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func checkFailedBody(ctx context.Context, b zones.Backend, c Capabilities) error {
	key := c.KeyPrefix + "fail/body.bin"
	_, err := b.Put(ctx, key, &failingReader{r: bytes.NewReader(payload(4, 100<<10)), n: 50 << 10}, zones.PutOptions{})
	if err == nil {
		return fmt.Errorf("Put with a failing body succeeded")
	}
	if !errors.Is(err, errBody) {
		return fmt.Errorf("Put with a failing body: got %v, want the body's error in the chain", err)
	}
	if ok, err := exists(ctx, b, key); ok || err != nil {
		return fmt.Errorf("after a failed Put, %q is visible (err %v)", key, err)
	}
	// The key is still free.
	if err := put(ctx, b, key, []byte("ok")); err != nil {
		return fmt.Errorf("Put after a failed Put: %w", err)
	}
	return nil
}

func checkListOrder(ctx context.Context, b zones.Backend, c Capabilities) error {
	p := c.KeyPrefix + "list/"
	names := []string{"a", "a-b", "a/b", "a/b/c", "a0", "b", "b/é", "b/z", "ba", "d=1/x", "d=1/y", "d=10/x", "z"}
	// filezone cannot hold "a" and "a/b" at once; keep only keys that are
	// not parents of others.
	var want []string
	for _, n := range names {
		parent := false
		for _, m := range names {
			if strings.HasPrefix(m, n+"/") {
				parent = true
			}
		}
		if !parent {
			want = append(want, p+n)
		}
	}
	shuffled := slices.Clone(want)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled {
		if err := put(ctx, b, k, []byte(k)); err != nil {
			return fmt.Errorf("Put %q: %w", k, err)
		}
	}
	if err := put(ctx, b, c.KeyPrefix+"listx/outside", []byte("x")); err != nil {
		return err
	}
	slices.Sort(want)
	got, err := keys(ctx, b, p, "")
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("List(%q) = %q, want %q (lexical byte order, prefix-filtered)", p, got, want)
	}
	for _, tc := range []struct{ prefix, after string }{
		{p + "a", ""}, {p + "a/", ""}, {p + "d=1/", ""}, {p + "d=1", ""}, {p, p + "a0"}, {p + "b", p + "b/é"}, {p + "nothing", ""}, {p, p + "zz"},
	} {
		var w []string
		for _, k := range want {
			if strings.HasPrefix(k, tc.prefix) && k > tc.after {
				w = append(w, k)
			}
		}
		g, err := keys(ctx, b, tc.prefix, tc.after)
		if err != nil {
			return err
		}
		if !slices.Equal(g, w) {
			return fmt.Errorf("List(%q, after %q) = %q, want %q", tc.prefix, tc.after, g, w)
		}
	}
	// Stopping early must be safe.
	for range b.List(ctx, p, "") {
		break
	}
	return nil
}

func checkListMutating(ctx context.Context, b zones.Backend, c Capabilities) error {
	p := c.KeyPrefix + "page/"
	var stable []string
	for i := range 30 {
		k := fmt.Sprintf("%s%03d", p, i*2)
		stable = append(stable, k)
		if err := put(ctx, b, k, []byte{byte(i)}); err != nil {
			return err
		}
	}
	for i := range 10 {
		if err := put(ctx, b, fmt.Sprintf("%s%03d-doomed", p, i*6), []byte{1}); err != nil {
			return err
		}
	}
	// Page through 7 keys at a time, continuing after the last key seen,
	// and mutate between pages.
	var seen []string
	after := ""
	for page := 0; ; page++ {
		var got []string
		for a, err := range b.List(ctx, p, after) {
			if err != nil {
				return err
			}
			got = append(got, a.Key)
			if len(got) == 7 {
				break
			}
		}
		if len(got) == 0 {
			break
		}
		seen = append(seen, got...)
		after = got[len(got)-1]
		// Insert keys both before and after the cursor, delete some doomed ones.
		if err := put(ctx, b, fmt.Sprintf("%s%03d-new", p, page*9+1), []byte{2}); err != nil && !errors.Is(err, zones.ErrAlreadyExists) {
			return err
		}
		if err := b.Delete(ctx, fmt.Sprintf("%s%03d-doomed", p, min(page*6+6, 54))); err != nil && !errors.Is(err, zones.ErrNotFound) {
			return err
		}
	}
	if !slices.IsSorted(seen) {
		return fmt.Errorf("paged listing is not in order: %q", seen)
	}
	count := map[string]int{}
	for _, k := range seen {
		count[k]++
		if count[k] > 1 {
			return fmt.Errorf("paged listing repeated %q", k)
		}
	}
	for _, k := range stable {
		if count[k] != 1 {
			return fmt.Errorf("paged listing skipped %q, present throughout", k)
		}
	}
	return nil
}

var oddKeys = []string{
	"odd/naïve café.csv",
	"odd/日本語/ファイル.json",
	"odd/with space/a b.csv",
	"odd/source=crm/ingest_date=2026-11-23/sha256=ab.csv",
	"odd/percent%20literal%2F.txt",
	"odd/plus+and&amp;.txt",
	"odd/emoji-🙂.txt",
	"odd/quote'\"(1).txt",
	"odd/.hidden",
	"odd/...three",
}

func checkOddKeys(ctx context.Context, b zones.Backend, c Capabilities) error {
	var want []string
	for i, k := range oddKeys {
		k = c.KeyPrefix + k
		want = append(want, k)
		if err := put(ctx, b, k, []byte{byte(i)}); err != nil {
			return fmt.Errorf("Put of odd key %d: %w", i, err)
		}
		got, err := read(ctx, b, k)
		if err != nil || len(got) != 1 || got[0] != byte(i) {
			return fmt.Errorf("Get of odd key %d: %v", i, err)
		}
	}
	slices.Sort(want)
	got, err := keys(ctx, b, c.KeyPrefix+"odd/", "")
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("List of odd keys = %q, want %q", got, want)
	}
	return nil
}

var invalidKeys = []string{"", "../escape", "a/../../escape", "/abs", "a//b", "a/", "./a", "a\\b", "nul\x00", "ctl\n", "\xff\xfe", strings.Repeat("k", zones.MaxKeyLen+1), zones.ReservedPrefix + "-tmp/x"}

func checkInvalidKeys(ctx context.Context, b zones.Backend, c Capabilities) error {
	var errs []error
	for i, k := range invalidKeys {
		k = c.KeyPrefix + k
		expect := func(op string, err error) {
			if !errors.Is(err, zones.ErrInvalidInput) {
				errs = append(errs, fmt.Errorf("%s of invalid key #%d: got %v, want zones.ErrInvalidInput", op, i, err))
			}
		}
		_, err := b.Put(ctx, k, strings.NewReader("x"), zones.PutOptions{})
		expect("Put", err)
		_, err = b.Get(ctx, k)
		expect("Get", err)
		_, err = b.Stat(ctx, k)
		expect("Stat", err)
		expect("Delete", b.Delete(ctx, k))
	}
	return errors.Join(errs...)
}

func checkDeleteThenPut(ctx context.Context, b zones.Backend, c Capabilities) error {
	key := c.KeyPrefix + "del/deep/nested/k"
	if err := put(ctx, b, key, []byte("one")); err != nil {
		return err
	}
	if err := b.Delete(ctx, key); err != nil {
		return fmt.Errorf("Delete: %w", err)
	}
	if ok, err := exists(ctx, b, key); ok || err != nil {
		return fmt.Errorf("deleted key still visible (err %v)", err)
	}
	if ks, err := keys(ctx, b, c.KeyPrefix+"del/", ""); err != nil || len(ks) != 0 {
		return fmt.Errorf("after Delete List shows %d keys (err %v)", len(ks), err)
	}
	if err := put(ctx, b, key, []byte("two")); err != nil {
		return fmt.Errorf("Put after Delete: %w", err)
	}
	got, err := read(ctx, b, key)
	if err != nil || string(got) != "two" {
		return fmt.Errorf("Get after re-Put: %v", err)
	}
	return nil
}

func checkZoneIsolation(ctx context.Context, b zones.Backend, c Capabilities) error {
	if c.KeyPrefix != "" {
		b = prefixed{b, c.KeyPrefix}
	}
	s := zones.New(b)
	for _, z := range zones.Zones() {
		if _, err := s.Put(ctx, z, "shared/name.txt", strings.NewReader(string(z))); err != nil {
			return fmt.Errorf("Put in %s: %w", z, err)
		}
	}
	for _, z := range zones.Zones() {
		rc, err := s.Get(ctx, z, "shared/name.txt")
		if err != nil {
			return err
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != string(z) {
			return fmt.Errorf("zone %s reads another zone's object", z)
		}
		var n int
		for o, err := range s.Objects(ctx, z, "") {
			if err != nil {
				return err
			}
			if o.Zone != z || o.Key != "shared/name.txt" {
				return fmt.Errorf("zone %s lists %s/%q", z, o.Zone, o.Key)
			}
			n++
		}
		if n != 1 {
			return fmt.Errorf("zone %s lists %d objects, want 1", z, n)
		}
	}
	for _, k := range []string{"../raw/shared/name.txt", "../../x"} {
		if _, err := s.Get(ctx, zones.Clean, k); !errors.Is(err, zones.ErrInvalidInput) {
			return fmt.Errorf("Get(clean, escaping key) = %v, want zones.ErrInvalidInput", err)
		}
	}
	if err := s.Delete(ctx, zones.Raw, "shared/name.txt"); !errors.Is(err, zones.ErrImmutable) {
		return fmt.Errorf("Delete in the raw zone = %v, want zones.ErrImmutable", err)
	}
	return nil
}

func checkStaging(ctx context.Context, b zones.Backend, c Capabilities) error {
	st, ok := b.(zones.Stager)
	if !ok {
		return fmt.Errorf("%w: backend does not implement zones.Stager", errSkip)
	}
	p := c.KeyPrefix + "stage/"
	s1, err := st.Stage(ctx, strings.NewReader("staged body"))
	if err != nil {
		return err
	}
	if s1.Size() != 11 {
		return fmt.Errorf("staged Size = %d, want 11", s1.Size())
	}
	if ks, _ := keys(ctx, b, c.KeyPrefix, ""); len(ks) != 0 {
		return fmt.Errorf("a staged body is visible in List (%d keys)", len(ks))
	}
	if _, err := s1.Commit(ctx, p+"one", zones.PutOptions{}); err != nil {
		return err
	}
	got, err := read(ctx, b, p+"one")
	if err != nil || string(got) != "staged body" {
		return fmt.Errorf("Get of committed body: %v", err)
	}
	s2, err := st.Stage(ctx, strings.NewReader("other"))
	if err != nil {
		return err
	}
	if _, err := s2.Commit(ctx, p+"one", zones.PutOptions{}); !errors.Is(err, zones.ErrAlreadyExists) {
		return fmt.Errorf("staged commit to a taken key = %v, want zones.ErrAlreadyExists", err)
	}
	s3, err := st.Stage(ctx, strings.NewReader("dropped"))
	if err != nil {
		return err
	}
	if err := s3.Discard(); err != nil {
		return err
	}
	if ks, _ := keys(ctx, b, c.KeyPrefix, ""); len(ks) != 1 {
		return fmt.Errorf("after Discard List shows %d keys, want 1", len(ks))
	}
	return nil
}

func checkConcurrentMixed(ctx context.Context, b zones.Backend, c Capabilities) error {
	p := c.KeyPrefix + "mixed/"
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				k := fmt.Sprintf("%sw%d/%02d", p, w, i)
				if err := put(ctx, b, k, []byte(k)); err != nil {
					errs <- err
					return
				}
				got, err := read(ctx, b, k)
				if err != nil || string(got) != k {
					errs <- fmt.Errorf("read-your-write of %q failed: %v", k, err)
					return
				}
			}
		})
		wg.Go(func() {
			for range 5 {
				prev := ""
				for a, err := range b.List(ctx, p, "") {
					if err != nil {
						errs <- err
						return
					}
					if a.Key <= prev {
						errs <- fmt.Errorf("concurrent List out of order at %q", a.Key)
						return
					}
					prev = a.Key
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if len(all) > 0 {
		return errors.Join(all...)
	}
	ks, err := keys(ctx, b, p, "")
	if err != nil {
		return err
	}
	if len(ks) != 80 {
		return fmt.Errorf("after concurrent writes List shows %d keys, want 80", len(ks))
	}
	return nil
}

// unseekable hides Seek/ReadAt so backends take their streaming path.
type unseekable struct{ io.Reader }

func checkLarge(ctx context.Context, b zones.Backend, c Capabilities) error {
	if c.SkipLarge {
		return fmt.Errorf("%w: SkipLarge", errSkip)
	}
	n := c.largeSize()
	data := payload(9, n)
	want := sha256.Sum256(data)
	for i, r := range []io.Reader{bytes.NewReader(data), unseekable{bytes.NewReader(data)}} {
		key := fmt.Sprintf("%slarge/%d.bin", c.KeyPrefix, i)
		opts := zones.PutOptions{}
		if i == 0 {
			opts = zones.PutOptions{Size: int64(n), SizeKnown: true, SHA256: want[:]}
		}
		a, err := b.Put(ctx, key, r, opts)
		if err != nil {
			return fmt.Errorf("Put of %d bytes (seekable %v): %w", n, i == 0, err)
		}
		if a.Size != int64(n) {
			return fmt.Errorf("Put returned size %d, want %d", a.Size, n)
		}
		got, err := read(ctx, b, key)
		if err != nil {
			return err
		}
		if sha256.Sum256(got) != want {
			return fmt.Errorf("large object %q read back with %d bytes and a different digest", key, len(got))
		}
		if err := put(ctx, b, key, []byte("small")); !errors.Is(err, zones.ErrAlreadyExists) {
			return fmt.Errorf("Put over a large object = %v, want zones.ErrAlreadyExists", err)
		}
	}
	return nil
}

func checkLargeRace(ctx context.Context, b zones.Backend, c Capabilities) error {
	if c.SkipLarge || c.SkipLargeRace {
		return fmt.Errorf("%w: SkipLarge or SkipLargeRace", errSkip)
	}
	return race(ctx, b, c.KeyPrefix+"large/race.bin", 2, c.largeSize())
}

// prefixed scopes a backend under a key prefix (for shared real buckets).
type prefixed struct {
	zones.Backend
	p string
}

func (p prefixed) Put(ctx context.Context, key string, r io.Reader, o zones.PutOptions) (zones.Attrs, error) {
	a, err := p.Backend.Put(ctx, p.p+key, r, o)
	a.Key = strings.TrimPrefix(a.Key, p.p)
	return a, err
}
func (p prefixed) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return p.Backend.Get(ctx, p.p+key)
}
func (p prefixed) Stat(ctx context.Context, key string) (zones.Attrs, error) {
	a, err := p.Backend.Stat(ctx, p.p+key)
	a.Key = strings.TrimPrefix(a.Key, p.p)
	return a, err
}
func (p prefixed) Delete(ctx context.Context, key string) error {
	return p.Backend.Delete(ctx, p.p+key)
}
func (p prefixed) List(ctx context.Context, prefix, after string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		if after != "" {
			after = p.p + after
		}
		for a, err := range p.Backend.List(ctx, p.p+prefix, after) {
			a.Key = strings.TrimPrefix(a.Key, p.p)
			if !yield(a, err) {
				return
			}
		}
	}
}
