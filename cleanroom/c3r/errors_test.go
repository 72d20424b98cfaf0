package c3r

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
)

func encryptCSV(t *testing.T, settings Settings, in string, schema Schema) (string, error) {
	t.Helper()
	e, err := NewEncryptor(sampleSecret(t), sampleSalt, settings, func(o *Options) { o.TempDir = t.TempDir() })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err = e.EncryptCSV(t.Context(), &out, strings.NewReader(in), schema)
	if err != nil && out.Len() != 0 {
		t.Errorf("%d bytes written before the error", out.Len())
	}
	return out.String(), err
}

func wantErr(t *testing.T, err error, kind error, column string, row int64) {
	t.Helper()
	var e *Error
	if !errors.Is(err, kind) || !errors.As(err, &e) {
		t.Fatalf("got %v, want %v", err, kind)
	}
	if e.Column != column || e.Row != row {
		t.Errorf("error names column %q row %d, want %q row %d (%v)", e.Column, e.Row, column, row, err)
	}
}

func TestEncryptRules(t *testing.T) {
	fp := Schema{Columns: []Column{{Source: "k", Type: Fingerprint}}}
	tests := []struct {
		name     string
		settings Settings
		in       string
		schema   Schema
		kind     error
		column   string
		row      int64
	}{
		{"cleartext not allowed", HighAssurance(), "k\n1\n", Schema{Columns: []Column{{Source: "k", Type: Cleartext}}}, ErrNotAllowed, "k", 0},
		{"duplicate value", HighAssurance(), "k\na\nb\na\n", fp, ErrDuplicate, "k_fingerprint", 3},
		{"two NULLs without preserveNulls", HighAssurance(), "k\n \nb\n\"\"\n", fp, ErrDuplicate, "k_fingerprint", 3},
		{"FIXED too short", LowAssurance(), "k\nabcdef\n", Schema{Columns: []Column{{Source: "k", Type: Sealed, Pad: Pad{PadFixed, 6}}}}, ErrLimit, "k_sealed", 1},
		{"MAX over 12000", LowAssurance(), "k\n" + strings.Repeat("x", 2500) + "\n", Schema{Columns: []Column{{Source: "k", Type: Sealed, Pad: Pad{PadMax, 10000}}}}, ErrLimit, "k_sealed", 0},
		// Unpadded values are bounded by the cell size only, as in the
		// official client (12,000 bytes still fit, 12,300 do not).
		{"cell over 16383", LowAssurance(), "k\n" + strings.Repeat("x", 12000) + "\n" + strings.Repeat("x", 12300) + "\n", Schema{Columns: []Column{{Source: "k", Type: Sealed}}}, ErrLimit, "k_sealed", 2},
		{"pad over 10000", LowAssurance(), "k\na\n", Schema{Columns: []Column{{Source: "k", Type: Sealed, Pad: Pad{PadMax, 10001}}}}, ErrLimit, "k_sealed", 0},
		{"unknown source", LowAssurance(), "k\na\n", Schema{Columns: []Column{{Source: "x", Type: Sealed}}}, ErrSchema, "x", 0},
		{"bad target", LowAssurance(), "k\na\n", Schema{Columns: []Column{{Source: "k", Target: "K!", Type: Sealed}}}, ErrSchema, "k!", 0},
		{"duplicate target", LowAssurance(), "k\na\n", Schema{Columns: []Column{{Source: "k", Type: Sealed}, {Source: "k", Type: Sealed}}}, ErrSchema, "k_sealed", 0},
		{"ragged row", LowAssurance(), "k,l\na\n", fp, ErrInput, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := encryptCSV(t, tt.settings, tt.in, tt.schema)
			wantErr(t, err, tt.kind, tt.column, tt.row)
			if !errors.Is(err, cdpkit.ErrInvalid) && !errors.Is(err, cdpkit.ErrLimitExceeded) {
				t.Errorf("%v matches no cdpkit category", err)
			}
		})
	}
}

func TestEncryptRulesAccept(t *testing.T) {
	fp := Schema{Columns: []Column{{Source: "k", Type: Fingerprint}}}
	// Any number of NULLs with preserveNulls and no duplicates.
	s := HighAssurance()
	s.PreserveNulls = true
	if _, err := encryptCSV(t, s, "k\n\na\n\nb\n", fp); err != nil {
		t.Error(err)
	}
	// Duplicates when allowed.
	if _, err := encryptCSV(t, LowAssurance(), "k\na\na\n", fp); err != nil {
		t.Error(err)
	}
	// A FIXED value of L-1 data bytes fits (tag + data = L).
	if _, err := encryptCSV(t, LowAssurance(), "k\nabcde\n", Schema{Columns: []Column{{Source: "k", Type: Sealed, Pad: Pad{PadFixed, 6}}}}); err != nil {
		t.Error(err)
	}
}

