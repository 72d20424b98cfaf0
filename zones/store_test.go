package zones_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

var fixedNow = time.Date(2026, 11, 23, 18, 30, 0, 123456789, time.UTC)

// clock is what the test stores' Now returns; tests that change it do not
// run in parallel.
var clock = fixedNow

// stores returns one Store per backend kind: a Stager backend (filezone),
// memzone, and a backend without Stager (so PutRaw takes its spool path).
func stores(t *testing.T) map[string]*zones.Store {
	t.Helper()
	fb, err := filezone.New(t.TempDir(), func(o *filezone.Options) { o.NoSync = true })
	if err != nil {
		t.Fatal(err)
	}
	opt := func(o *zones.Options) {
		o.Now = func() time.Time { return clock }
		o.TempDir = t.TempDir()
		o.SpoolMemory = 16
	}
	return map[string]*zones.Store{
		"filezone":   zones.New(fb, opt),
		"memzone":    zones.New(memzone.New(), opt),
		"non-stager": zones.New(zonestest.NewFaulty(memzone.New()), opt),
	}
}

func list(t *testing.T, s *zones.Store, z zones.Zone, prefix string) []string {
	t.Helper()
	var out []string
	for o, err := range s.Objects(t.Context(), z, prefix) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o.Key)
	}
	return out
}

func TestPutRaw(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			clock = fixedNow
			ctx := t.Context()
			body := []byte("email,phone\na@example.com,+1 555\n")
			sum := sha256.Sum256(body)
			digest := hex.EncodeToString(sum[:])
			got, err := s.PutRaw(ctx, "crm/eu", "Export 2026.CSV.GZ", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			wantKey := "source=crm%2Feu/ingest_date=2026-11-23/sha256=" + digest + ".csv.gz"
			want := zones.Manifest{Source: "crm/eu", Key: wantKey, Size: int64(len(body)), SHA256: digest, IngestedAt: fixedNow.Truncate(time.Millisecond), Name: "Export 2026.CSV.GZ"}
			if diff := cmp.Diff(want, got.Manifest); diff != "" {
				t.Fatalf("manifest (-want +got):\n%s", diff)
			}
			if got.Key != wantKey || got.Zone != zones.Raw || got.Existing {
				t.Fatalf("PutRaw = key %q zone %s existing %v", got.Key, got.Zone, got.Existing)
			}
			rc, err := s.Get(ctx, zones.Raw, got.Key)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(stored, body) {
				t.Fatal("stored raw bytes differ from the input")
			}
			m, err := s.ReadManifest(ctx, got.ManifestKey)
			if err != nil || m != want {
				t.Fatalf("stored manifest = %+v, %v", m, err)
			}

			// Same bytes again, on another day: the existing object.
			clock = fixedNow.Add(72 * time.Hour)
			again, err := s.PutRaw(ctx, "crm/eu", "renamed.csv", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if !again.Existing || again.Key != wantKey {
				t.Fatalf("re-ingest = key %q existing %v, want the existing object", again.Key, again.Existing)
			}
			if n := len(list(t, s, zones.Raw, "")); n != 2 {
				t.Fatalf("raw zone holds %d objects after a duplicate ingest, want 2 (object + manifest)", n)
			}
			// Other bytes, unknown extension.
			other, err := s.PutRaw(ctx, "crm/eu", "noext", strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(other.Key, ".bin") || other.Existing {
				t.Fatalf("other bytes: key %q existing %v", other.Key, other.Existing)
			}
			if err := s.Delete(ctx, zones.Raw, got.Key); !errors.Is(err, zones.ErrImmutable) {
				t.Fatalf("Delete raw = %v, want ErrImmutable", err)
			}
			if _, err := s.PutRaw(ctx, "", "x.csv", strings.NewReader("x")); !errors.Is(err, zones.ErrInvalidInput) {
				t.Fatalf("PutRaw with no source = %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestPutRawConcurrentSameBytes(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			keys := make([]string, 8)
			errs := make([]error, 8)
			for i := range 8 {
				wg.Go(func() {
					r, err := s.PutRaw(t.Context(), "web", "events.jsonl", strings.NewReader(strings.Repeat("same bytes\n", 1000)))
					keys[i], errs[i] = r.Key, err
				})
			}
			wg.Wait()
			for i := range 8 {
				if errs[i] != nil {
					t.Fatalf("writer %d: %v", i, errs[i])
				}
				if keys[i] != keys[0] {
					t.Fatalf("writers %d and 0 got different keys", i)
				}
			}
			if n := len(list(t, s, zones.Raw, "")); n != 2 {
				t.Fatalf("raw zone holds %d objects, want 2", n)
			}
		})
	}
}

// If the object a manifest names is gone (a lifecycle expiration, a
// cleanup through the backend), ingesting the same bytes again stores them
// and returns that copy; it used to delete the new copy and report the
// missing object as existing.
func TestPutRawWhenManifestNamesAMissingObject(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			clock = fixedNow
			first, err := s.PutRaw(ctx, "crm", "a.csv", strings.NewReader("abc"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Backend(zones.Raw).Delete(ctx, "raw/"+first.Key); err != nil {
				t.Fatal(err)
			}
			clock = fixedNow.Add(48 * time.Hour) // another ingest day
			defer func() { clock = fixedNow }()
			again, err := s.PutRaw(ctx, "crm", "a.csv", strings.NewReader("abc"))
			if err != nil {
				t.Fatal(err)
			}
			if again.Existing {
				t.Fatal("re-ingest reported the missing object as existing")
			}
			rc, err := s.Get(ctx, zones.Raw, again.Key)
			if err != nil {
				t.Fatalf("the re-ingested bytes are not stored: %v", err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != "abc" {
				t.Fatal("stored bytes differ")
			}
		})
	}
}

func TestPutRawCancelled(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, err := s.PutRaw(ctx, "crm", "a.csv", strings.NewReader(strings.Repeat("x", 1<<20))); !errors.Is(err, context.Canceled) {
				t.Fatalf("PutRaw with a cancelled context = %v", err)
			}
			if n := len(list(t, s, zones.Raw, "")); n != 0 {
				t.Fatalf("a cancelled ingest left %d objects", n)
			}
		})
	}
}

