package s3zone_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/s3zone"
	"github.com/cdpkit/cdpkit/zones/s3zone/s3zonetest"
)

// With a real bucket, pass s3.NewFromConfig(cfg) instead of the test
// server's client.
func Example() {
	ctx := context.Background()
	srv := s3zonetest.NewS3Server(s3zonetest.NewS3())
	defer srv.Close()
	if err := srv.CreateBucket(ctx, "lake-raw"); err != nil {
		panic(err)
	}

	b, err := s3zone.New(srv.Client(), "lake-raw", func(o *s3zone.Options) {
		o.UsePathStyle = true
		o.Prefix = "tenant-42/"
	})
	if err != nil {
		panic(err)
	}
	store := zones.New(b, func(o *zones.Options) {
		o.Now = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	})
	obj, err := store.PutRaw(ctx, "web", "events.jsonl", strings.NewReader(`{"e":"view"}`+"\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(store.Location(zones.Raw, obj.Key))
	// Output:
	// s3://lake-raw/tenant-42/raw/source=web/ingest_date=2026-11-23/sha256=a66089747bbf55da5ad22f72a296345f0470699596c7be7b45075086395e20aa.jsonl
}
