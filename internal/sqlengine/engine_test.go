package sqlengine_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/internal/sqlengine"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func audience() sqlengine.Table {
	return sqlengine.Table{
		Name: "cdp",
		Columns: []sqlengine.Column{
			{Name: "email_sha256", Type: "string"}, {Name: "segment", Type: "string"},
			{Name: "spend", Type: "double"}, {Name: "visits", Type: "bigint"},
			{Name: "opted_in", Type: "boolean"}, {Name: "first_seen", Type: "date"},
		},
		Rows: sqlengine.RowsOf([][]any{
			{"a", "sports", 10.5, int64(3), true, day("2026-01-02")},
			{"b", "sports", 4.5, 1, false, day("2026-02-03")},
			{"c", "news", nil, int64(7), true, nil},
			{"d", "news", 1.0, int32(2), true, "2026-03-04"},
		}),
	}
}

func TestRunTypesAndValues(t *testing.T) {
	res, err := sqlengine.Run(t.Context(), `SELECT segment, COUNT(*) AS n, SUM(spend) AS spend, SUM(visits) AS visits,
		MIN(first_seen) AS first, MAX(opted_in) AS any_opt
		FROM cdp GROUP BY segment ORDER BY segment`, []sqlengine.Table{audience()})
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []sqlengine.Column{{"segment", "string"}, {"n", "bigint"}, {"spend", "double"}, {"visits", "bigint"}, {"first", "string"}, {"any_opt", "bigint"}}
	if d := cmp.Diff(wantCols, res.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	want := [][]any{{"news", int64(2), 1.0, int64(9), "2026-03-04", int64(1)}, {"sports", int64(2), 15.0, int64(4), "2026-01-02", int64(1)}}
	if d := cmp.Diff(want, res.Rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	// Plain columns keep their declared types and Go values.
	res, err = sqlengine.Run(t.Context(), `SELECT email_sha256, opted_in, first_seen, spend FROM cdp WHERE email_sha256 IN ('a','c') ORDER BY 1`, []sqlengine.Table{audience()})
	if err != nil {
		t.Fatal(err)
	}
	want = [][]any{{"a", true, day("2026-01-02"), 10.5}, {"c", true, nil, nil}}
	if d := cmp.Diff(want, res.Rows); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if got := res.Columns[2].Type; got != "date" {
		t.Errorf("first_seen type = %q, want date", got)
	}
}

func TestRunParamsAndFunctions(t *testing.T) {
	res, err := sqlengine.Run(t.Context(), `SELECT COUNT(DISTINCT email_sha256) AS n, approx_count_distinct(segment) AS segs,
		nvl(NULL, 'x') AS nv, left('abcdef', 2) AS l, right('abcdef', 2) AS r, split_part('a,b,c', ',', 2) AS sp,
		len('héllo') AS ln, strpos('hello', 'll') AS pos, sha2('x', 256) AS h, date_trunc('month', '2026-03-17') AS m,
		var_pop(visits) AS vp, stddev(visits) AS sd
		FROM cdp WHERE visits >= :min_visits`, []sqlengine.Table{audience()}, func(o *sqlengine.Options) {
		o.Params = map[string]any{"min_visits": 2}
	})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rows[0]
	want := []any{int64(3), int64(2), "x", "ab", "ef", "b", int64(5), int64(3),
		"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "2026-03-01 00:00:00",
		got[10], got[11]}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// visits 3, 7, 2: population variance 14/3, sample sd sqrt(7).
	if vp := got[10].(float64); vp < 4.666 || vp > 4.667 {
		t.Errorf("var_pop = %v", vp)
	}
	if sd := got[11].(float64); sd < 2.6457 || sd > 2.6458 {
		t.Errorf("stddev = %v", sd)
	}
}

func TestQueryErrorsCarryEngineMessage(t *testing.T) {
	for _, q := range []string{"SELEC 1", "SELECT nope FROM cdp", "SELECT * FROM missing"} {
		_, err := sqlengine.Run(t.Context(), q, []sqlengine.Table{audience()})
		var e *sqlengine.Error
		if !errors.As(err, &e) || !errors.Is(err, sqlengine.ErrQuery) || !errors.Is(err, cdpkit.ErrInvalid) {
			t.Fatalf("%q: err = %v, want ErrQuery", q, err)
		}
		if e.Message == "" || strings.Contains(e.Message, "(1)") {
			t.Errorf("%q: message %q", q, e.Message)
		}
	}
	_, err := sqlengine.Run(t.Context(), "SELECT * FROM missing", nil)
	var e *sqlengine.Error
	if errors.As(err, &e); e == nil || e.Message != "no such table: missing" {
		t.Errorf("message = %v", err)
	}
	// SQLite quotes the token it stopped at; a literal is not repeated,
	// in the message or anywhere in the chain.
	for _, q := range []string{
		"SELECT DATE 'secret-1999' FROM cdp",
		"SELECT * FROM cdp WHERE 1 = 'secret-x' 'secret-y'",
		"SELECT x'secret' FROM cdp",
	} {
		_, err := sqlengine.Run(t.Context(), q, []sqlengine.Table{audience()})
		if !errors.Is(err, sqlengine.ErrQuery) {
			t.Fatalf("%q: err = %v, want ErrQuery", q, err)
		}
		for e := error(err); e != nil; e = unwrapOne(e) {
			if strings.Contains(e.Error(), "secret") {
				t.Errorf("%q: %T quotes a literal: %v", q, e, e)
			}
		}
	}
}

// unwrapOne follows the first cause of err.
func unwrapOne(err error) error {
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if e != nil && !errors.Is(e, sqlengine.ErrQuery) {
				return e
			}
		}
		return nil
	case interface{ Unwrap() error }:
		return u.Unwrap()
	}
	return nil
}

