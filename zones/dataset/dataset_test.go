package dataset_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pqarrow "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/cdpkit/cdpkit/zones/s3zone/s3zonetest"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

// Customer is the clean-zone record used across these tests.
type Customer struct {
	CustomerID string    `parquet:"customer_id"`
	Email      string    `parquet:"email" cdpkit:"scheme=meta-sha256-v1"`
	FirstName  string    `parquet:"first_name,dict"`
	LastName   string    `parquet:"last_name,dict"`
	City       string    `parquet:"city,dict,optional"`
	Score      float64   `parquet:"score"`
	Active     bool      `parquet:"active"`
	Visits     int32     `parquet:"visits"`
	Tags       []string  `parquet:"tags,list"`
	SignupAt   time.Time `parquet:"signup_at,timestamp(millisecond)"`
	Country    string    `parquet:"-"` // partition column
}

func customers(n int, salt string) []Customer {
	out := make([]Customer, n)
	base := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	for i := range out {
		out[i] = Customer{
			CustomerID: fmt.Sprintf("C%07d%s", i, salt),
			Email:      fmt.Sprintf("%064x", i),
			FirstName:  fmt.Sprintf("first%d", i%7),
			LastName:   fmt.Sprintf("last%d", i%11),
			City:       fmt.Sprintf("city%d", i%3),
			Score:      float64(i) / 4,
			Active:     i%2 == 0,
			Visits:     int32(i),
			Tags:       []string{"t" + fmt.Sprint(i%2)},
			SignupAt:   base.Add(time.Duration(i) * time.Minute),
			Country:    []string{"FR", "US", "a/b=c"}[i%3],
		}
	}
	return out
}

func byCountry(o *dataset.Options[Customer]) {
	o.PartitionKeys = []string{"country"}
	o.Partition = func(c Customer) []string { return []string{c.Country} }
}

func fileStore(t *testing.T) *zones.Store {
	b, err := filezone.New(t.TempDir(), func(o *filezone.Options) { o.NoSync = true })
	if err != nil {
		t.Fatal(err)
	}
	return zones.New(b, func(o *zones.Options) { o.TempDir = t.TempDir() })
}