func TestColumnLimit(t *testing.T) {
	var s Schema
	for i := range MaxColumns + 1 {
		s.Columns = append(s.Columns, Column{Source: "k", Target: fmt.Sprintf("c%d", i), Type: Sealed})
	}
	_, err := encryptCSV(t, LowAssurance(), "k\na\n", s)
	if !errors.Is(err, ErrLimit) || !errors.Is(err, cdpkit.ErrLimitExceeded) {
		t.Fatalf("got %v", err)
	}
	s.Columns = s.Columns[:MaxColumns]
	if _, err := encryptCSV(t, LowAssurance(), "k\na\n", s); err != nil {
		t.Fatal(err)
	}
}

func TestValidateAgainstRule(t *testing.T) {
	schema := Schema{Columns: []Column{
		{Source: "email", Type: Fingerprint},
		{Source: "name", Type: Sealed},
		{Source: "amount", Type: Cleartext},
	}}
	settings := LowAssurance()
	ok := cleanroom.List{JoinColumns: []string{"email_fingerprint"}, ListColumns: []string{"name_sealed"}}
	if err := schema.Validate(settings, ok); err != nil {
		t.Errorf("valid rule: %v", err)
	}
	if err := schema.Validate(settings, &ok); err != nil {
		t.Errorf("valid rule by pointer: %v", err)
	}
	var nilRule *cleanroom.List
	if err := schema.Validate(settings, nilRule); err != nil {
		t.Errorf("nil rule: %v", err)
	}
	bad := []struct {
		name string
		rule cleanroom.Rule
		col  string
	}{
		{"join on sealed", cleanroom.List{JoinColumns: []string{"name_sealed"}, ListColumns: []string{"amount"}}, "name_sealed"},
		{"join on missing", cleanroom.List{JoinColumns: []string{"email"}, ListColumns: []string{"amount"}}, "email"},
		{"sum of a fingerprint", cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: "SUM", Columns: []string{"email_fingerprint"}}},
			JoinColumns:       []string{"email_fingerprint"},
			DimensionColumns:  []string{"amount"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "email_fingerprint", Minimum: 2}},
		}, ""},
	}
	for _, b := range bad {
		err := schema.Validate(settings, b.rule)
		wantErr(t, err, ErrNotAllowed, b.col, 0)
	}
	// High assurance refuses the cleartext column.
	wantErr(t, schema.Validate(HighAssurance(), nil), ErrNotAllowed, "amount", 0)
}

func TestDecryptErrors(t *testing.T) {
	e, _ := NewEncryptor(sampleSecret(t), sampleSalt, LowAssurance(), func(o *Options) { o.TempDir = t.TempDir() })
	var enc bytes.Buffer
	schema := Schema{Columns: []Column{{Source: "a", Type: Sealed}, {Source: "a", Type: Fingerprint}, {Source: "a", Target: "plain", Type: Cleartext}}}
	if _, err := e.EncryptCSV(t.Context(), &enc, strings.NewReader("a\nx\ny\n"), schema); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, enc.Bytes())
	sealed := recs[2][0]
	d, _ := NewDecryptor(sampleSecret(t), sampleSalt)
	decrypt := func(cell string) error {
		in := "a_sealed,b\n" + recs[1][0] + ",1\n" + cell + ",2\n"
		var out bytes.Buffer
		_, err := d.DecryptCSV(t.Context(), &out, strings.NewReader(in))
		return err
	}
	if err := decrypt(sealed); err != nil {
		t.Fatal(err)
	}
	// Flip one character of the Base64 body.
	b := []byte(sealed)
	i := len(prefixEnc) + 60
	b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
	wantErr(t, decrypt(string(b)), ErrDecrypt, "a_sealed", 2)
	// Sealed for another collaboration.
	d2, _ := NewDecryptor(sampleSecret(t), "another-collaboration")
	_, err := d2.DecryptCell([]byte(sealed))
	if !errors.Is(err, ErrDecrypt) {
		t.Errorf("foreign cell: %v", err)
	}
	wantErr(t, decrypt("01:enc:AAAA"), ErrFormat, "a_sealed", 2)
	wantErr(t, decrypt("02:enc:not base64!"), ErrFormat, "a_sealed", 2)
	wantErr(t, decrypt("02:enc:AAAA"), ErrFormat, "a_sealed", 2)
	// Fingerprints, legacy fingerprints and plain text pass through.
	for _, cell := range []string{recs[1][1], "01:hmac:abc", "hello"} {
		v, err := d.DecryptCell([]byte(cell))
		if err != nil || string(v.Bytes) != cell {
			t.Errorf("pass-through failed: %v", err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	raw := bytes.Repeat([]byte("s3cr3t!"), 5)
	s, err := NewSecret(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		if out := fmt.Sprintf(f, s); strings.Contains(out, "s3cr3t") || strings.Contains(out, "733363") {
			t.Errorf("%s prints the secret", f)
		}
	}
	if _, err := NewSecret(raw[:31]); !errors.Is(err, ErrSecret) {
		t.Errorf("short secret: %v", err)
	}
	if _, err := SecretFromBase64("!!"); !errors.Is(err, ErrSecret) {
		t.Errorf("bad base64: %v", err)
	}
}
