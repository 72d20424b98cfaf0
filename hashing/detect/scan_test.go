package detect

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScanCorpus: the full scan classifies the corpus as well as sampling.
func TestScanCorpus(t *testing.T) {
	labels, names := loadCorpus(t)
	total, right := 0, 0
	for i, name := range names {
		if testing.Short() && i%4 != 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Scan(t.Context(), bytes.NewReader(b), func(o *Options) { o.Now = func() time.Time { return corpusNow } })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for j, f := range rep.Findings {
			total++
			if f.Class == labels[name][j] {
				right++
			} else {
				t.Logf("%s %q: %s, want %s (%v)", name, f.Column, f.Class, labels[name][j], f.Evidence)
			}
			if f.Scan == nil || f.Scan.Rows != rep.Rows {
				t.Fatalf("%s %q: scan counts %+v for %d rows", name, f.Column, f.Scan, rep.Rows)
			}
		}
	}
	if acc := ratio(right, total); acc < 0.97 {
		t.Errorf("scan accuracy %.4f", acc)
	}
}

// TestScanFindsTheNeedle: one card number in the notes of 20000 rows is
// found by the full scan, which the sample would miss.
func TestScanFindsTheNeedle(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(11, 11))}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"email", "notes"})
	for i := 0; i < 20000; i++ {
		note := g.note(false)
		if i == 12345 || i == 15000 || i == 17777 {
			note = "Paid by card " + g.card() + ", please call back"
		}
		w.Write([]string{strings.TrimSpace(g.email()), note})
	}
	w.Flush()
	rep, err := Scan(t.Context(), bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 20000 {
		t.Errorf("rows %d", rep.Rows)
	}
	f := rep.Findings[1]
	if f.Class != FreeTextPII || f.Scan.Embedded != 3 {
		t.Errorf("notes: %s, %+v", f.Class, f.Scan)
	}
	if rep.Findings[0].Class != Email || len(rep.Mapping) != 1 {
		t.Errorf("email: %s, mapping %v", rep.Findings[0].Class, rep.Mapping)
	}
	sampled, err := CSV(t.Context(), bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if sampled.Findings[1].Class != NotPII {
		t.Logf("the sample also caught it: %s", sampled.Findings[1].Class)
	}
}

// TestScannerSplitsLikeEncodingCSV: quoted fields, doubled quotes, quoted
// newlines, CRLF, blank lines.
func TestScannerSplitsLikeEncodingCSV(t *testing.T) {
	in := "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n\n2,\"multi\nline\",\r\n3,,\"\"\n4,last,\"end\""
	sc := &scanner{r: strings.NewReader(in), buf: make([]byte, 0, 8), max: 1 << 20}
	var got [][]string
	for {
		fs, err := sc.row(t.Context())
		if err != nil {
			break
		}
		var row []string
		for _, f := range fs {
			row = append(row, f.text())
		}
		got = append(got, row)
	}
	r := csv.NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	want, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// encoding/csv turns \r\n inside quotes into \n; the scanner keeps the
	// bytes, which matters to nobody here.
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n\"x\ny\",3\n"))
	f.Add([]byte("email,notes\nx@y.co,\"card 4111 1111 1111 1111 ok\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Scan(t.Context(), bytes.NewReader(b), func(o *Options) { o.FirstRows, o.SampleRows = 2, 3 })
		if err != nil {
			return
		}
		for _, fd := range rep.Findings {
			if fd.Scan == nil || fd.Scan.NonEmpty > fd.Scan.Rows {
				t.Fatalf("bad counts %+v", fd.Scan)
			}
		}
	})
}

// TestOffsetSamplingSkipsBrokenRecords: reading by offset lands inside
// quoted fields that span lines; such records are dropped, not misread.
func TestOffsetSamplingSkipsBrokenRecords(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(17, 17))}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"email", "note", "zip"})
	for i := 0; i < 3000; i++ {
		note := g.note(false)
		if i%2 == 0 {
			note = "line one, with a comma\n" + note + "\nlast line"
		}
		w.Write([]string{strings.TrimSpace(g.email()), note, fmt.Sprintf("%05d", 500+g.r.IntN(99000))})
	}
	w.Flush()
	rep, err := sampleCSV(t.Context(), bytes.NewReader(b.Bytes()), int64(b.Len()), 0, []func(*Options){func(o *Options) {
		o.FirstRows, o.SampleRows = 20, 300
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Class{Email, NotPII, Zip}
	for i, f := range rep.Findings {
		if f.Class != want[i] {
			t.Errorf("%s: %s (%v), want %s", f.Column, f.Class, f.Evidence, want[i])
		}
	}
	if e := rep.Findings[0]; e.Counts.Matched != e.Counts.Sampled || e.Counts.Sampled < 100 {
		t.Errorf("email: %d of %d sampled values match: misaligned records got in", e.Counts.Matched, e.Counts.Sampled)
	}
}
