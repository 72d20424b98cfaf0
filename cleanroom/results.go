package cleanroom

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"iter"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// ObjectAPI is the part of *s3.Client that reading results uses, with the
// SDK's signatures (cleanroomtest.S3 implements it in memory).
type ObjectAPI interface {
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Column is a result column: its name and Glue type (string, bigint, int,
// double, float, decimal(p,s), boolean, date, timestamp, binary).
type Column struct {
	Name string
	Type string
}

// Row is one result row. Values are typed by their column: string, int64,
// float64, bool, time.Time (date, timestamp), []byte, or nil for NULL.
type Row struct {
	// Columns are shared by every row of a file; do not modify.
	Columns []Column
	Values  []any
}

// Get returns the value of the named column (nil when absent or NULL).
func (r Row) Get(name string) any {
	for i, c := range r.Columns {
		if strings.EqualFold(c.Name, name) {
			return r.Values[i]
		}
	}
	return nil
}

// ResultOptions configure reading results. The zero value is the default.
type ResultOptions struct {
	// Types gives CSV columns their Glue types by column name (CSV carries
	// only names; untyped columns are strings). Parquet files carry types.
	Types map[string]string
	// TempDir holds a Parquet object while it is read (Parquet needs random
	// access); "" is os.TempDir().
	TempDir string
	// BatchRows is the number of rows per Arrow record batch (default
	// 65,536).
	BatchRows int
	// Allocator builds Arrow record batches (default memory.DefaultAllocator).
	Allocator memory.Allocator
}

// ResultRows reads a protected query's results at location (Query.
// ResultLocation, "s3://bucket/prefix/") through api: every CSV or Parquet
// object under it, one after another in key order, gzip-compressed CSV
// included. Object names starting with "_" or "." (markers, metadata) are
// skipped; any other object that is neither CSV nor Parquet is an error,
// so nothing is dropped silently. Every file must have the same columns.
// Memory stays flat: CSV streams, and each Parquet object is copied to a
// temporary file and read a row group at a time.
func ResultRows(ctx context.Context, api ObjectAPI, location string, optFns ...func(*ResultOptions)) iter.Seq2[Row, error] {
	var o ResultOptions
	for _, f := range optFns {
		f(&o)
	}
	return func(yield func(Row, error) bool) {
		fail := func(err error) { yield(Row{}, err) }
		bucket, prefix, ok := parseS3(location)
		if !ok {
			fail(&Error{Op: "read results", Kind: ErrInvalidInput, Reason: "LOCATION_NOT_S3_URI"})
			return
		}
		keys, err := resultKeys(ctx, api, bucket, prefix)
		if err != nil {
			fail(err)
			return
		}
		var cols []Column
		for _, key := range keys {
			stop, err := readObject(ctx, api, bucket, key, o, func(fileCols []Column, rows iter.Seq2[[]any, error]) (bool, error) {
				if cols == nil {
					cols = fileCols
				} else if !sameColumns(cols, fileCols) {
					return false, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "FILES_DIFFER", Message: "result files have different columns"}
				}
				n := 0
				for vals, err := range rows {
					if err != nil {
						return false, err
					}
					// Parquet rows come from memory-mapped reads that never
					// look at ctx: look here.
					if n++; n%4096 == 0 && ctx.Err() != nil {
						return false, ctx.Err()
					}
					if !yield(Row{Columns: cols, Values: vals}, nil) {
						return true, nil
					}
				}
				return false, nil
			})
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				fail(err)
				return
			}
			if stop {
				return
			}
		}
	}
}