func TestBadTables(t *testing.T) {
	cases := map[string]sqlengine.Table{
		"no name":      {Columns: []sqlengine.Column{{"a", "string"}}},
		"bad type":     {Name: "t", Columns: []sqlengine.Column{{"a", "struct<x:int>"}}},
		"dup column":   {Name: "t", Columns: []sqlengine.Column{{"a", "string"}, {"A", "int"}}},
		"short row":    {Name: "t", Columns: []sqlengine.Column{{"a", "string"}, {"b", "int"}}, Rows: sqlengine.RowsOf([][]any{{"x"}})},
		"wrong type":   {Name: "t", Columns: []sqlengine.Column{{"a", "bigint"}}, Rows: sqlengine.RowsOf([][]any{{"secret-value"}})},
		"bad date":     {Name: "t", Columns: []sqlengine.Column{{"a", "date"}}, Rows: sqlengine.RowsOf([][]any{{"03/04/2026"}})},
		"source error": {Name: "t", Columns: []sqlengine.Column{{"a", "bigint"}}, Rows: func(yield func([]any, error) bool) { yield(nil, sqlengine.ErrTable) }},
	}
	for name, tb := range cases {
		_, err := sqlengine.Run(t.Context(), "SELECT 1", []sqlengine.Table{tb})
		if !errors.Is(err, sqlengine.ErrTable) || !errors.Is(err, cdpkit.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrTable", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret-value") {
			t.Errorf("%s: error quotes a value: %v", name, err)
		}
	}
	_, err := sqlengine.Run(t.Context(), "SELECT 1", []sqlengine.Table{audience(), audience()})
	if !errors.Is(err, sqlengine.ErrTable) {
		t.Errorf("duplicate tables: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := sqlengine.Run(ctx, "SELECT 1", []sqlengine.Table{audience()}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	// Cancelled while loading rows.
	ctx, cancel = context.WithCancel(t.Context())
	rows := func(yield func([]any, error) bool) {
		for i := range 1000 {
			if i == 10 {
				cancel()
			}
			if !yield([]any{int64(i)}, nil) {
				return
			}
		}
	}
	_, err := sqlengine.Run(ctx, "SELECT count(*) FROM t", []sqlengine.Table{{Name: "t", Columns: []sqlengine.Column{{"a", "bigint"}}, Rows: rows}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestStreamAndMaxRows(t *testing.T) {
	var n int
	err := sqlengine.Stream(t.Context(), "SELECT segment, count(*) AS c FROM cdp GROUP BY 1", []sqlengine.Table{audience()},
		func(cols []sqlengine.Column, rows iter.Seq2[[]any, error]) error {
			if cols[1].Type != "bigint" {
				t.Errorf("computed column type %q before the first row was read", cols[1].Type)
			}
			for _, err := range rows {
				if err != nil {
					return err
				}
				n++
			}
			return nil
		})
	if err != nil || n != 2 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	_, err = sqlengine.Run(t.Context(), "SELECT * FROM cdp", []sqlengine.Table{audience()}, func(o *sqlengine.Options) { o.MaxRows = 3 })
	if !errors.Is(err, sqlengine.ErrQuery) {
		t.Errorf("MaxRows: err = %v", err)
	}
}

func TestParquetRoundTripAndStore(t *testing.T) {
	ctx := t.Context()
	res, err := sqlengine.Run(ctx, "SELECT * FROM cdp ORDER BY email_sha256", []sqlengine.Table{audience()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sqlengine.WriteParquet(&buf, res.Columns, sqlengine.RowsOf(res.Rows)); err != nil {
		t.Fatal(err)
	}
	cols, rows, err := sqlengine.ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res.Columns, cols); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	var got [][]any
	for r, err := range rows {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if d := cmp.Diff(res.Rows, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}

	store := zones.New(memzone.New())
	for _, k := range []string{"cdp/part-0.parquet", "cdp/part-1.parquet"} {
		if _, err := store.Put(ctx, zones.Curated, k, bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := sqlengine.StoreTable(ctx, "cdp", store, zones.Curated, "cdp/")
	if err != nil {
		t.Fatal(err)
	}
	out, err := sqlengine.Run(ctx, "SELECT count(*), count(DISTINCT email_sha256) FROM cdp", []sqlengine.Table{tb})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]any{{int64(8), int64(4)}}, out.Rows); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := sqlengine.StoreTable(ctx, "x", store, zones.Curated, "none/"); !errors.Is(err, sqlengine.ErrTable) {
		t.Errorf("empty location: %v", err)
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	cols := []sqlengine.Column{{"d", "date"}, {"ts", "timestamp"}, {"b", "boolean"}, {"s", "string"}}
	rows := [][]any{{day("2026-01-02"), day("2026-01-02"), true, "a,b"}, {nil, time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), false, nil}}
	if err := sqlengine.WriteCSV(&buf, cols, sqlengine.RowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	want := "d,ts,b,s\n2026-01-02,2026-01-02 00:00:00,true,\"a,b\"\n,2026-01-02 03:04:05.000006,false,\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// TestParquetManyPagesAndRowGroups reads a file of several row groups and
// many pages back value for value (the reader works column by column and
// must keep a batch's strings valid across page boundaries).
func TestParquetManyPagesAndRowGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("140,000 rows: runs without -short")
	}
	const n = 140_000 // two row groups of WriteParquet's 128k rows
	row := func(i int) []any {
		var s any = strings.Repeat("v", i%7) + strconv.Itoa(i)
		if i%11 == 0 {
			s = nil
		}
		return []any{s, int64(i), float64(i) / 4}
	}
	cols := []sqlengine.Column{{Name: "s", Type: "string"}, {Name: "i", Type: "bigint"}, {Name: "f", Type: "double"}}
	var buf bytes.Buffer
	err := sqlengine.WriteParquet(&buf, cols, func(yield func([]any, error) bool) {
		for i := range n {
			if !yield(row(i), nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	_, rows, err := sqlengine.ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]any // rows kept across batches must stay intact
	i := 0
	for r, err := range rows {
		if err != nil {
			t.Fatal(err)
		}
		if want := row(i); len(r) != 3 || r[0] != want[0] || r[1] != want[1] || r[2] != want[2] {
			t.Fatalf("row %d = %v, want %v", i, r, want)
		}
		if i%10_007 == 0 {
			kept = append(kept, r)
		}
		i++
	}
	if i != n {
		t.Fatalf("read %d rows, want %d", i, n)
	}
	for j, r := range kept {
		if d := cmp.Diff(row(j*10_007), r); d != "" {
			t.Fatalf("kept row %d changed (-want +got):\n%s", j*10_007, d)
		}
	}
}

// TestLoadBatches loads tables whose row counts fall on, around and between
// the INSERT batches (one column: many rows per statement; 100 columns: one
// row per statement), with the row slice reused between rows, and reads every
// row back.
func TestLoadBatches(t *testing.T) {
	for _, ncol := range []int{1, 3, 100} {
		for _, n := range []int{0, 1, 63, 64, 65, 1023, 1024, 1025, 3000} {
			if ncol == 100 && n > 100 {
				continue // a row per statement already: more rows add time, not cases
			}
			cols := make([]sqlengine.Column, ncol)
			for i := range cols {
				cols[i] = sqlengine.Column{Name: "c" + strconv.Itoa(i), Type: "bigint"}
			}
			rows := func(yield func([]any, error) bool) {
				r := make([]any, ncol)
				for i := range n {
					for j := range r {
						r[j] = int64(i*1000 + j)
					}
					if !yield(r, nil) {
						return
					}
				}
			}
			last := "c" + strconv.Itoa(ncol-1)
			res, err := sqlengine.Run(t.Context(), "SELECT count(*), count(DISTINCT c0), sum(c0), sum("+last+") FROM t",
				[]sqlengine.Table{{Name: "t", Columns: cols, Rows: rows}})
			if err != nil {
				t.Fatalf("%d columns, %d rows: %v", ncol, n, err)
			}
			sum := int64(n*(n-1)/2) * 1000
			var want []any
			if n == 0 {
				want = []any{int64(0), int64(0), nil, nil}
			} else {
				want = []any{int64(n), int64(n), sum, sum + int64(n*(ncol-1))}
			}
			if diff := cmp.Diff(want, res.Rows[0]); diff != "" {
				t.Errorf("%d columns, %d rows: (-want +got)\n%s", ncol, n, diff)
			}
		}
	}
}

// TestLoadStopsSoonAfterCancel: a load cancelled at its tenth row stops
// reading the table's rows within a batch of checks, not at its end.
func TestLoadStopsSoonAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	read := 0
	rows := func(yield func([]any, error) bool) {
		for i := range 1_000_000 {
			read++
			if i == 10 {
				cancel()
			}
			if !yield([]any{int64(i)}, nil) {
				return
			}
		}
	}
	_, err := sqlengine.Run(ctx, "SELECT count(*) FROM t", []sqlengine.Table{{Name: "t", Columns: []sqlengine.Column{{"a", "bigint"}}, Rows: rows}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if read > 2048 {
		t.Errorf("read %d rows after cancelling at the tenth", read)
	}
}

// TestLoadRowErrorQuotesNoValue: a malformed row in the middle of a batch is
// reported by its number, without its values.
func TestLoadRowErrorQuotesNoValue(t *testing.T) {
	rows := make([][]any, 200)
	for i := range rows {
		rows[i] = []any{"ok"}
	}
	rows[150] = []any{"secret-value", "extra"}
	_, err := sqlengine.Run(t.Context(), "SELECT 1", []sqlengine.Table{{Name: "t", Columns: []sqlengine.Column{{"a", "string"}}, Rows: sqlengine.RowsOf(rows)}})
	if !errors.Is(err, sqlengine.ErrTable) || !strings.Contains(err.Error(), "row 151") || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("err = %v, want ErrTable naming row 151 without its values", err)
	}
}