func TestSchema(t *testing.T) {
	s := fileStore(t)
	d, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry, func(o *dataset.Options[Customer]) {
		o.Comments = map[string]string{"customer_id": "the CRM's id"}
		o.PartitionTypes = map[string]string{"country": "varchar(2)"}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Schema()
	want := dataset.Schema{
		Name:     "customers",
		Location: s.Location(zones.Clean, "customers/"),
		Columns: []dataset.Column{
			{Name: "customer_id", Type: "string", Comment: "the CRM's id"},
			{Name: "email", Type: "string", Comment: "hashed: meta-sha256-v1"},
			{Name: "first_name", Type: "string"},
			{Name: "last_name", Type: "string"},
			{Name: "city", Type: "string"},
			{Name: "score", Type: "double"},
			{Name: "active", Type: "boolean"},
			{Name: "visits", Type: "int"},
			{Name: "tags", Type: "array<string>"},
			{Name: "signup_at", Type: "timestamp"},
		},
		PartitionKeys: []dataset.Column{{Name: "country", Type: "varchar(2)"}},
		Format:        "parquet",
		Compression:   "snappy",
		Parameters:    map[string]string{"cdpkit.hash_scheme.email": "meta-sha256-v1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("schema (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.Location, "file://") || !strings.HasSuffix(got.Location, "/clean/customers/") {
		t.Fatalf("location %q", got.Location)
	}
}

func TestNewRejectsTypesGlueCannotHold(t *testing.T) {
	s := zonestest.New(t)
	type unsigned struct {
		N uint64 `parquet:"n"`
	}
	if _, err := dataset.New[unsigned](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("uint64 column: %v", err)
	}
	type nanos struct {
		At time.Time `parquet:"at,timestamp(nanosecond)"`
	}
	if _, err := dataset.New[nanos](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("nanosecond timestamp: %v", err)
	}
	type ok struct {
		A string `parquet:"a"`
	}
	if _, err := dataset.New[ok](s, zones.Raw, "x"); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("dataset in the raw zone: %v", err)
	}
	if _, err := dataset.New[ok](s, zones.Clean, "x", func(o *dataset.Options[ok]) { o.PartitionKeys = []string{"p"} }); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("partition keys without a function: %v", err)
	}
	if _, err := dataset.New[ok](s, zones.Clean, "x", func(o *dataset.Options[ok]) { o.HashSchemes = map[string]string{"nope": "sha256-v1"} }); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("scheme for an unknown column: %v", err)
	}
	bad := func(o *dataset.Options[ok]) {
		o.PartitionKeys = []string{"p"}
		o.Partition = func(ok) []string { return []string{"x"} }
		o.PartitionTypes = map[string]string{"p": "array<int>"}
	}
	if _, err := dataset.New[ok](s, zones.Clean, "x", bad); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("non-primitive partition type: %v", err)
	}
	if _, err := dataset.New[int](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) {
		t.Errorf("non-struct T: %v", err)
	}
	// Logical types Spark's Parquet reader (Glue 3.0/4.0) rejects as
	// illegal and Hive cannot declare.
	type timeOfDay struct {
		D time.Duration `parquet:"d,time(millisecond)"`
	}
	if _, err := dataset.New[timeOfDay](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), `"d"`) {
		t.Errorf("TIME column: %v", err)
	}
	type uuid struct {
		U [16]byte `parquet:"u,uuid"`
	}
	if _, err := dataset.New[uuid](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), `"u"`) {
		t.Errorf("UUID column: %v", err)
	}
	// Without the annotation both are plain bigint / binary columns.
	type plain struct {
		D time.Duration `parquet:"d"`
		U [16]byte      `parquet:"u"`
	}
	d, err := dataset.New[plain](s, zones.Clean, "x")
	if err != nil {
		t.Fatalf("unannotated duration and [16]byte: %v", err)
	}
	if got := d.Schema().Columns; got[0].Type != "bigint" || got[1].Type != "binary" {
		t.Errorf("columns %+v, want bigint and binary", got)
	}
}

func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func keysOf(files []dataset.File) []string {
	var k []string
	for _, f := range files {
		k = append(k, f.Key)
	}
	return k
}

func TestWriteReadReplace(t *testing.T) {
	for name, s := range map[string]*zones.Store{"memzone": zonestest.New(t), "filezone": fileStore(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			d, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry)
			if err != nil {
				t.Fatal(err)
			}
			rows := customers(30, "")
			input := "raw/source=crm/ingest_date=2026-11-23/sha256=aa.csv"
			res, err := d.Write(ctx, input, dataset.Slice(rows))
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 30 || len(res.Files) != 3 || len(res.Partitions) != 3 || len(res.Removed) != 0 {
				t.Fatalf("write: rows %d files %d partitions %d removed %d", res.Rows, len(res.Files), len(res.Partitions), len(res.Removed))
			}
			wantPrefixes := []string{"customers/country=FR/", "customers/country=US/", "customers/country=a%2Fb%3Dc/"}
			for i, p := range res.Partitions {
				if p.Prefix != wantPrefixes[i] || !strings.HasPrefix(res.Files[i].Key, p.Prefix+"part-"+zones.InputGroup(input)+"-00000-") || !strings.HasSuffix(res.Files[i].Key, ".snappy.parquet") {
					t.Fatalf("partition %d: prefix %q file %q", i, p.Prefix, res.Files[i].Key)
				}
			}
			if res.Partitions[2].Values[0] != "a/b=c" || res.Files[2].Partition["country"] != "a/b=c" {
				t.Fatal("partition values must be reported unescaped")
			}
			// Read back: every row, with the partition column restored from Files.
			var got []Customer
			for f, err := range d.Files(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				for c, err := range d.ReadFile(ctx, f.Key) {
					if err != nil {
						t.Fatal(err)
					}
					c.Country = f.Partition["country"]
					got = append(got, c)
				}
			}
			slices.SortFunc(got, func(a, b Customer) int { return strings.Compare(a.CustomerID, b.CustomerID) })
			if diff := cmp.Diff(rows, got); diff != "" {
				t.Fatalf("read back (-want +got):\n%s", diff)
			}
			if n := len(collect(t, d.Rows(ctx))); n != 30 {
				t.Fatalf("Rows yielded %d rows", n)
			}
			if parts := collect(t, d.Partitions(ctx)); !cmp.Equal(parts, res.Partitions) {
				t.Fatalf("Partitions = %+v, want %+v", parts, res.Partitions)
			}

			// Same input, same rows: same files, nothing removed.
			again, err := d.Write(ctx, input, dataset.Slice(rows))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keysOf(again.Files), keysOf(res.Files)) || len(again.Removed) != 0 {
				t.Fatalf("identical rerun changed files: %q removed %q", keysOf(again.Files), again.Removed)
			}
			// Another input does not touch this input's files.
			other, err := d.Write(ctx, "raw/other.csv", dataset.Slice(customers(3, "-o")))
			if err != nil || len(other.Removed) != 0 {
				t.Fatalf("other input: removed %q, %v", other.Removed, err)
			}
			// Same input, changed rows (FR only now): new files in place,
			// the three old ones removed.
			changed := customers(1, "-v2")
			third, err := d.Write(ctx, input, dataset.Slice(changed))
			if err != nil {
				t.Fatal(err)
			}
			if len(third.Files) != 1 || len(third.Removed) != 3 {
				t.Fatalf("changed rerun: %d files, removed %q", len(third.Files), third.Removed)
			}
			var all []string
			for f, err := range d.Files(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, f.Key)
			}
			want := append(keysOf(third.Files), keysOf(other.Files)...)
			slices.Sort(want)
			if !slices.Equal(all, want) {
				t.Fatalf("dataset files after replace = %q, want %q", all, want)
			}
		})
	}
}