// ResultRecords reads results like ResultRows, as Arrow record batches of
// Options.BatchRows rows (a batch never spans two files). Column types map
// to Arrow as string→String, integers→Int64, double/float/decimal→Float64,
// boolean→Boolean, date→Date32, timestamp→Timestamp(µs, UTC),
// binary→Binary. The caller releases each batch.
func ResultRecords(ctx context.Context, api ObjectAPI, location string, optFns ...func(*ResultOptions)) iter.Seq2[arrow.RecordBatch, error] {
	var o ResultOptions
	for _, f := range optFns {
		f(&o)
	}
	batch := o.BatchRows
	if batch <= 0 {
		batch = 1 << 16
	}
	mem := o.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return func(yield func(arrow.RecordBatch, error) bool) {
		var (
			b    *array.RecordBuilder
			cols []Column
			n    int
		)
		defer func() {
			if b != nil {
				b.Release()
			}
		}()
		emit := func() bool {
			if n == 0 {
				return true
			}
			rec := b.NewRecordBatch()
			n = 0
			return yield(rec, nil)
		}
		for row, err := range ResultRows(ctx, api, location, optFns...) {
			if err != nil {
				yield(nil, err)
				return
			}
			if b == nil || !sameSlice(row.Columns, cols) {
				if !emit() {
					return
				}
				if b != nil {
					b.Release()
				}
				cols = row.Columns
				b = array.NewRecordBuilder(mem, arrowSchema(cols))
				b.Reserve(batch)
			}
			for i, v := range row.Values {
				if !appendArrow(b.Field(i), v) {
					// Not silently a null: the reader and the schema disagree.
					yield(nil, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "VALUE_NOT_OF_TYPE",
						Message: "column " + strconv.Quote(cols[i].Name) + " holds a value that is not " + cols[i].Type})
					return
				}
			}
			if n++; n == batch && !emit() {
				return
			}
		}
		emit()
	}
}

func arrowType(t string) arrow.DataType {
	base, _, _ := strings.Cut(strings.ToLower(t), "(")
	switch base {
	case "bigint", "int", "integer", "smallint", "tinyint":
		return arrow.PrimitiveTypes.Int64
	case "double", "float", "real", "decimal":
		return arrow.PrimitiveTypes.Float64
	case "boolean":
		return arrow.FixedWidthTypes.Boolean
	case "date":
		return arrow.FixedWidthTypes.Date32
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "binary":
		return arrow.BinaryTypes.Binary
	}
	return arrow.BinaryTypes.String
}

func arrowSchema(cols []Column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

// appendArrow appends v to b, or reports false when v is not of b's type.
func appendArrow(b array.Builder, v any) bool {
	if v == nil {
		b.AppendNull()
		return true
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		if x, ok := v.(int64); ok {
			bb.Append(x)
			return true
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			bb.Append(x)
			return true
		case int64:
			bb.Append(float64(x))
			return true
		}
	case *array.BooleanBuilder:
		if x, ok := v.(bool); ok {
			bb.Append(x)
			return true
		}
	case *array.Date32Builder:
		if x, ok := v.(time.Time); ok {
			bb.Append(arrow.Date32FromTime(x))
			return true
		}
	case *array.TimestampBuilder:
		if x, ok := v.(time.Time); ok {
			bb.Append(arrow.Timestamp(x.UnixMicro()))
			return true
		}
	case *array.BinaryBuilder:
		if x, ok := v.([]byte); ok {
			bb.Append(x)
			return true
		}
	case *array.StringBuilder:
		if x, ok := v.(string); ok {
			bb.Append(x)
			return true
		}
		bb.Append(sqlengine.FormatValue(v))
		return true
	}
	return false
}

func parseS3(loc string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	return bucket, prefix, bucket != ""
}

func resultKeys(ctx context.Context, api ObjectAPI, bucket, prefix string) ([]string, error) {
	var keys []string
	var token *string
	for {
		out, err := api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), ContinuationToken: token})
		if err != nil {
			return nil, &Error{Op: "read results: list objects", Err: err, Kind: s3Kind(err)}
		}
		if out == nil {
			return nil, emptyResponse("read results: list objects", "")
		}
		for _, obj := range out.Contents {
			k := aws.ToString(obj.Key)
			name := path.Base(k)
			if strings.HasSuffix(k, "/") || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
				continue
			}
			keys = append(keys, k)
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			break
		}
		token = out.NextContinuationToken
	}
	if len(keys) == 0 {
		return nil, &Error{Op: "read results", Kind: ErrNotFound, Reason: "NO_RESULT_FILES"}
	}
	return keys, nil
}

func s3Kind(err error) error {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket", "NoSuchKey", "NotFound":
			return ErrNotFound
		case "AccessDenied", "Forbidden":
			return ErrAccessDenied
		case "SlowDown", "Throttling":
			return ErrThrottled
		}
	}
	return ErrInternal
}

