package meta_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
)

// cell stands in for package hashing's normalizers: it hashes an already
// normalized synthetic value.
func cell(k hashing.Key, normalized string) hashing.Cell {
	sum := sha256.Sum256([]byte(normalized))
	c, _ := hashing.CellFromDigest(k, hex.EncodeToString(sum[:]))
	return c
}

func Example() {
	ctx := context.Background()
	srv := metatest.NewGraphServer(metatest.NewGraph()) // a Graph endpoint on loopback
	defer srv.Close()
	client := srv.Client() // in production: meta.NewClient(token)

	audience, err := client.CreateAudience(ctx, "act_1234", meta.AudienceSpec{Name: "high value customers"})
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := meta.Schema{hashing.Email, hashing.Phone, hashing.Country}
	rows := [][]hashing.Cell{
		{cell(hashing.Email, "ana@example.com"), cell(hashing.Phone, "15550100001"), cell(hashing.Country, "us")},
		{cell(hashing.Country, "gb"), cell(hashing.Email, "bo@example.com")}, // any order, keys may be missing
		{cell(hashing.Email, "cy@example.com")},
	}
	up := meta.NewUploader(client)
	res, err := up.Add(ctx, audience, schema, meta.Rows(rows))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("sent %d rows in %d batch, Meta received %d\n", res.RowsSent, res.Batches, res.NumReceived)
	fmt.Println("members:", srv.Graph().Model.Size(audience))
	// Output:
	// sent 3 rows in 1 batch, Meta received 3
	// members: 3
}

// Faults make the fake fail like Graph does; the Uploader retries and every
// batch is acknowledged once.
func ExampleUploader_Replace() {
	ctx := context.Background()
	rec := metatest.NewGraph() // in-process fake of the same model
	audience := rec.Model.AddAudience()
	rec.SetFaults(metatest.Script(
		metatest.Fault{Kind: metatest.Unavailable},
		metatest.Fault{Kind: metatest.LostResponse},
	))
	var rows [][]hashing.Cell
	for i := range 25 {
		rows = append(rows, []hashing.Cell{cell(hashing.Email, fmt.Sprintf("user%d@example.com", i))})
	}
	up := meta.NewUploader(rec, func(o *meta.Options) {
		o.BatchSize = 10
		o.Retry.MinDelay = 1 // nanosecond: keep the example fast
	})
	res, err := up.Replace(ctx, audience, meta.Schema{hashing.Email}, meta.Rows(rows))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("batches %d, retries %d, members %d\n", res.Batches, res.Retries, rec.Model.Size(audience))
	for _, b := range rec.Model.Batches() {
		fmt.Printf("batch %d: %d rows, last %v, acknowledged %d time(s)\n", b.Seq, b.Rows, b.Last, b.Applied-b.Dropped)
	}
	// Output:
	// batches 3, retries 2, members 25
	// batch 1: 10 rows, last false, acknowledged 1 time(s)
	// batch 2: 10 rows, last false, acknowledged 1 time(s)
	// batch 3: 5 rows, last true, acknowledged 1 time(s)
}

func ExampleAPIError() {
	ctx := context.Background()
	rec := metatest.NewGraph()
	audience := rec.Model.AddAudience()
	rec.Model.SetStatus(audience, meta.OperationStatus{Code: meta.StatusCodeRestricted})
	_, err := meta.NewUploader(rec).Add(ctx, audience, meta.Schema{hashing.Email},
		meta.Rows([][]hashing.Cell{{cell(hashing.Email, "ana@example.com")}}))
	fmt.Println(errors.Is(err, meta.ErrAudienceRestricted))
	var ae *meta.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.Code, ae.Subcode)
	}
	// Output:
	// true
	// 100 1713230
}

// Hash raw records with package hashing and upload them, streaming.
func ExampleHashedRows() {
	ctx := context.Background()
	rec := metatest.NewGraph()
	audience := rec.Model.AddAudience()

	h, err := hashing.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := meta.Schema{hashing.Email, hashing.Phone, hashing.Country}
	records := func(yield func(hashing.Record, error) bool) {
		for _, r := range [][3]string{
			{" Ana@Example.com ", "+1 (650) 555-0100", "US"},
			{"bo@example.com", "not a phone", "gb"},
			{"", "", ""}, // nothing usable: rejected, not sent
		} {
			var rec hashing.Record
			rec.Set(hashing.Email, r[0])
			rec.Set(hashing.Phone, r[1])
			rec.Set(hashing.Country, r[2])
			if !yield(rec, nil) {
				return
			}
		}
	}
	rows := meta.HashedRows(h.Rows(ctx, schema, records, 0), func(row int, errs []*hashing.Error) {
		for _, e := range errs {
			fmt.Println("row", row, e.Key, e.Reason)
		}
	})
	res, err := meta.NewUploader(rec).Add(ctx, audience, schema, rows)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent", res.RowsSent, "rejected", res.RowsRejected, res.Rejects[0].Reason)
	fmt.Println("members:", rec.Model.Size(audience))
	// Output:
	// row 2 PHONE phone_invalid
	// sent 2 rejected 1 empty_row
	// members: 2
}

// A crashed upload resumes from its checkpoint without re-sending the
// batches Meta acknowledged.
func ExampleFileCheckpoint() {
	dir, err := os.MkdirTemp("", "meta-checkpoint")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	rec := metatest.NewGraph()
	audience := rec.Model.AddAudience()
	var rows [][]hashing.Cell
	for i := range 50 {
		rows = append(rows, []hashing.Cell{cell(hashing.Email, fmt.Sprintf("user%d@example.com", i))})
	}
	opts := func(o *meta.Options) {
		o.BatchSize = 10
		o.Concurrency = 1
		o.Checkpoint = meta.NewFileCheckpoint(dir)
	}

	// First run: "crashes" after two acknowledged batches.
	ctx, crash := context.WithCancel(context.Background())
	_, err = meta.NewUploader(rec, opts, func(o *meta.Options) {
		o.Progress = func(p meta.Progress) {
			if p.BatchesAcked == 2 {
				crash()
			}
		}
	}).Add(ctx, audience, meta.Schema{hashing.Email}, meta.Rows(rows))
	fmt.Println("first run canceled:", errors.Is(err, context.Canceled))

	// Second run: same rows, same options.
	res, err := meta.NewUploader(rec, opts).Add(context.Background(), audience, meta.Schema{hashing.Email}, meta.Rows(rows))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("resumed %d batches, sent %d, members %d\n", res.BatchesResumed, res.Batches, rec.Model.Size(audience))
	// Output:
	// first run canceled: true
	// resumed 2 batches, sent 3, members 50
}