func TestListPage(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	for i := range 25 {
		if _, err := s.Put(ctx, zones.Curated, fmt.Sprintf("seg/%02d", i), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	var all []string
	token := ""
	pages := 0
	for {
		p, err := s.ListPage(ctx, zones.Curated, "seg/", token, 10)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range p.Objects {
			all = append(all, o.Key)
		}
		if p.NextPageToken == "" {
			break
		}
		token = p.NextPageToken
	}
	if pages != 3 || len(all) != 25 || all[0] != "seg/00" || all[24] != "seg/24" {
		t.Fatalf("paged %d pages, %d keys", pages, len(all))
	}
	if _, err := s.ListPage(ctx, zones.Curated, "", "!!not base64", 10); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("bad token = %v", err)
	}
}

func TestRejectWriterReplacesOnRerun(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	input := "raw/source=crm/ingest_date=2026-11-23/sha256=00.csv"
	write := func(reasons ...string) zones.Object {
		q, err := s.NewRejectWriter("customers", input)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range reasons {
			if err := q.Add(zones.Rejection{File: input, Line: int64(i + 2), Column: "email", Reason: r}); err != nil {
				t.Fatal(err)
			}
		}
		o, err := q.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	first := write("bad_quote", "field_count")
	if !strings.HasPrefix(first.Key, "customers/rejects-"+zones.InputGroup(input)+"-") || !strings.HasSuffix(first.Key, ".jsonl") {
		t.Fatalf("quarantine key %q", first.Key)
	}
	var got []zones.Rejection
	for r, err := range s.Rejections(ctx, first.Key) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []zones.Rejection{{File: input, Line: 2, Column: "email", Reason: "bad_quote"}, {File: input, Line: 3, Column: "email", Reason: "field_count"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rejections (-want +got):\n%s", diff)
	}
	// The same rejections again: same object, nothing duplicated.
	if again := write("bad_quote", "field_count"); again.Key != first.Key {
		t.Fatalf("identical rerun wrote %q, want %q", again.Key, first.Key)
	}
	// Different rejections: the new file replaces the old one.
	second := write("invalid_utf8")
	if keys := list(t, s, zones.Quarantine, "customers/"); !cmp.Equal(keys, []string{second.Key}) {
		t.Fatalf("after a changed rerun the quarantine holds %q, want only %q", keys, second.Key)
	}
	// A clean rerun removes it.
	if o := write(); o.Key != "" {
		t.Fatalf("empty commit published %q", o.Key)
	}
	if keys := list(t, s, zones.Quarantine, "customers/"); len(keys) != 0 {
		t.Fatalf("after a clean rerun the quarantine holds %q", keys)
	}
}

// Quarantine datasets nest like dataset names ("customers" and
// "customers/emails"); committing one must not remove the other's
// rejections for the same input.
func TestRejectWriterLeavesNestedDatasetsAlone(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	const input = "raw/x.csv"
	commit := func(dataset string, reasons ...string) zones.Object {
		q, err := s.NewRejectWriter(dataset, input)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range reasons {
			if err := q.Add(zones.Rejection{File: input, Line: int64(i + 2), Reason: r}); err != nil {
				t.Fatal(err)
			}
		}
		o, err := q.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	inner := commit("customers/emails", "invalid_json")
	commit("customers", "bad_quote")
	commit("customers") // a clean rerun of the outer dataset
	if _, err := s.Stat(ctx, zones.Quarantine, inner.Key); err != nil {
		t.Fatalf("the nested dataset's rejections were removed: %v", err)
	}
	if keys := list(t, s, zones.Quarantine, "customers/"); !cmp.Equal(keys, []string{inner.Key}) {
		t.Fatalf("quarantine holds %q, want only the nested dataset's file", keys)
	}
}

func TestOutputSpillsAndPublishes(t *testing.T) {
	s := zones.New(memzone.New(), func(o *zones.Options) { o.SpoolMemory = 1024; o.TempDir = t.TempDir() })
	out := s.NewOutput()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for i := 0; i < len(data); i += 333 {
		if _, err := out.Write(data[i:min(i+333, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	o, err := out.Publish(t.Context(), zones.Clean, "ds/p=1", "part-x", ".bin")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if o.Key != "ds/p=1/part-x-"+hex.EncodeToString(sum[:16])+".bin" || o.Size != int64(len(data)) {
		t.Fatalf("published %q size %d", o.Key, o.Size)
	}
	if _, err := out.Write([]byte("x")); err == nil {
		t.Fatal("Write after Publish succeeded")
	}
}

func TestEscapePartition(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", zones.HiveDefaultPartition},
		{"2026-11-23", "2026-11-23"},
		{"a/b", "a%2Fb"},
		{"k=v:x", "k%3Dv%3Ax"},
		{"50%", "50%25"},
		{"naïve café", "naïve café"},
		{"tab\there", "tab%09here"},
		{`q"#'*?\{[]^`, "q%22%23%27%2A%3F%5C%7B%5B%5D%5E"},
	} {
		if got := zones.EscapePartition(tc.in); got != tc.want {
			t.Errorf("EscapePartition(case %q) = %q, want %q", tc.want, got, tc.want)
		}
		if back := zones.UnescapePartition(tc.want); back != tc.in {
			t.Errorf("UnescapePartition(%q) did not round-trip", tc.want)
		}
	}
	p, err := zones.PartitionPath([]string{"source", "dt"}, []string{"crm/eu", ""})
	if err != nil || p != "source=crm%2Feu/dt="+zones.HiveDefaultPartition {
		t.Fatalf("PartitionPath = %q, %v", p, err)
	}
	if _, err := zones.PartitionPath([]string{"a"}, nil); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("mismatched PartitionPath = %v", err)
	}
}

func TestErrorShape(t *testing.T) {
	s := zonestest.New(t)
	_, err := s.Get(t.Context(), zones.Clean, "missing/k.parquet")
	if got, want := err.Error(), `zones: get "clean/missing/k.parquet": not found`; got != want {
		t.Fatalf("error text %q, want %q", got, want)
	}
	if _, err := s.Put(t.Context(), zones.Zone("bronze"), "k", strings.NewReader("")); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("unknown zone = %v", err)
	}
	cause := errors.New("cause")
	e := zones.NewError("put", "k", zones.ErrThrottled, cause)
	if !errors.Is(e, zones.ErrThrottled) || !errors.Is(e, cause) {
		t.Fatal("NewError must unwrap to kind and cause")
	}
}

func TestStoreRoutesZonesToBackends(t *testing.T) {
	rawB, defB := memzone.New(), memzone.New()
	s := zones.New(defB, func(o *zones.Options) { o.Backends = map[zones.Zone]zones.Backend{zones.Raw: rawB} })
	ctx := t.Context()
	if _, err := s.Put(ctx, zones.Raw, "a", strings.NewReader("1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, zones.Clean, "a", strings.NewReader("2")); err != nil {
		t.Fatal(err)
	}
	if _, err := rawB.Stat(ctx, "raw/a"); err != nil {
		t.Fatalf("raw object not in the raw backend: %v", err)
	}
	if _, err := defB.Stat(ctx, "raw/a"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("raw object leaked into the default backend: %v", err)
	}
}
