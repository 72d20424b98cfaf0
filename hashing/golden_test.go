package hashing

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Test output never shows identifier values unless asked for, even for the
// synthetic ones here, so that the habit holds where the data is real.
var showValues = flag.Bool("show-values", false, "print golden inputs and outputs in failures")

type goldenCase struct {
	Name        string `json:"name"`
	Key         Key    `json:"key"`
	In          string `json:"in"`
	Norm        string `json:"norm"`
	Wire        string `json:"wire"`
	HMAC        string `json:"hmac"`
	Reason      Reason `json:"reason"`
	Country     string `json:"country"`
	DayFirst    bool   `json:"day_first"`
	NoPreHashed bool   `json:"no_prehashed"`
	PreHashed   bool   `json:"prehashed"`
}

func loadGolden(t testing.TB) map[string][]goldenCase {
	t.Helper()
	files, err := filepath.Glob("testdata/golden_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	out := map[string][]goldenCase{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []goldenCase
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = cs
	}
	return out
}

func (c goldenCase) opts(extra ...func(*Options)) []func(*Options) {
	o := []func(*Options){func(o *Options) {
		o.Country = c.Country
		if c.DayFirst {
			o.DateOrder = DayFirst
		}
		o.RejectPreHashed = c.NoPreHashed
	}}
	return append(o, extra...)
}

func TestGolden(t *testing.T) {
	total := 0
	keys := map[Key]int{}
	secret := []byte("cdpkit-golden-secret")
	for file, cases := range loadGolden(t) {
		for i, c := range cases {
			total++
			keys[c.Key]++
			where := file + "[" + itoa(i) + "] " + string(c.Key) + " " + c.Name
			show := func(got string) string {
				if *showValues {
					return " in=" + quote(c.In) + " got=" + quote(got) + " want=" + quote(c.Norm)
				}
				return ""
			}
			norm, err := Normalize(c.Key, c.In, c.opts()...)
			if norm != c.Norm {
				t.Errorf("%s: Normalize gave a different value%s", where, show(norm))
			}
			checkReason(t, where, err, c.Reason)
			if err != nil && len(c.In) > 3 && strings.Contains(err.Error(), trim(c.In)) {
				t.Errorf("%s: error message contains the input", where)
			}

			wire, err := Hash(c.Key, c.In, c.opts()...)
			if wire != c.Wire {
				t.Errorf("%s: Hash gave a different value%s", where, show(wire))
			}
			checkReason(t, where+" (Hash)", err, c.Reason)

			h, err := New(c.opts()...)
			if err != nil {
				t.Fatalf("%s: New: %v", where, err)
			}
			buf := []byte("prefix")
			buf, r := h.AppendHash(buf, c.Key, c.In)
			if string(buf) != "prefix"+c.Wire || r != c.Reason {
				t.Errorf("%s: AppendHash disagrees with Hash (reason %q)", where, r)
			}
			cell, _ := h.Cell(c.Key, c.In)
			if cell.Value() != c.Wire || cell.Key() != c.Key {
				t.Errorf("%s: Cell disagrees with Hash", where)
			}

			// The keyed scheme over the same normalized value.
			hm, err := Hash(c.Key, c.In, c.opts(WithHMAC(secret))...)
			switch {
			case c.PreHashed:
				if hm != "" || !hasReason(err, ReasonPreHashedKeyed) {
					t.Errorf("%s: HMAC scheme accepted a pre-hashed value", where)
				}
			case c.HMAC != "":
				if hm != c.HMAC {
					t.Errorf("%s: HMAC digest differs", where)
				}
			default:
				if hm != c.Wire {
					t.Errorf("%s: HMAC scheme changed an unhashed or missing value", where)
				}
			}
		}
	}
	if total < 400 {
		t.Errorf("only %d golden cases, want at least 400", total)
	}
	for _, k := range Keys() {
		if keys[k] == 0 {
			t.Errorf("no golden case for %s", k)
		}
	}
}

func checkReason(t *testing.T, where string, err error, want Reason) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", where, err)
		}
		return
	}
	var he *Error
	if !errors.As(err, &he) {
		t.Errorf("%s: err = %v, want reason %s", where, err, want)
		return
	}
	if he.Reason != want {
		t.Errorf("%s: reason %s, want %s", where, he.Reason, want)
	}
	if want.Warning() != errors.Is(err, ErrWarning) || want.Warning() == errors.Is(err, ErrInvalid) {
		t.Errorf("%s: error category wrong for %s", where, want)
	}
}

func hasReason(err error, r Reason) bool {
	var he *Error
	return errors.As(err, &he) && he.Reason == r
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