func TestFailedWritePublishesNothing(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	d, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("source failed")
	rows := func(yield func(Customer, error) bool) {
		for _, c := range customers(2000, "") {
			if !yield(c, nil) {
				return
			}
		}
		yield(Customer{}, boom)
	}
	if _, err := d.Write(ctx, "in", rows); !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the source error", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Write(cctx, "in", dataset.Slice(customers(10, ""))); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Write = %v", err)
	}
	for o, err := range s.Objects(ctx, zones.Clean, "") {
		t.Fatalf("a failed write left %q (err %v)", o.Key, err)
	}
}

func TestMaxRowsPerFileAndRowGroups(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	d, err := dataset.New[Customer](s, zones.Curated, "people", func(o *dataset.Options[Customer]) {
		o.MaxRowsPerFile = 4000
		o.RowGroupRows = 1000
		o.Compression = dataset.Zstd
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Write(ctx, "job-1", dataset.Slice(customers(10000, "")))
	if err != nil {
		t.Fatal(err)
	}
	var rows []int64
	for i, f := range res.Files {
		rows = append(rows, f.Rows)
		if !strings.Contains(f.Key, fmt.Sprintf("-%05d-", i)) || !strings.HasSuffix(f.Key, ".zstd.parquet") {
			t.Fatalf("file %d key %q", i, f.Key)
		}
		pf := openParquet(t, s, zones.Curated, f.Key)
		if got := len(pf.RowGroups()); got != int(f.Rows+999)/1000 {
			t.Fatalf("file %d: %d row groups for %d rows at 1000 per group", i, got, f.Rows)
		}
	}
	if !slices.Equal(rows, []int64{4000, 4000, 2000}) {
		t.Fatalf("rows per file %v", rows)
	}
}

func openParquet(t *testing.T, s *zones.Store, z zones.Zone, key string) *parquet.File {
	t.Helper()
	data := readAll(t, s, z, key)
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

func readAll(t *testing.T, s *zones.Store, z zones.Zone, key string) []byte {
	t.Helper()
	rc, err := s.Get(t.Context(), z, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestGlueCompatibleEncoding checks the settings older Spark/Glue readers
// need: V1 data pages, PLAIN or dictionary strings (never
// DELTA_LENGTH_BYTE_ARRAY), millisecond timestamps, and the hashing scheme
// in the key-value metadata.
func TestGlueCompatibleEncoding(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[Customer](s, zones.Clean, "customers")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Write(t.Context(), "in", dataset.Slice(customers(5000, "")))
	if err != nil {
		t.Fatal(err)
	}
	pf := openParquet(t, s, zones.Clean, res.Files[0].Key)
	if v, ok := pf.Lookup("cdpkit.hash_scheme.email"); !ok || v != "meta-sha256-v1" {
		t.Fatalf("hash scheme metadata = %q, %v", v, ok)
	}
	if v, _ := pf.Lookup("cdpkit.dataset"); v != "customers" {
		t.Fatalf("dataset metadata = %q", v)
	}
	if v, _ := pf.Lookup("cdpkit.comment.email"); v != "hashed: meta-sha256-v1" {
		t.Fatalf("comment metadata = %q", v)
	}
	dict := map[string]bool{}
	for _, rg := range pf.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			md := cc.MetaData
			col := strings.Join(md.PathInSchema, ".")
			if md.Codec != format.Snappy {
				t.Errorf("%s: codec %v", col, md.Codec)
			}
			for _, st := range md.EncodingStats {
				if st.PageType == format.DataPageV2 {
					t.Errorf("%s: V2 data page", col)
				}
			}
			for _, e := range md.Encoding {
				switch e {
				case format.RLEDictionary:
					dict[col] = true
				case format.Plain, format.RLE:
				default:
					// DELTA_*, BYTE_STREAM_SPLIT: not for older Spark/Hive.
					t.Errorf("%s: %v encoding", col, e)
				}
			}
		}
	}
	for _, col := range []string{"first_name", "last_name", "city"} {
		if !dict[col] {
			t.Errorf("%s: dict-tagged column not dictionary-encoded", col)
		}
	}
	leaf, ok := pf.Schema().Lookup("signup_at")
	if !ok {
		t.Fatal("no signup_at column")
	}
	ts, ok := leaf.Node.Type().LogicalType().Value.(*format.TimestampType)
	if !ok {
		t.Fatal("signup_at is not a TIMESTAMP")
	}
	if _, ms := ts.Unit.Value.(*format.MilliSeconds); !ms {
		t.Fatalf("signup_at unit %v, want millis", &ts.Unit)
	}
	// Hive/Athena read the legacy ConvertedType, which TIMESTAMP_MILLIS
	// only expresses for UTC-adjusted instants.
	if !ts.IsAdjustedToUTC {
		t.Fatal("signup_at is not isAdjustedToUTC")
	}
	for _, el := range pf.Metadata().Schema {
		if ct, ok := el.ConvertedType.Get(); el.Name == "signup_at" && (!ok || ct != deprecated.TimestampMillis) {
			t.Fatalf("signup_at converted type %v (set %v), want TIMESTAMP_MILLIS", ct, ok)
		}
	}
}

// TestArrowReadsFiles proves a second Parquet implementation reads our
// files: arrow-go's Parquet reader (parquet/file, the Go port of the C++
// reader pyarrow uses) decodes every row of the columns below, sees
// millisecond timestamps and finds the hashing-scheme metadata. (pqarrow,
// the Arrow-table layer on top, is not used: it imports arrow/flight and
// with it gRPC, which this module does not otherwise need.)
func TestArrowReadsFiles(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[Customer](s, zones.Clean, "customers", func(o *dataset.Options[Customer]) { o.RowGroupRows = 1000 })
	if err != nil {
		t.Fatal(err)
	}
	rows := customers(3000, "")
	res, err := d.Write(t.Context(), "in", dataset.Slice(rows))
	if err != nil {
		t.Fatal(err)
	}
	data := readAll(t, s, zones.Clean, res.Files[0].Key)
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	if rdr.NumRows() != int64(len(rows)) || rdr.NumRowGroups() != 3 {
		t.Fatalf("arrow-go sees %d rows in %d row groups, want %d in 3", rdr.NumRows(), rdr.NumRowGroups(), len(rows))
	}
	if v := rdr.MetaData().KeyValueMetadata().FindValue("cdpkit.hash_scheme.email"); v == nil || *v != "meta-sha256-v1" {
		t.Fatal("arrow-go does not see the hash scheme metadata")
	}
	sc := rdr.MetaData().Schema
	col := func(name string) int {
		i := sc.ColumnIndexByName(name)
		if i < 0 {
			t.Fatalf("arrow-go schema has no %q column", name)
		}
		return i
	}
	if lt, ok := sc.Column(col("signup_at")).LogicalType().(interface{ TimeUnit() pqschema.TimeUnitType }); !ok || lt.TimeUnit() != pqschema.TimeUnitMillis {
		t.Fatalf("arrow-go sees signup_at as %v, want TIMESTAMP(MILLIS)", sc.Column(col("signup_at")).LogicalType())
	}
	var ids []string
	var signup []int64
	var score []float64
	for g := 0; g < rdr.NumRowGroups(); g++ {
		rg := rdr.RowGroup(g)
		n := rg.NumRows()
		cr, err := rg.Column(col("customer_id"))
		if err != nil {
			t.Fatal(err)
		}
		bv := make([]pqarrow.ByteArray, n)
		if _, read, err := cr.(*file.ByteArrayColumnChunkReader).ReadBatch(n, bv, nil, nil); err != nil || int64(read) != n {
			t.Fatalf("row group %d customer_id: read %d of %d, %v", g, read, n, err)
		}
		for _, b := range bv {
			ids = append(ids, string(b))
		}
		cr, err = rg.Column(col("signup_at"))
		if err != nil {
			t.Fatal(err)
		}
		iv := make([]int64, n)
		if _, read, err := cr.(*file.Int64ColumnChunkReader).ReadBatch(n, iv, nil, nil); err != nil || int64(read) != n {
			t.Fatalf("row group %d signup_at: read %d of %d, %v", g, read, n, err)
		}
		signup = append(signup, iv...)
		cr, err = rg.Column(col("score"))
		if err != nil {
			t.Fatal(err)
		}
		fv := make([]float64, n)
		if _, read, err := cr.(*file.Float64ColumnChunkReader).ReadBatch(n, fv, nil, nil); err != nil || int64(read) != n {
			t.Fatalf("row group %d score: read %d of %d, %v", g, read, n, err)
		}
		score = append(score, fv...)
	}
	for i, r := range rows {
		if ids[i] != r.CustomerID {
			t.Fatalf("row %d: customer_id differs", i)
		}
		if signup[i] != r.SignupAt.UnixMilli() {
			t.Fatalf("row %d: signup_at differs", i)
		}
		if score[i] != r.Score {
			t.Fatalf("row %d: score differs", i)
		}
	}
}

func TestCorruptFileIsAnErrorNotAPanic(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[Customer](s, zones.Clean, "customers")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Write(t.Context(), "in", dataset.Slice(customers(100, "")))
	if err != nil {
		t.Fatal(err)
	}
	data := readAll(t, s, zones.Clean, res.Files[0].Key)
	for i := len(data) / 3; i < len(data)-200; i += 7 {
		data[i] ^= 0x5a
	}
	if _, err := s.Put(t.Context(), zones.Clean, "customers/corrupt.parquet", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), zones.Clean, "customers/trunc.parquet", bytes.NewReader(data[:50])); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"customers/corrupt.parquet", "customers/trunc.parquet"} {
		var failed bool
		for _, err := range d.ReadFile(t.Context(), k) {
			if err != nil {
				failed = true
				if !errors.Is(err, zones.ErrInvalidInput) {
					t.Fatalf("%s: %v, want ErrInvalidInput", k, err)
				}
			}
		}
		if !failed {
			t.Fatalf("%s read without error", k)
		}
	}
}

// On S3 (no random access through Get) files are read via a temp copy.
func TestDatasetOnS3(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	s := zones.New(srv.Backend(t), func(o *zones.Options) { o.TempDir = t.TempDir() })
	d, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry)
	if err != nil {
		t.Fatal(err)
	}
	rows := customers(500, "")
	res, err := d.Write(t.Context(), "in", dataset.Slice(rows))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Partitions[0].Location, "s3://bucket-") || !strings.HasPrefix(d.Schema().Location, "s3://") {
		t.Fatalf("locations %q / %q", res.Partitions[0].Location, d.Schema().Location)
	}
	if n := len(collect(t, d.Rows(t.Context()))); n != len(rows) {
		t.Fatalf("read back %d rows from S3, want %d", n, len(rows))
	}
}

