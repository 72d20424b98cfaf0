package c3r

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The official client's published sample: data_sample_without_quotes.csv
// encrypted with config_sample.json, secret bytes 0…31 and collaboration
// id 00000000-1111-2222-3333-444444444444, in high-assurance mode for
// fingerprints (per-column keys).
const sampleSalt = "00000000-1111-2222-3333-444444444444"

func sampleSecret(t testing.TB) Secret {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	s, err := NewSecret(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestPublishedSampleDecrypts(t *testing.T) {
	enc, err := os.ReadFile("testdata/marshalled_data_sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	clear, err := os.ReadFile("testdata/data_sample_without_quotes.csv")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile("testdata/config_sample.json")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := ParseSchema(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecryptor(sampleSecret(t), sampleSalt)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := d.DecryptCSV(t.Context(), &out, bytes.NewReader(enc))
	if err != nil {
		t.Fatal(err)
	}
	got := readCSV(t, out.Bytes())
	if st.Rows != int64(len(got)-1) {
		t.Errorf("Stats.Rows = %d, file has %d rows", st.Rows, len(got)-1)
	}
	if want := schema.Targets(); !slices.Equal(got[0], want) {
		t.Fatalf("header %v, want the schema's targets %v", got[0], want)
	}
	// Build what each cleartext row should decrypt to: sealed and
	// cleartext columns as their text, fingerprints recomputed.
	src := readCSV(t, clear)
	col := map[string]int{}
	for i, h := range src[0] {
		col[normalize(h)] = i
	}
	k, err := newKeys(sampleSecret(t).b, sampleSalt, false)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range src[1:] {
		cells := make([]string, len(schema.Columns))
		for i, c := range schema.Columns {
			v := strings.TrimSpace(r[col[normalize(c.Source)]])
			if c.Type == Fingerprint && v != "" {
				key, _ := k.fingerprintKey(c.TargetName())
				f := newFingerprinter(key)
				v = string(appendHMACCell(nil, f.digest(appendFingerprintMessage(nil, StringValue(v)))))
			}
			cells[i] = v
		}
		want = append(want, strings.Join(cells, "\x00"))
	}
	var have []string
	for _, r := range got[1:] {
		have = append(have, strings.Join(r, "\x00"))
	}
	slices.Sort(want)
	slices.Sort(have)
	if len(have) != len(want) {
		t.Fatalf("%d rows decrypted, want %d", len(have), len(want))
	}
	for i := range want {
		if have[i] != want[i] {
			// Report the column, not the value.
			h, w := strings.Split(have[i], "\x00"), strings.Split(want[i], "\x00")
			for j := range w {
				if h[j] != w[j] {
					t.Errorf("sorted row %d: column %q differs", i, got[0][j])
				}
			}
		}
	}
}

// TestPublishedSamplePadding checks the sealed plaintext layout of one
// MAX-padded cell: "0 Street" in address (MAX 32; the longest address is
// 14 bytes, so 15 encoded + 32 = 47 and the pad is 38).
func TestPublishedSamplePadding(t *testing.T) {
	enc, _ := os.ReadFile("testdata/marshalled_data_sample.csv")
	recs := readCSV(t, enc)
	k, _ := newKeys(sampleSecret(t).b, sampleSalt, false)
	found := false
	for _, r := range recs[1:] {
		cell := r[2]
		body := []byte(cell[len(prefixEnc):])
		pt, err := openSealed(k.root, body)
		if err != nil {
			t.Fatal(err)
		}
		if string(pt) != "\x020 Street" {
			continue
		}
		found = true
		// Re-open without stripping to read the pad length.
		raw := make([]byte, len(body))
		n, _ := base64Decode(raw, body)
		ctLen := n - nonceLen - ivLen - tagLen
		if ctLen != 47+padLenLen {
			t.Errorf("padded plaintext is %d bytes, want 49", ctLen)
		}
	}
	if !found {
		t.Error("no address cell decrypts to the expected sample value")
	}
}

func base64Decode(dst, src []byte) (int, error) { return b64.Decode(dst, src) }

var b64 = base64.StdEncoding

// TestEncryptMatchesPublishedSample encrypts the sample's cleartext with
// its schema and the settings it was made with (cleartext and duplicates
// allowed, per-column fingerprint keys, NULLs not preserved) and compares
// with the official client's file column by column: fingerprint and
// cleartext cells are identical, sealed cells have the same lengths (so
// the padding and NULL handling agree), as multisets since rows are
// shuffled.
func TestEncryptMatchesPublishedSample(t *testing.T) {
	official, _ := os.ReadFile("testdata/marshalled_data_sample.csv")
	clear, _ := os.ReadFile("testdata/data_sample_without_quotes.csv")
	cfg, _ := os.ReadFile("testdata/config_sample.json")
	schema, err := ParseSchema(cfg)
	if err != nil {
		t.Fatal(err)
	}
	settings := Settings{AllowCleartext: true, AllowDuplicates: true}
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) { o.TempDir = t.TempDir() })
	var out bytes.Buffer
	if _, err := e.EncryptCSV(t.Context(), &out, bytes.NewReader(clear), schema); err != nil {
		t.Fatal(err)
	}
	ours, theirs := readCSV(t, out.Bytes()), readCSV(t, official)
	if !slices.Equal(ours[0], theirs[0]) || len(ours) != len(theirs) {
		t.Fatalf("header or row count differs: %v / %v", ours[0], theirs[0])
	}
	for j, c := range schema.Columns {
		var a, b []string
		for i := 1; i < len(ours); i++ {
			x, y := ours[i][j], theirs[i][j]
			if c.Type == Sealed {
				x, y = strconv.Itoa(len(x)), strconv.Itoa(len(y))
			}
			a, b = append(a, x), append(b, y)
		}
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("column %s differs from the official client's output", ours[0][j])
		}
	}
}
