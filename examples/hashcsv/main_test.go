package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/google/go-cmp/cmp"
)

const sample = "../testdata/customers.csv"

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return rows
}

func runIn(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSampleEndToEnd(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runIn(t, "-in", sample, "-out", dir)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "120 rows read") {
		t.Errorf("summary does not report the rows read:\n%s", stdout)
	}
	in := readCSV(t, sample)
	meta := readCSV(t, filepath.Join(dir, "meta.csv"))
	rej := readCSV(t, filepath.Join(dir, "rejects.csv"))

	wantHeader := []string{"EXTERN_ID", "EMAIL", "PHONE", "GEN", "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT", "ST", "ZIP", "COUNTRY"}
	if d := cmp.Diff(wantHeader, meta[0]); d != "" {
		t.Errorf("meta header (-want +got):\n%s", d)
	}
	if len(meta)-1 != len(in)-1 {
		t.Errorf("meta has %d rows, input %d (every input row has an EXTERN_ID)", len(meta)-1, len(in)-1)
	}
	// Every hashed cell is 64 lowercase hex or empty, and the wire values
	// are what the library gives for the same input.
	h, err := hashing.New()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range meta[1:] {
		for j, v := range row {
			k := hashing.Key(meta[0][j])
			if k.Hashed() && v != "" && !isHex64(v) {
				t.Errorf("row %d %s: not a digest", i+1, k)
			}
		}
		var rec hashing.Record
		rec.Row = i + 1
		for c, name := range in[0] {
			if k, ok := map[string]hashing.Key{"customer_id": hashing.ExternID, "e_mail": hashing.Email, "mobile": hashing.Phone,
				"first_name": hashing.FirstName, "last_name": hashing.LastName, "city": hashing.City, "state": hashing.State,
				"zip": hashing.Zip, "country": hashing.Country, "dob": hashing.DOB, "gender": hashing.Gender}[name]; ok {
				rec.Set(k, in[i+1][c])
			}
		}
		keys := make([]hashing.Key, len(meta[0]))
		for j, n := range meta[0] {
			keys[j] = hashing.Key(n)
		}
		cells, _ := h.HashRow(nil, keys, &rec)
		for j, c := range cells {
			if c.Value() != row[j] {
				t.Errorf("row %d %s differs from HashRow", i+1, keys[j])
			}
		}
	}

	// The rejects file: header, then row/line/key/column/reason/action, no values.
	if d := cmp.Diff([]string{"row", "line", "key", "column", "reason", "action"}, rej[0]); d != "" {
		t.Errorf("rejects header (-want +got):\n%s", d)
	}
	if len(rej) < 10 {
		t.Fatalf("only %d rejects; the sample has bad rows", len(rej)-1)
	}
	reasons := map[string]bool{}
	for _, r := range rej[1:] {
		row, err := strconv.Atoi(r[0])
		line, err2 := strconv.Atoi(r[1])
		if err != nil || err2 != nil || line != row+1 {
			t.Errorf("reject row/line not numbers in step: %v %v", r[0], r[1])
		}
		reasons[r[4]] = true
		if r[5] != "rejected" && r[5] != "kept" && r[5] != "skipped" {
			t.Errorf("unknown action %q", r[5])
		}
	}
	for _, want := range []string{"email_at_sign", "phone_no_country", "date_impossible", "gender_unknown", "country_unknown", "zip_format"} {
		if !reasons[want] {
			t.Errorf("no reject with reason %s", want)
		}
	}
	// No raw values: every field of the rejects file is from a closed
	// vocabulary (numbers, key names, header names, reason codes, actions)...
	headerNames := map[string]bool{"": true}
	for _, n := range in[0] {
		headerNames[n] = true
	}
	for i, r := range rej[1:] {
		if k := hashing.Key(r[2]); r[2] != "" && !k.Valid() {
			t.Errorf("reject %d: key field is not a key", i+1)
		}
		if !headerNames[r[3]] {
			t.Errorf("reject %d: column field is not a header name", i+1)
		}
		if !knownReason(r[4]) {
			t.Errorf("reject %d: reason field is not a reason code", i+1)
		}
	}
	// ...and no input value appears in it, unless the value is itself a
	// word of that vocabulary (the sample's bad gender "unknown").
	raw, err := os.ReadFile(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range in[1:] {
		for c, v := range row[1:] {
			v = strings.TrimSpace(v)
			if len(v) >= 4 && bytes.Contains(raw, []byte(v)) && !strings.Contains(vocabulary, v) {
				t.Errorf("rejects file contains the raw value of column %d", c+1)
			}
		}
	}
	// The summary counts add up: per key, accepted + missing + rejected = rows.
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 5 && f[0] != "key" {
			var n [4]int
			for i := range n {
				n[i], _ = strconv.Atoi(f[i+1])
			}
			if n[0]+n[1]+n[2] != 120 {
				t.Errorf("%s: accepted+missing+rejected = %d, want 120", f[0], n[0]+n[1]+n[2])
			}
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMalformedLineIsReported(t *testing.T) {
	in := writeFile(t, "email,phone\na@example.com,+1 650 555 0100\nb@example.com\nc@example.com,\"+1 650 555 0101\n")
	out := t.TempDir()
	code, _, stderr := runIn(t, "-in", in, "-out", out)
	if code != exitMalformed {
		t.Errorf("exit %d, want %d", code, exitMalformed)
	}
	if !strings.Contains(stderr, "in.csv:3: malformed CSV line") {
		t.Errorf("stderr does not name line 3:\n%s", stderr)
	}
	if strings.Contains(stderr, "b@example.com") {
		t.Error("stderr repeats a value")
	}
	rej := readCSV(t, filepath.Join(out, "rejects.csv"))
	var got [][]string
	for _, r := range rej[1:] {
		got = append(got, []string{r[1], r[4]})
	}
	if d := cmp.Diff([][]string{{"3", "malformed_csv_line"}, {"4", "malformed_csv_line"}}, got); d != "" {
		t.Errorf("rejects (-want +got):\n%s", d)
	}
	meta := readCSV(t, filepath.Join(out, "meta.csv"))
	if len(meta) != 2 {
		t.Errorf("meta has %d data rows, want the 1 good one", len(meta)-1)
	}
}

func TestBadInvocations(t *testing.T) {
	good := writeFile(t, "E-Mail,Given Name,Surname\na@example.com,Ann,Lee\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"-in", filepath.Join(t.TempDir(), "nope.csv")}, "no such file"},
		{"unknown column", []string{"-in", good, "-map", "EMAIL=work_email"}, `unknown column "work_email"`},
		{"unknown key", []string{"-in", good, "-map", "SSN=E-Mail"}, `unknown key "SSN"`},
		{"bad map syntax", []string{"-in", good, "-map", "EMAIL"}, "want KEY=column"},
		{"bad country", []string{"-in", good, "-country", "Atlantis"}, "-country"},
		{"bad date order", []string{"-in", good, "-date-order", "ymd"}, "want mdy or dmy"},
		{"no mapped column", []string{"-in", writeFile(t, "a,b\n1,2\n")}, "no column maps to a key"},
		{"empty file", []string{"-in", writeFile(t, "")}, "empty file"},
		{"stray argument", []string{good}, "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runIn(t, append(tc.args, "-out", t.TempDir())...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", stderr, tc.want)
			}
		})
	}
}

