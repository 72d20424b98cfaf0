package cleanroom_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

func put(t *testing.T, s *cleanroomtest.S3, key string, body []byte) {
	t.Helper()
	if _, err := s.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func readAll(s *cleanroomtest.S3, loc string, optFns ...func(*cleanroom.ResultOptions)) ([][]any, error) {
	var out [][]any
	for row, err := range cleanroom.ResultRows(context.Background(), s, loc, optFns...) {
		if err != nil {
			return out, err
		}
		out = append(out, row.Values)
	}
	return out, nil
}

func TestResultRowsFilesAndErrors(t *testing.T) {
	s := cleanroomtest.NewS3()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("k,n\nc,3\n"))
	_ = zw.Close()
	put(t, s, "q/result/part-0.csv", []byte("k,n\na,1\nb,\n"))
	put(t, s, "q/result/part-1.csv.gz", gz.Bytes())
	put(t, s, "q/result/_SUCCESS", nil)
	put(t, s, "q/result/.metadata", []byte("x"))
	rows, err := readAll(s, "s3://b/q/result/", func(o *cleanroom.ResultOptions) { o.Types = map[string]string{"n": "bigint"} })
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"a", int64(1)}, {"b", nil}, {"c", int64(3)}}
	if len(rows) != 3 || rows[0][1] != want[0][1] || rows[1][1] != nil || rows[2][0] != "c" {
		t.Errorf("rows %v, want %v", rows, want)
	}

	for name, tc := range map[string]struct {
		setup func()
		loc   string
		kind  error
	}{
		"not an s3 uri":     {func() {}, "file:///tmp/x", cdpkit.ErrInvalid},
		"no result files":   {func() {}, "s3://b/none/", cdpkit.ErrNotFound},
		"unknown bucket":    {func() {}, "s3://nope/x/", cdpkit.ErrNotFound},
		"unknown format":    {func() { put(t, s, "u/part-0.json", []byte("{}")) }, "s3://b/u/", cdpkit.ErrInvalid},
		"files differ":      {func() { put(t, s, "d/a.csv", []byte("k\nx\n")); put(t, s, "d/b.csv", []byte("k,n\nx,1\n")) }, "s3://b/d/", cdpkit.ErrInvalid},
		"value not of type": {func() { put(t, s, "v/a.csv", []byte("k,n\nx,one\n")) }, "s3://b/v/", cdpkit.ErrInvalid},
	} {
		tc.setup()
		_, err := readAll(s, tc.loc, func(o *cleanroom.ResultOptions) { o.Types = map[string]string{"n": "bigint"} })
		var ce *cleanroom.Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.kind)
		}
		if err != nil && strings.Contains(err.Error(), "one") {
			t.Errorf("%s: error quotes a value: %v", name, err)
		}
	}
}

// TestResultRowsStopsOnCancel: a Parquet result (whose reader never looks
// at ctx) stops within a few thousand rows once ctx is cancelled.
func TestResultRowsStopsOnCancel(t *testing.T) {
	rows := make([][]any, 20000)
	for i := range rows {
		rows[i] = []any{int64(i)}
	}
	var buf bytes.Buffer
	if err := sqlengine.WriteParquet(&buf, []sqlengine.Column{{Name: "n", Type: "bigint"}}, sqlengine.RowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	s := cleanroomtest.NewS3()
	put(t, s, "q/result/part-0.parquet", buf.Bytes())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var err error
	for _, err = range cleanroom.ResultRows(ctx, s, "s3://b/q/result/", func(o *cleanroom.ResultOptions) { o.TempDir = t.TempDir() }) {
		if err != nil {
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(err, context.Canceled) || n > 4096 {
		t.Errorf("read %d rows, err = %v; want context.Canceled within 4096 rows", n, err)
	}
}
