package c3r

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// expectCSV is what decrypting an encrypted CSV should give: each row of
// src projected through schema, fingerprints recomputed, NULL as "".
func expectCSV(t *testing.T, k *keys, schema Schema, src [][]string, nullToken string) []string {
	t.Helper()
	col := map[string]int{}
	for i, h := range src[0] {
		col[normalize(h)] = i
	}
	var want []string
	for _, r := range src[1:] {
		cells := make([]string, len(schema.Columns))
		for i, c := range schema.Columns {
			v := strings.TrimSpace(r[col[normalize(c.Source)]])
			null := v == "" || (nullToken != "" && v == nullToken)
			if nullToken != "" && v == "" {
				null = false
			}
			if null {
				v = ""
			}
			if c.Type == Fingerprint && !null {
				key, _ := k.fingerprintKey(c.TargetName())
				v = string(appendHMACCell(nil, newFingerprinter(key).digest(appendFingerprintMessage(nil, StringValue(v)))))
			}
			cells[i] = v
		}
		want = append(want, strings.Join(cells, "\x00"))
	}
	slices.Sort(want)
	return want
}

func sortedRows(recs [][]string) []string {
	var out []string
	for _, r := range recs[1:] {
		out = append(out, strings.Join(r, "\x00"))
	}
	slices.Sort(out)
	return out
}

func TestEncryptCSVSampleRoundTrip(t *testing.T) {
	clear, _ := os.ReadFile("testdata/data_sample_without_quotes.csv")
	cfg, _ := os.ReadFile("testdata/config_sample.json")
	schema, err := ParseSchema(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int64{0, 1} { // in memory; spilled
		t.Run(fmt.Sprint("budget=", budget), func(t *testing.T) {
			settings := LowAssurance()
			settings.AllowJoinsOnColumnsWithDifferentNames = false
			e, err := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) {
				o.MemoryBudget = budget
				o.TempDir = t.TempDir()
			})
			if err != nil {
				t.Fatal(err)
			}
			var enc bytes.Buffer
			st, err := e.EncryptCSV(t.Context(), &enc, bytes.NewReader(clear), schema)
			if err != nil {
				t.Fatal(err)
			}
			if st.Rows != 7 || st.Spilled != (budget == 1) {
				t.Errorf("stats %+v", st)
			}
			d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
			var dec bytes.Buffer
			if _, err := d.DecryptCSV(t.Context(), &dec, &enc); err != nil {
				t.Fatal(err)
			}
			k, _ := newKeys(sampleSecret(t).b, sampleSalt, false)
			want := expectCSV(t, k, schema, readCSV(t, clear), "")
			got := readCSV(t, dec.Bytes())
			if !slices.Equal(got[0], schema.Targets()) {
				t.Errorf("header %v", got[0])
			}
			if !slices.Equal(sortedRows(got), want) {
				t.Error("decrypted rows differ from the cleartext")
			}
		})
	}
}

func TestEncryptErrorsNameColumnNotValue(t *testing.T) {
	const secretValue = "carol@example.com"
	in := "email,n\n" + secretValue + ",1\n" + secretValue + ",2\n"
	schema := Schema{Columns: []Column{{Source: "email", Type: Fingerprint}, {Source: "n", Type: Sealed}}}
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, HighAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	var out bytes.Buffer
	_, err := e.EncryptCSV(t.Context(), &out, strings.NewReader(in), schema)
	var ce *Error
	if !errors.Is(err, ErrDuplicate) || !errors.As(err, &ce) || ce.Column != "email_fingerprint" || ce.Row != 2 {
		t.Fatalf("got %v, want ErrDuplicate in email_fingerprint row 2", err)
	}
	if strings.Contains(err.Error(), secretValue) || strings.Contains(err.Error(), "02:hmac:") {
		t.Error("the error names a value or a digest")
	}
	if out.Len() != 0 {
		t.Error("output written despite the error")
	}
}