// A file without a header line must not have its first record, which is
// customer data, echoed in the error.
func TestHeaderlessFileDoesNotEchoData(t *testing.T) {
	in := writeFile(t, "ann.lee@example.com,+1 650 555 0100,Ann\nbo@example.com,+1 650 555 0101,Bo\n")
	for _, args := range [][]string{{"-in", in}, {"-in", in, "-map", "EMAIL=email"}} {
		code, _, stderr := runIn(t, append(args, "-out", t.TempDir())...)
		if code != exitUsage {
			t.Errorf("%d flags: exit %d, want %d", len(args), code, exitUsage)
		}
		if !strings.Contains(stderr, "3 columns") {
			t.Errorf("%d flags: stderr does not give the column count", len(args))
		}
		for _, v := range []string{"ann.lee", "650", "Ann"} {
			if strings.Contains(stderr, v) {
				t.Errorf("%d flags: stderr repeats a value of the first line", len(args))
			}
		}
	}
}

// Every alias must be in the squashed form headers are compared in, or it
// can never match.
func TestAliasesAreSquashed(t *testing.T) {
	for k, as := range aliases {
		for i, a := range as {
			if squash(a) != a {
				t.Errorf("%s alias %d can never match a header", k, i)
			}
		}
	}
}

func TestColumnMapping(t *testing.T) {
	header := []string{"\ufeffE-Mail", "Mobile", "Phone", "fname", "Surname", "Post Code", "notes"}
	m, err := mapColumns(header, map[hashing.Key]string{hashing.LastName: ""})
	if err != nil {
		t.Fatal(err)
	}
	want := map[hashing.Key]int{hashing.Email: 0, hashing.Phone: 2, hashing.FirstName: 3, hashing.Zip: 5}
	if d := cmp.Diff(want, m.col); d != "" {
		t.Errorf("mapping (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]hashing.Key{hashing.Email, hashing.Phone, hashing.FirstName, hashing.FirstInitial, hashing.Zip}, m.schema()); d != "" {
		t.Errorf("schema (-want +got):\n%s", d)
	}
	notes := strings.Join(m.notes, "\n")
	for _, want := range []string{`"Mobile" ignored: PHONE already comes from "Phone"`, `"notes" not mapped`, `"Surname" not mapped`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	m, err = mapColumns([]string{"a", "b"}, map[hashing.Key]string{hashing.Email: "B"})
	if err != nil || m.col[hashing.Email] != 1 {
		t.Errorf("override by case-insensitive name: %v %v", m.col, err)
	}
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// vocabulary holds every fixed word the rejects file may contain.
const vocabulary = "row line key column reason action rejected kept skipped malformed_csv_line row_has_no_values " +
	"email_at_sign email_local_part email_domain email_tld email_whitespace phone_length phone_invalid phone_no_country " +
	"no_letters state_unknown zip_format country_unknown date_format year_range month_range day_range date_impossible " +
	"gender_unknown madid_format number_format number_range invalid_utf8 unknown_key prehashed_under_hmac"

func knownReason(r string) bool {
	for _, w := range strings.Fields(vocabulary) {
		if w == r {
			return true
		}
	}
	return false
}
