package records_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/records"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

type row struct {
	Line   int64
	Names  []string
	Values []string
}

func run(t *testing.T, seq func(q *zones.RejectWriter) func(func(records.Record, error) bool)) ([]row, []zones.Rejection, error) {
	t.Helper()
	s := zonestest.New(t)
	q, err := s.NewRejectWriter("test", "in")
	if err != nil {
		t.Fatal(err)
	}
	var rows []row
	var iterErr error
	for r, err := range seq(q) {
		if err != nil {
			iterErr = err
			break
		}
		rows = append(rows, row{r.Line, r.Names(), r.Values()})
	}
	o, err := q.Commit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var rej []zones.Rejection
	if o.Key != "" {
		for r, err := range s.Rejections(t.Context(), o.Key) {
			if err != nil {
				t.Fatal(err)
			}
			rej = append(rej, r)
		}
	}
	return rows, rej, iterErr
}

func TestCSV(t *testing.T) {
	const in = "\ufeffid,email,city\n" +
		"1,a@x.test,Paris\n" +
		"2,\"multi\nline\",Lyon\n" + // lines 3-4
		"3,too,many,fields\n" + // line 5
		"4,bad\"quote,Nice\n" + // line 6
		"5,\xff\xfe,Nice\n" + // line 7
		"6,\"quoted, comma\",Metz\n" // line 8
	rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.CSV(t.Context(), strings.NewReader(in), "raw/a.csv", q)
	})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"id", "email", "city"}
	want := []row{
		{2, names, []string{"1", "a@x.test", "Paris"}},
		{3, names, []string{"2", "multi\nline", "Lyon"}},
		{8, names, []string{"6", "quoted, comma", "Metz"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	wantRej := []zones.Rejection{
		{File: "raw/a.csv", Line: 5, Reason: records.ReasonFieldCount},
		{File: "raw/a.csv", Line: 6, Reason: records.ReasonBadQuote},
		{File: "raw/a.csv", Line: 7, Column: "email", Reason: records.ReasonInvalidUTF8},
	}
	if diff := cmp.Diff(wantRej, rej); diff != "" {
		t.Fatalf("rejections (-want +got):\n%s", diff)
	}
}

func TestCSVOptionsAndGet(t *testing.T) {
	s := zonestest.New(t)
	q, _ := s.NewRejectWriter("t", "in")
	var got []string
	for r, err := range records.CSV(t.Context(), strings.NewReader("1; Paris\n2; Lyon\n"), "f", q, func(o *records.Options) {
		o.Comma, o.TrimLeadingSpace, o.Header = ';', true, []string{"id", "city"}
	}) {
		if err != nil {
			t.Fatal(err)
		}
		c, ok := r.Get("city")
		_, missing := r.Get("nope")
		if !ok || missing {
			t.Fatal("Get")
		}
		got = append(got, c)
	}
	if !cmp.Equal(got, []string{"Paris", "Lyon"}) {
		t.Fatalf("got %q", got)
	}
}

func TestCSVFatal(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opts     func(*records.Options)
		q        bool
	}{
		{"empty", "", nil, true},
		{"duplicate header", "a,a\n1,2\n", nil, true},
		{"empty header column", "a,,c\n", nil, true},
		{"no reject writer", "a,b\n1\n", nil, false},
		{"too many rejects", "a,b\n1\n2\n3\n", func(o *records.Options) { o.MaxRejects = 2 }, true},
		{"record too long", "a,b\n\"" + strings.Repeat("x", 20000) + "\",1\n", func(o *records.Options) { o.MaxRecordBytes = 1000 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
				if !tc.q {
					q = nil
				}
				var fns []func(*records.Options)
				if tc.opts != nil {
					fns = append(fns, tc.opts)
				}
				return records.CSV(t.Context(), strings.NewReader(tc.in), "raw/f.csv", q, fns...)
			})
			if !errors.Is(err, zones.ErrInvalidInput) {
				t.Fatalf("got %v, want ErrInvalidInput", err)
			}
			if strings.Contains(err.Error(), "xxxx") {
				t.Fatal("error text contains data")
			}
		})
	}
}

func TestCSVCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	in := "a\n" + strings.Repeat("1\n", 100000)
	n := 0
	var got error
	for _, err := range records.CSV(ctx, strings.NewReader(in), "f", nil) {
		if err != nil {
			got = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(got, context.Canceled) {
		t.Fatalf("after cancel: %v", got)
	}
}

func TestJSONLines(t *testing.T) {
	in := `{"id":1,"email":"a@x.test","tags":["a", "b"],"n":null,"ok":true,"big":12345678901234567890}` + "\n" +
		"\n" + // blank line 2
		`{"id":2, "email":` + "\n" + // line 3: truncated
		`[1,2]` + "\n" + // line 4
		`{"id":3,"id":4}` + "\n" + // line 5
		"{\"id\":\"\xff\"}\n" + // line 6
		`{"id":"` + strings.Repeat("x", 300) + `"}` + "\n" + // line 7: too long
		`{"id":5,"nested":{"k": "v"}} trailing` + "\n" + // line 8
		`  {"id":6}  ` // line 9, no final newline
	rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.JSONLines(t.Context(), strings.NewReader(in), "raw/e.jsonl", q, func(o *records.Options) { o.MaxRecordBytes = 200 })
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{"id", "email", "tags", "ok", "big"}, []string{"1", "a@x.test", `["a","b"]`, "true", "12345678901234567890"}},
		{9, []string{"id"}, []string{"6"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	f := "raw/e.jsonl"
	wantRej := []zones.Rejection{
		{File: f, Line: 3, Reason: records.ReasonInvalidJSON},
		{File: f, Line: 4, Reason: records.ReasonNotAnObject},
		{File: f, Line: 5, Column: "id", Reason: records.ReasonDuplicateKey},
		{File: f, Line: 6, Reason: records.ReasonInvalidUTF8},
		{File: f, Line: 7, Reason: records.ReasonLineTooLong},
		{File: f, Line: 8, Reason: records.ReasonInvalidJSON},
	}
	if diff := cmp.Diff(wantRej, rej); diff != "" {
		t.Fatalf("rejections (-want +got):\n%s", diff)
	}
}

// Over-long lines are skipped and counted without being buffered whole.
func TestJSONLinesLongLinesSkippedWithoutBuffering(t *testing.T) {
	in := strings.Repeat(`{"a":"`+strings.Repeat("y", 5000)+`"}`+"\n", 200) + `{"a":"ok"}` + "\n"
	rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.JSONLines(t.Context(), strings.NewReader(in), "f", q, func(o *records.Options) { o.MaxRecordBytes = 1000 })
	})
	if err != nil || len(rows) != 1 || len(rej) != 200 || rows[0].Line != 201 {
		t.Fatalf("rows %d rejections %d err %v", len(rows), len(rej), err)
	}
}

