package c3r

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
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