// readObject opens one result object and hands its columns and rows to fn.
func readObject(ctx context.Context, api ObjectAPI, bucket, key string, o ResultOptions, fn func([]Column, iter.Seq2[[]any, error]) (bool, error)) (bool, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return false, &Error{Op: "read results: get object", Err: err, Kind: s3Kind(err)}
	}
	if out == nil || out.Body == nil {
		return false, emptyResponse("read results: get object", "")
	}
	defer out.Body.Close()
	name := strings.ToLower(path.Base(key))
	switch {
	case strings.HasSuffix(name, ".parquet"):
		tmp, err := os.CreateTemp(o.TempDir, "cdpkit-result-*.parquet")
		if err != nil {
			return false, &Error{Op: "read results", Err: err, Kind: ErrInternal}
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		size, err := io.Copy(tmp, out.Body)
		if err != nil {
			return false, &Error{Op: "read results: get object", Err: err, Kind: ErrInternal}
		}
		cols, rows, err := sqlengine.ReadParquet(tmp, size)
		if err != nil {
			return false, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "UNREADABLE_PARQUET", Err: err}
		}
		return fn(columnsOf(cols), rows)
	case strings.HasSuffix(name, ".csv"), strings.HasSuffix(name, ".csv.gz"), strings.HasSuffix(name, ".gz"):
		var r io.Reader = bufio.NewReaderSize(out.Body, 1<<16)
		if strings.HasSuffix(name, ".gz") {
			gz, err := gzip.NewReader(r)
			if err != nil {
				return false, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "UNREADABLE_GZIP", Err: err}
			}
			defer gz.Close()
			r = gz
		}
		return readCSV(ctx, r, o, fn)
	}
	return false, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "UNKNOWN_RESULT_FORMAT", Message: "a result object is neither CSV nor Parquet"}
}

func columnsOf(cs []sqlengine.Column) []Column {
	out := make([]Column, len(cs))
	for i, c := range cs {
		out[i] = Column(c)
	}
	return out
}

func sameColumns(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

func readCSV(ctx context.Context, r io.Reader, o ResultOptions, fn func([]Column, iter.Seq2[[]any, error]) (bool, error)) (bool, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return false, nil // an empty file: no header, no rows
	}
	if err != nil {
		return false, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "MALFORMED_CSV", Err: err}
	}
	cols := make([]Column, len(head))
	for i, h := range head {
		t := o.Types[h]
		if t == "" {
			t = "string"
		}
		cols[i] = Column{Name: h, Type: t}
	}
	rows := func(yield func([]any, error) bool) {
		line := 1
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			line++
			if err != nil {
				yield(nil, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "MALFORMED_CSV", Err: err})
				return
			}
			if line%4096 == 0 && ctx.Err() != nil {
				yield(nil, ctx.Err())
				return
			}
			vals := make([]any, len(cols))
			for i, s := range rec {
				if i >= len(vals) {
					break
				}
				v, err := parseCSVValue(s, cols[i].Type)
				if err != nil {
					yield(nil, &Error{Op: "read results", Kind: ErrInvalidInput, Reason: "VALUE_NOT_OF_TYPE",
						Message: "line " + strconv.Itoa(line) + " column " + strconv.Quote(cols[i].Name) + " is not " + cols[i].Type})
					return
				}
				vals[i] = v
			}
			if !yield(vals, nil) {
				return
			}
		}
	}
	return fn(cols, rows)
}

func parseCSVValue(s, t string) (any, error) {
	base, _, _ := strings.Cut(strings.ToLower(t), "(")
	if base == "string" || base == "varchar" || base == "char" {
		return s, nil
	}
	if s == "" {
		return nil, nil
	}
	switch base {
	case "bigint", "int", "integer", "smallint", "tinyint":
		return strconv.ParseInt(s, 10, 64)
	case "double", "float", "real", "decimal":
		return strconv.ParseFloat(s, 64)
	case "boolean":
		return strconv.ParseBool(s)
	case "date":
		return time.Parse("2006-01-02", s)
	case "timestamp":
		for _, l := range []string{"2006-01-02 15:04:05.999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999"} {
			if t, err := time.Parse(l, s); err == nil {
				return t, nil
			}
		}
		return nil, errors.New("not a timestamp")
	case "binary":
		return []byte(s), nil
	}
	return s, nil
}

func sameSlice(a, b []Column) bool { return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0]) }