func TestJSONLinesTricky(t *testing.T) {
	in := `{ "k\"ey" : "x}\"y,]" , "n" : { "c" : "]}" , "d" : [ 1 , { } ] } , "z":null , "s":"\u0000absent","e":-1.5e3 }` + "\n" +
		`{"a":null,"a":1}` + "\r\n" +
		`{}` + "\n"
	rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.JSONLines(t.Context(), strings.NewReader(in), "f", q)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{1, []string{`k"ey`, "n", "s", "e"}, []string{`x}"y,]`, `{"c":"]}","d":[1,{}]}`, "\x00absent", "-1.5e3"}},
		{3, []string{}, []string{}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	if len(rej) != 1 || rej[0].Line != 2 || rej[0].Reason != records.ReasonDuplicateKey {
		t.Fatalf("rejections %+v", rej)
	}
}

// A UTF-8 byte order mark starts many exported files (Excel "CSV UTF-8",
// Salesforce). It is not data: a quoted header after it is still a header,
// a headerless file's first value does not carry it, and the first JSON
// Lines record is not rejected for it.
func TestByteOrderMark(t *testing.T) {
	const bom = "\ufeff"
	csvRows := func(in string, fns ...func(*records.Options)) ([]row, []zones.Rejection, error) {
		return run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
			return records.CSV(t.Context(), strings.NewReader(in), "f", q, fns...)
		})
	}
	names := []string{"id", "email"}
	for _, tc := range []struct {
		name string
		in   string
		fns  []func(*records.Options)
	}{
		{"quoted header", bom + "\"id\",\"email\"\r\n\"1\",\"a@x.test\"\r\n", nil},
		{"plain header", bom + "id,email\n1,a@x.test\n", nil},
		{"no header row", bom + "1,a@x.test\n", []func(*records.Options){func(o *records.Options) { o.Header = names }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, rej, err := csvRows(tc.in, tc.fns...)
			if err != nil || len(rej) != 0 {
				t.Fatalf("err %v, %d rejections", err, len(rej))
			}
			want := []row{{2, names, []string{"1", "a@x.test"}}}
			if tc.fns != nil {
				want[0].Line = 1
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Fatalf("records (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("json lines", func(t *testing.T) {
		rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
			return records.JSONLines(t.Context(), strings.NewReader(bom+`{"id":1}`+"\n"+`{"id":2}`+"\n"), "f", q)
		})
		if err != nil || len(rej) != 0 {
			t.Fatalf("err %v, %d rejections", err, len(rej))
		}
		want := []row{{1, []string{"id"}, []string{"1"}}, {2, []string{"id"}, []string{"2"}}}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Fatalf("records (-want +got):\n%s", diff)
		}
	})
	// A BOM anywhere else is data (and a mark in the middle of a JSON Lines
	// file still makes that line invalid).
	rows, _, err := csvRows("id,email\n" + bom + "1,a@x.test\n")
	if err != nil || len(rows) != 1 || rows[0].Values[0] != bom+"1" {
		t.Fatalf("a BOM inside the file must be kept: err %v, %d rows", err, len(rows))
	}
}

// Without a header row the "header" is customer data: a duplicate column
// name must not be echoed in the error.
func TestCSVDuplicateHeaderErrorHasNoValues(t *testing.T) {
	_, _, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.CSV(t.Context(), strings.NewReader("id,secret@x.test,secret@x.test\n"), "f", q)
	})
	if !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("got %v, want ErrInvalidInput", err)
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "2") || !strings.Contains(err.Error(), "3") {
		t.Fatalf("error must name the column positions, not their names: %v", err)
	}
}

func TestJSONLinesWideObjects(t *testing.T) {
	for _, dup := range []bool{false, true} {
		rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
			return records.JSONLines(t.Context(), bytes.NewReader(wideObject(5000, dup)), "f", q)
		})
		if err != nil {
			t.Fatal(err)
		}
		if dup {
			if len(rows) != 0 || len(rej) != 1 || rej[0].Reason != records.ReasonDuplicateKey || rej[0].Column != "k0" {
				t.Fatalf("duplicate after 5000 members: %d rows, rejections %+v", len(rows), rej)
			}
			continue
		}
		if len(rej) != 0 || len(rows) != 1 || len(rows[0].Names) != 5000 || rows[0].Names[4999] != "k4999" || rows[0].Values[4999] != "4999" {
			t.Fatalf("5000 distinct members: %d rows, %d rejections", len(rows), len(rej))
		}
	}
}

// An unterminated quote makes encoding/csv read on to the end of the file
// (or MaxRecordBytes) as one field: the lines it swallowed are not lost
// silently, the rejection gives the range.
func TestCSVUnterminatedQuoteReportsTheLinesItSwallowed(t *testing.T) {
	in := "id,email\n0,a\n1,\"abc\n2,b\n3,c\n4,d\n"
	rows, rej, err := run(t, func(q *zones.RejectWriter) func(func(records.Record, error) bool) {
		return records.CSV(t.Context(), strings.NewReader(in), "f", q)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d records, want 1", len(rows))
	}
	want := []zones.Rejection{{File: "f", Line: 3, EndLine: 6, Reason: records.ReasonBadQuote}}
	if diff := cmp.Diff(want, rej); diff != "" {
		t.Fatalf("rejections (-want +got):\n%s", diff)
	}
}