func TestMaxOpenFilesBoundsPartitions(t *testing.T) {
	s := zonestest.New(t)
	type ev struct {
		ID  string `parquet:"id"`
		Day string `parquet:"-"`
	}
	d, err := dataset.New[ev](s, zones.Clean, "events", func(o *dataset.Options[ev]) {
		o.PartitionKeys = []string{"day"}
		o.Partition = func(e ev) []string { return []string{e.Day} }
		o.MaxOpenFiles = 2
	})
	if err != nil {
		t.Fatal(err)
	}
	// Days interleave a, b, c, a: with two open files, "a" is finished when
	// "c" arrives and its last row lands in a second file.
	rows := []ev{{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "a"}}
	res, err := d.Write(t.Context(), "in", dataset.Slice(rows))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Files {
		got = append(got, fmt.Sprintf("%s#%d", f.Partition["day"], f.Rows))
	}
	if want := []string{"a#1", "a#1", "b#1", "c#1"}; !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	if len(res.Partitions) != 3 {
		t.Fatalf("%d partitions, want 3", len(res.Partitions))
	}
	if n := len(collect(t, d.Rows(t.Context()))); n != 4 {
		t.Fatalf("read back %d rows", n)
	}
	// Deterministic: the same rows give the same files.
	again, err := d.Write(t.Context(), "in", dataset.Slice(rows))
	if err != nil || !slices.Equal(keysOf(again.Files), keysOf(res.Files)) || len(again.Removed) != 0 {
		t.Fatalf("rerun changed files (%v)", err)
	}
}

