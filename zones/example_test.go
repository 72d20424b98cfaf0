package zones_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// A Store over the in-memory backend, with a fixed clock so the output is
// stable. In production use filezone.New(dir) or s3zone.New(client, bucket).
func newStore() *zones.Store {
	return zones.New(memzone.New(), func(o *zones.Options) {
		o.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	})
}

func ExampleStore_PutRaw() {
	ctx := context.Background()
	s := newStore()
	csv := "email,phone\nalice@example.com,+33 6 12 34 56 78\n"

	obj, err := s.PutRaw(ctx, "crm", "contacts.csv", strings.NewReader(csv))
	if err != nil {
		panic(err)
	}
	fmt.Println(obj.Key)
	fmt.Println(obj.Manifest.Size, obj.Manifest.Name, obj.Existing)

	// The same bytes again: the existing object, nothing duplicated.
	again, _ := s.PutRaw(ctx, "crm", "contacts (copy).csv", strings.NewReader(csv))
	fmt.Println(again.Key == obj.Key, again.Existing)
	// Output:
	// source=crm/ingest_date=2026-11-23/sha256=7d1b0d591759b604a529160d0fe37efacd3225bc0798b69a8db10d4ab5e6b4eb.csv
	// 48 contacts.csv false
	// true true
}

func ExampleStore_Put() {
	ctx := context.Background()
	s := newStore()

	if _, err := s.Put(ctx, zones.Curated, "segments/vip.json", strings.NewReader(`{"size":42}`)); err != nil {
		panic(err)
	}
	// Writes are create-only.
	_, err := s.Put(ctx, zones.Curated, "segments/vip.json", strings.NewReader(`{}`))
	fmt.Println(errors.Is(err, zones.ErrAlreadyExists))
	fmt.Println(err)

	// Zones are isolated.
	_, err = s.Get(ctx, zones.Clean, "segments/vip.json")
	fmt.Println(errors.Is(err, zones.ErrNotFound))

	rc, _ := s.Get(ctx, zones.Curated, "segments/vip.json")
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	fmt.Println(string(b))
	// Output:
	// true
	// zones: put "curated/segments/vip.json": already exists
	// true
	// {"size":42}
}

func ExampleStore_Objects() {
	ctx := context.Background()
	s := newStore()
	for _, k := range []string{"b/2", "a/1", "b/1", "c"} {
		s.Put(ctx, zones.Clean, k, strings.NewReader(k))
	}
	for o, err := range s.Objects(ctx, zones.Clean, "b/") {
		if err != nil {
			panic(err)
		}
		fmt.Println(o.Key, o.Size)
	}
	// Output:
	// b/1 3
	// b/2 3
}

func ExampleRejectWriter() {
	ctx := context.Background()
	s := newStore()
	q, _ := s.NewRejectWriter("contacts", "raw/source=crm/x.csv")
	q.Add(zones.Rejection{File: "raw/source=crm/x.csv", Line: 7, Column: "email", Reason: "invalid_email"})
	obj, _ := q.Commit(ctx)
	for r, err := range s.Rejections(ctx, obj.Key) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s line %d column %s: %s\n", r.File, r.Line, r.Column, r.Reason)
	}
	// Output:
	// raw/source=crm/x.csv line 7 column email: invalid_email
}

func ExampleEscapePartition() {
	p, _ := zones.PartitionPath([]string{"source", "dt"}, []string{"crm/eu", "2026-11-23"})
	fmt.Println(p)
	// Output:
	// source=crm%2Feu/dt=2026-11-23
}
