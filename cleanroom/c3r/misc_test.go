package c3r

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestReadHeaderAndGenerate(t *testing.T) {
	data := []byte("Email , Name,Age\na,b,1\n")
	h, err := ReadHeader(Input{CSV, bytes.NewReader(data), int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	s, err := GenerateSchema(h, map[string]ColumnType{"email": Fingerprint, "age": Cleartext}, Pad{PadMax, 4}, LowAssurance(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Targets(); !slices.Equal(got, []string{"email_fingerprint", "name_sealed", "age"}) {
		t.Errorf("targets %v", got)
	}
	// Without cleartext the generated schema seals the column… unless the
	// mapping asks for cleartext, which Validate then refuses.
	s2, _ := GenerateSchema(h, nil, Pad{}, HighAssurance(), true)
	for _, c := range s2.Columns {
		if c.Type != Sealed {
			t.Errorf("%s is %v, want sealed", c.Source, c.Type)
		}
	}
	pq := writeTyped(t, typedRows(1, false))
	h, err = ReadHeader(Input{Parquet, bytes.NewReader(pq), int64(len(pq))})
	if err != nil || len(h) != len(typedCols) {
		t.Errorf("parquet header %v, %v", h, err)
	}
	// The schema file round-trips through the official format.
	b, _ := s.MarshalJSON()
	back, err := ParseSchema(b)
	if err != nil || !slices.Equal(back.Targets(), s.Targets()) || back.Columns[1].Pad != (Pad{PadMax, 4}) {
		t.Errorf("schema JSON round trip: %v %+v", err, back)
	}
}

func TestCancelAndLog(t *testing.T) {
	var in strings.Builder
	in.WriteString("k\n")
	for i := range 5000 {
		in.WriteString(strings.Repeat("x", i%50+1) + "\n")
	}
	schema := Schema{Columns: []Column{{Source: "k", Type: Sealed}}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	var out bytes.Buffer
	_, err := e.EncryptCSV(ctx, &out, strings.NewReader(in.String()), schema)
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) || out.Len() != 0 {
		t.Fatalf("canceled: %v, %d bytes", err, out.Len())
	}

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := e.EncryptCSV(t.Context(), &out, strings.NewReader(in.String()), schema, func(o *Options) { o.Logger = logger }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "rows=5000") || strings.Contains(logs.String(), "xxx") {
		t.Errorf("log: %s", logs.String())
	}
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	if _, err := d.DecryptCSV(ctx, &bytes.Buffer{}, &out); !errors.Is(err, ErrCanceled) {
		t.Errorf("decrypt canceled: %v", err)
	}
}

func TestDecryptRows(t *testing.T) {
	pq := writeTyped(t, typedRows(5, true))
	schema := Schema{Columns: []Column{{Source: "id", Type: Cleartext}, {Source: "i32", Type: Sealed}, {Source: "s", Type: Fingerprint}}}
	s := LowAssurance()
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, s, func(o *Options) { o.TempDir = t.TempDir() })
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	for _, format := range []Format{CSV, Parquet} {
		var enc bytes.Buffer
		if _, err := e.Encrypt(t.Context(), &enc, format, Input{Parquet, bytes.NewReader(pq), int64(len(pq))}, schema); err != nil {
			t.Fatal(err)
		}
		n := 0
		for r, err := range d.Rows(t.Context(), Input{format, bytes.NewReader(enc.Bytes()), int64(enc.Len())}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if !slices.Equal(r.Columns, []string{"id", "i32_sealed", "s_fingerprint"}) {
				t.Fatalf("columns %v", r.Columns)
			}
			v := r.Values[1]
			if !v.Null && v.Type != TypeInt {
				t.Errorf("format %d row %d: sealed INT came back as %v", format, r.Number, v.Type)
			}
			if r.Values[2].Type != TypeString || (!r.Values[2].Null && Kind(r.Values[2].Bytes) != FingerprintCell) {
				t.Errorf("format %d row %d: fingerprint not passed through", format, r.Number)
			}
		}
		if n != 5 {
			t.Errorf("format %d: %d rows", format, n)
		}
	}
	// A bad cell ends the sequence with the row and column.
	in := []byte("a\n02:enc:AAAA\n")
	for _, err := range d.Rows(t.Context(), Input{CSV, bytes.NewReader(in), int64(len(in))}) {
		wantErr(t, err, ErrFormat, "a", 1)
	}
}

// TestSpilledDuplicateAndCleanup: a duplicate is found when the digests
// spill, bucket splitting keeps every row, and temp files are removed on
// success and on error.
func TestSpilledDuplicateAndCleanup(t *testing.T) {
	var in strings.Builder
	in.WriteString("k\n")
	n := 5000
	if testing.Short() {
		n = 2000 // still spills the rows and the digests
	}
	for i := range n {
		in.WriteString("v" + strings.Repeat("0", 5) + itoa(i) + "\n")
	}
	tmp := t.TempDir()
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, HighAssurance(), func(o *Options) { o.TempDir = tmp; o.MemoryBudget = 2 << 10 })
	schema := Schema{Columns: []Column{{Source: "k", Type: Fingerprint}, {Source: "k", Type: Sealed}}}
	var out bytes.Buffer
	st, err := e.EncryptCSV(t.Context(), &out, strings.NewReader(in.String()), schema)
	if err != nil || st.Rows != int64(n) || !st.Spilled {
		t.Fatalf("rows %d spilled %v: %v", st.Rows, st.Spilled, err)
	}
	if got := bytes.Count(out.Bytes(), []byte("\n")); got != n+1 {
		t.Errorf("%d lines out, want %d", got, n+1)
	}
	in.WriteString("v00000" + itoa(7) + "\n") // row n+1 repeats row 8
	out.Reset()
	_, err = e.EncryptCSV(t.Context(), &out, strings.NewReader(in.String()), schema)
	wantErr(t, err, ErrDuplicate, "k_fingerprint", int64(n+1))
	if !strings.Contains(err.Error(), "row 8") {
		t.Errorf("error does not name the first row: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d temp entries left", len(left))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