type crmRow struct {
	ID  string `parquet:"id"`
	Key string `parquet:"-"`
}

type contactRow struct {
	N int64 `parquet:"n"`
}

// A dataset's name is a key prefix, so "crm/contacts" lives inside "crm".
// Writing "crm" must not remove or read "crm/contacts" files, even for the
// same input (a pipeline typically derives several datasets from one raw
// file), and a partitioned dataset only owns files at its partition depth.
func TestNestedDatasetsAreIndependent(t *testing.T) {
	for name, s := range map[string]*zones.Store{"memzone": zonestest.New(t), "filezone": fileStore(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			const input = "raw/source=crm/x.csv"
			crm, err := dataset.New[crmRow](s, zones.Clean, "crm")
			if err != nil {
				t.Fatal(err)
			}
			contacts, err := dataset.New[contactRow](s, zones.Clean, "crm/contacts")
			if err != nil {
				t.Fatal(err)
			}
			byID := func(o *dataset.Options[crmRow]) {
				o.PartitionKeys = []string{"key"}
				o.Partition = func(r crmRow) []string { return []string{r.ID} }
			}
			parted, err := dataset.New[crmRow](s, zones.Clean, "parted", byID)
			if err != nil {
				t.Fatal(err)
			}
			nested, err := dataset.New[contactRow](s, zones.Clean, "parted/key=a/extra")
			if err != nil {
				t.Fatal(err)
			}
			cw, err := contacts.Write(ctx, input, dataset.Slice([]contactRow{{1}, {2}}))
			if err != nil {
				t.Fatal(err)
			}
			nw, err := nested.Write(ctx, input, dataset.Slice([]contactRow{{3}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []func() (dataset.WriteResult, error){
				func() (dataset.WriteResult, error) { return crm.Write(ctx, input, dataset.Slice([]crmRow{{ID: "a"}})) },
				func() (dataset.WriteResult, error) { return crm.Write(ctx, input, dataset.Slice([]crmRow{{ID: "b"}})) },
				func() (dataset.WriteResult, error) { return crm.Write(ctx, input, dataset.Slice([]crmRow{})) },
				func() (dataset.WriteResult, error) {
					return parted.Write(ctx, input, dataset.Slice([]crmRow{{ID: "a"}}))
				},
				func() (dataset.WriteResult, error) {
					return parted.Write(ctx, input, dataset.Slice([]crmRow{{ID: "b"}}))
				},
			} {
				res, err := w()
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range res.Removed {
					if strings.HasPrefix(k, "crm/contacts/") || strings.HasPrefix(k, "parted/key=a/extra/") {
						t.Fatalf("a write of the outer dataset removed a nested dataset's file %q", k)
					}
				}
			}
			for _, w := range []dataset.WriteResult{cw, nw} {
				if _, err := s.Stat(ctx, zones.Clean, w.Files[0].Key); err != nil {
					t.Fatalf("nested dataset file gone: %v", err)
				}
			}
			// The outer datasets see only their own files and rows.
			if rows := collect(t, crm.Rows(ctx)); len(rows) != 0 {
				t.Fatalf("crm.Rows after an empty rewrite yielded %d rows (nested files read as crm rows?)", len(rows))
			}
			for f, err := range parted.Files(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(f.Key, "/extra/") {
					t.Fatalf("parted.Files lists the nested dataset's %q", f.Key)
				}
			}
			if n := len(collect(t, contacts.Rows(ctx))); n != 2 {
				t.Fatalf("contacts has %d rows, want 2", n)
			}
		})
	}
}

// foreign is read from files this package did not write.
type foreign struct {
	ID  string    `parquet:"id"`
	N   int64     `parquet:"n"`
	At  time.Time `parquet:"at,timestamp(millisecond)"`
	Opt *string   `parquet:"opt,optional"`
}

// A file written by another implementation (arrow-go's Parquet writer,
// dictionary-encoded by default) with columns in another order, an extra
// column and without T's optional column reads into T by column name.
func TestReadFileWrittenByArrow(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[foreign](s, zones.Clean, "f")
	if err != nil {
		t.Fatal(err)
	}
	str := func(name string) pqschema.Node {
		return pqschema.MustPrimitive(pqschema.NewPrimitiveNodeLogical(name, pqarrow.Repetitions.Required, pqschema.StringLogicalType{}, pqarrow.Types.ByteArray, -1, -1))
	}
	root := pqschema.MustGroup(pqschema.NewGroupNode("schema", pqarrow.Repetitions.Required, pqschema.FieldList{
		pqschema.NewInt64Node("n", pqarrow.Repetitions.Required, -1),
		str("extra"),
		str("id"),
		pqschema.MustPrimitive(pqschema.NewPrimitiveNodeLogical("at", pqarrow.Repetitions.Required, pqschema.NewTimestampLogicalType(true, pqschema.TimeUnitMillis), pqarrow.Types.Int64, -1, -1)),
	}, -1))
	var buf bytes.Buffer
	w := file.NewParquetWriter(&buf, root)
	rg, err := w.AppendRowGroupChecked()
	if err != nil {
		t.Fatal(err)
	}
	write := func(f func(file.ColumnChunkWriter) error) {
		cw, err := rg.NextColumn()
		if err != nil {
			t.Fatal(err)
		}
		if err := f(cw); err != nil {
			t.Fatal(err)
		}
		if err := cw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{7, 8}, nil, nil)
		return err
	})
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch([]pqarrow.ByteArray{[]byte("x"), []byte("y")}, nil, nil)
		return err
	})
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch([]pqarrow.ByteArray{[]byte("a"), []byte("b")}, nil, nil)
		return err
	})
	write(func(cw file.ColumnChunkWriter) error {
		_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch([]int64{1000, 2000}, nil, nil)
		return err
	})
	if err := rg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(t.Context(), zones.Clean, "f/arrow.parquet", bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	got := collect(t, d.ReadFile(t.Context(), "f/arrow.parquet"))
	want := []foreign{{ID: "a", N: 7, At: time.UnixMilli(1000).UTC()}, {ID: "b", N: 8, At: time.UnixMilli(2000).UTC()}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
}

// A file that does not hold T's required columns, or holds them with
// other types, is an ErrInvalidInput error naming the column, not rows of
// zero values, and the error carries no value from the file.
func TestReadFileRejectsMismatchedFiles(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[foreign](s, zones.Clean, "f")
	if err != nil {
		t.Fatal(err)
	}
	type unrelated struct {
		X string `parquet:"x"`
	}
	type clash struct {
		ID int64     `parquet:"id"`
		N  string    `parquet:"n"`
		At time.Time `parquet:"at,timestamp(millisecond)"`
	}
	put := func(key string, write func(io.Writer) error) {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(t.Context(), zones.Clean, key, &buf); err != nil {
			t.Fatal(err)
		}
	}
	put("f/unrelated.parquet", func(w io.Writer) error {
		return parquet.Write(w, []unrelated{{"secret-value"}})
	})
	put("f/clash.parquet", func(w io.Writer) error {
		return parquet.Write(w, []clash{{1, "secret-value", time.UnixMilli(1)}})
	})
	for key, col := range map[string]string{"f/unrelated.parquet": "id", "f/clash.parquet": "id"} {
		var n int
		var got error
		for _, err := range d.ReadFile(t.Context(), key) {
			if err != nil {
				got = err
				break
			}
			n++
		}
		if !errors.Is(got, zones.ErrInvalidInput) || n != 0 {
			t.Fatalf("%s: %d rows, err %v; want ErrInvalidInput before any row", key, n, got)
		}
		if strings.Contains(got.Error(), "secret") || !strings.Contains(got.Error(), strconv.Quote(col)) {
			t.Fatalf("%s: error must name column %q and hold no value: %v", key, col, got)
		}
	}
}

// A partition value that cannot be part of a key (not UTF-8, too long)
// fails the Write before anything is published (not after the other
// partitions' files are in place), and the error names the row, not the
// value.
func TestBadPartitionValueFailsBeforePublishing(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[crmRow](s, zones.Clean, "p", func(o *dataset.Options[crmRow]) {
		o.PartitionKeys = []string{"key"}
		o.Partition = func(r crmRow) []string { return []string{r.Key} }
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, bad := range []string{"\xffsecret", strings.Repeat("secret", 170)} {
		rows := []crmRow{{ID: "1", Key: "a"}, {ID: "2", Key: bad}, {ID: "3", Key: "z"}}
		_, err := d.Write(t.Context(), "in", dataset.Slice(rows))
		if !errors.Is(err, zones.ErrInvalidInput) {
			t.Fatalf("value %d: Write = %v, want ErrInvalidInput", i, err)
		}
		if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "row 2") {
			t.Fatalf("value %d: error must name row 2 and hold no value: %.300v", i, err)
		}
		for o, err := range s.Objects(t.Context(), zones.Clean, "") {
			t.Fatalf("value %d: a failed Write published %q (%v)", i, o.Key, err)
		}
	}
}

// With SetPartition, Rows and ReadFile put the partition values back into
// the rows (the partition columns are not in the files); without it those
// fields stay zero.
func TestSetPartitionRestoresPartitionColumns(t *testing.T) {
	s := zonestest.New(t)
	ctx := t.Context()
	restore := func(o *dataset.Options[Customer]) {
		o.SetPartition = func(c *Customer, values []string) { c.Country = values[0] }
	}
	d, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry, restore)
	if err != nil {
		t.Fatal(err)
	}
	rows := customers(30, "")
	res, err := d.Write(ctx, "in", dataset.Slice(rows))
	if err != nil {
		t.Fatal(err)
	}
	byID := func(a, b Customer) int { return strings.Compare(a.CustomerID, b.CustomerID) }
	got := collect(t, d.Rows(ctx))
	slices.SortFunc(got, byID)
	if diff := cmp.Diff(rows, got); diff != "" {
		t.Fatalf("Rows (-want +got):\n%s", diff)
	}
	for _, f := range res.Files {
		for _, c := range collect(t, d.ReadFile(ctx, f.Key)) {
			if c.Country != f.Partition["country"] {
				t.Fatalf("ReadFile(%q) row has partition %q, want %q", f.Key, c.Country, f.Partition["country"])
			}
		}
	}
	plain, err := dataset.New[Customer](s, zones.Clean, "customers", byCountry)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range collect(t, plain.Rows(ctx)) {
		if c.Country != "" {
			t.Fatal("without SetPartition the partition field must stay zero")
		}
	}
	if _, err := dataset.New[Customer](s, zones.Clean, "x", restore); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("SetPartition without PartitionKeys: %v", err)
	}
}
