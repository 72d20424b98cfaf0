package cleanroom_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

// FuzzParseRule: any bytes parse into a rule or fail with ErrInvalidInput,
// never panic; a parsed rule validates without panicking.
func FuzzParseRule(f *testing.F) {
	for _, seed := range []string{
		`{"type":"AGGREGATION","policy":{"v1":{"aggregation":{"aggregateColumns":[{"columnNames":["e"],"function":"COUNT_DISTINCT"}],"joinColumns":["e"],"dimensionColumns":["s"],"scalarFunctions":[],"outputConstraints":[{"columnName":"e","minimum":2,"type":"COUNT_DISTINCT"}]}}}}`,
		`{"Type":"LIST","Policy":{"V1":{"List":{"JoinColumns":["k"],"ListColumns":["x"]}}}}`,
		`{"analysisRule":{"type":"CUSTOM","policy":{"v1":{"custom":{"allowedAnalyses":["ANY_QUERY"],"differentialPrivacy":{"columns":[{"name":"u"}]}}}}}}`,
		`{"v1":{"list":{"joinColumns":[],"listColumns":null}}}`,
		`{"v1":{"unknown":{}}}`, `[]`, `null`, `{"v1":1e999}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := cleanroom.ParseRule(data)
		if err != nil {
			if !errors.Is(err, cleanroom.ErrInvalidInput) || !errors.Is(err, cdpkit.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalidInput", err)
			}
			return
		}
		_ = r.Validate()
	})
}

// FuzzResultRows: whatever a result object holds (CSV with typed columns,
// gzip CSV, Parquet), reading it yields rows or a typed error and never
// panics; values read from a typed column have the column's Go type.
func FuzzResultRows(f *testing.F) {
	var pq bytes.Buffer
	if err := sqlengine.WriteParquet(&pq, []sqlengine.Column{{Name: "n", Type: "bigint"}, {Name: "d", Type: "date"}, {Name: "s", Type: "string"}},
		sqlengine.RowsOf([][]any{{int64(1), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "a"}, {nil, nil, nil}})); err != nil {
		f.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("n,d,t\n1,2026-01-02,2026-01-02 03:04:05\n"))
	zw.Close()
	f.Add("part-0.parquet", pq.Bytes())
	f.Add("part-0.csv.gz", gz.Bytes())
	f.Add("part-0.csv", []byte("n,d,t,b,f\n1,2026-01-02,2026-01-02T03:04:05Z,true,1.5\n,,,,\n"))
	f.Add("part-0.csv", []byte("n,d\n\"1\n2,x\n"))
	f.Add("part-0.parquet", []byte("PAR1\x00\x00PAR1"))
	types := map[string]string{"n": "bigint", "d": "date", "t": "timestamp", "b": "boolean", "f": "double"}
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		ctx := context.Background()
		store := cleanroomtest.NewS3()
		if _, err := store.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("q/result/" + name), Body: bytes.NewReader(body)}); err != nil {
			return
		}
		n := 0
		for row, err := range cleanroom.ResultRows(ctx, store, "s3://b/q/result/", func(o *cleanroom.ResultOptions) {
			o.Types, o.TempDir = types, t.TempDir()
		}) {
			if err != nil {
				if cdpkit.Category(err) == nil {
					t.Fatalf("untyped error %v", err)
				}
				break
			}
			for i, c := range row.Columns {
				v := row.Values[i]
				if v == nil {
					continue
				}
				ok := true
				switch c.Type {
				case "bigint":
					_, ok = v.(int64)
				case "date", "timestamp":
					_, ok = v.(time.Time)
				case "boolean":
					_, ok = v.(bool)
				case "double":
					_, ok = v.(float64)
				}
				if !ok {
					t.Fatalf("column %s (%s) holds a %T", c.Name, c.Type, v)
				}
			}
			if n++; n > 10000 {
				break
			}
		}
		for batch, err := range cleanroom.ResultRecords(ctx, store, "s3://b/q/result/", func(o *cleanroom.ResultOptions) {
			o.Types, o.TempDir, o.BatchRows = types, t.TempDir(), 7
		}) {
			if err != nil {
				break
			}
			batch.Release()
		}
	})
}
