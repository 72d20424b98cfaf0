package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/records"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func col(name string, n int, f func(i int) string) Column {
	c := Column{Name: name, InOrder: n}
	for i := 0; i < n; i++ {
		c.Values = append(c.Values, f(i))
	}
	return c
}

func classOf(t *testing.T, c Column) Finding {
	t.Helper()
	rep, err := Classify([]Column{c}, func(o *Options) { o.Now = func() time.Time { return corpusNow } })
	if err != nil {
		t.Fatal(err)
	}
	return rep.Findings[0]
}

// TestValuesOverHeader: a header is a hint, never decisive when the values
// disagree; values without a helpful header still decide.
func TestValuesOverHeader(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(7, 7))}
	for _, tc := range []struct {
		c    Column
		want Class
	}{
		{col("phone", 60, func(int) string { return g.email() }), Email},
		{col("customer_id", 60, func(int) string { return g.card() }), PaymentCard},
		{col("zip", 60, func(int) string { return g.ssn() }), NationalID},
		{col("email", 60, func(int) string { return g.phone("gb") }), Phone},
		{col("first_name", 60, func(i int) string { return strconvI(1000 + i) }), NotPII},
		{col("dob", 60, func(int) string { return g.date(2021, 2025, 0) }), NotPII},
		{col("col3", 60, func(int) string { return g.date(1950, 2000, 1) }), DOB},
		{col("Telefonnummer", 60, func(int) string { return g.phone("de") }), Phone},
		{col("x", 60, func(i int) string { return strconvI(4155550000 + 3*i) }), NotPII},
		// order numbers that read as phone numbers stay order numbers, even
		// under a phone header
		{col("mobile", 60, func(i int) string { return strconvI(4155550000 + 3*i) }), NotPII},
		{col("mobile", 60, func(int) string { return "415" + g.digits(7) }), Phone},
		{col("x", 60, func(int) string { return strconvI(10200 + g.r.IntN(300)) }), NotPII},
		{col("notes", 60, func(int) string { return g.note(false) }), NotPII},
		{col("notes", 60, func(int) string { return g.note(true) }), FreeTextPII},
		{col("gender", 60, func(i int) string { return []string{"M", "F", "U"}[i%3] }), Gender},
		{col("language", 60, func(i int) string { return []string{"en", "de", "fr"}[i%3] }), NotPII},
		{col("device", 60, func(int) string { return g.uuid(true) }), MobileAdID},
		{col("customer_id", 60, func(int) string { return g.uuid(false) }), ExternalID},
		{col("email_sha256", 60, func(i int) string { return strings.Repeat(fmt.Sprintf("%02x", i), 32) }), Hashed},
		{col("", 60, func(int) string { return "" }), NotPII},
	} {
		f := classOf(t, tc.c)
		if f.Class != tc.want {
			t.Errorf("column %q: %s (%s), want %s", tc.c.Name, f.Class, strings.Join(f.Evidence, " "), tc.want)
		}
		if f.Confidence <= 0 || f.Confidence >= 1 {
			t.Errorf("column %q: confidence %v", tc.c.Name, f.Confidence)
		}
	}
}

func strconvI(i int) string { return fmt.Sprint(i) }

func TestHashedKeyAndScheme(t *testing.T) {
	f0 := classOf(t, col("email_md5", 40, func(i int) string { return strings.Repeat(fmt.Sprintf("%02xab", i+1), 8) }))
	if f0.Class != Hashed || f0.Key != "" || f0.Scheme != "md5/sha1/sha512" {
		t.Errorf("md5: got %s key %q scheme %q", f0.Class, f0.Key, f0.Scheme)
	}
	f := classOf(t, col("hashed_email", 40, func(i int) string { return strings.Repeat(fmt.Sprintf("%02x", i+1), 32) }))
	if f.Class != Hashed || f.Key != hashing.Email || f.Scheme != "sha256" {
		t.Errorf("got %s key %q scheme %q", f.Class, f.Key, f.Scheme)
	}
	f = classOf(t, col("phone_hash", 40, func(i int) string { return strings.Repeat(fmt.Sprintf("%02XAB", i+1), 16) }))
	if f.Class != Hashed || f.Key != hashing.Phone || f.Scheme != "sha256-upper" {
		t.Errorf("upper-case: got %s key %q scheme %q", f.Class, f.Key, f.Scheme)
	}
}

// TestMappingFeedsHashing: the suggested mapping drives HashRow directly.
func TestMappingFeedsHashing(t *testing.T) {
	names := []string{"Vorname", "E-Mail", "Telefon", "Land", "amount"}
	rows := [][]string{}
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < 80; i++ {
		rows = append(rows, []string{g.name(genFirst), g.email(), g.phone("de"), "DE", "12.50"})
	}
	s := NewSampler()
	for _, r := range rows {
		s.Add(names, r)
	}
	rep, err := s.Report()
	if err != nil {
		t.Fatal(err)
	}
	want := map[hashing.Key]string{hashing.FirstName: "Vorname", hashing.Email: "E-Mail", hashing.Phone: "Telefon", hashing.Country: "Land"}
	got := rep.Mapping.Columns()
	if len(got) != len(want) {
		t.Fatalf("mapping %v, want %v", got, want)
	}
	for k, c := range want {
		if got[k] != c {
			t.Errorf("%s → %q, want %q", k, got[k], c)
		}
	}
	h, err := hashing.New()
	if err != nil {
		t.Fatal(err)
	}
	var rec hashing.Record
	rep.Mapping.Record(&rec, rows[0])
	cells, errs := h.HashRow(nil, rep.Mapping.Schema(), &rec)
	if len(errs) != 0 || len(cells) != 4 {
		t.Fatalf("%d cells, errors %v", len(cells), errs)
	}
	for _, c := range cells {
		if c.IsMissing() {
			t.Errorf("%s missing", c.Key())
		}
	}
}

// TestNoValueInOutput is the property that no finding, report or error
// holds a value: over the corpus and random columns, the JSON of every
// report (column names aside) and every error message contain no sampled
// value of eight characters or more.
func TestNoValueInOutput(t *testing.T) {
	check := func(t *testing.T, cols []Column, rep *Report) {
		t.Helper()
		for i := range rep.Findings {
			rep.Findings[i].Column = ""
		}
		for i := range rep.Mapping {
			rep.Mapping[i].Column = ""
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		out := string(b) + (&ForbiddenError{Input: "in", Columns: rep.Findings, Quarantined: "q"}).Error()
		for _, c := range cols {
			for _, v := range c.Values {
				if v = strings.TrimSpace(v); len(v) >= 8 && strings.Contains(out, v) {
					t.Fatalf("output holds a value of column %q", c.Name)
				}
			}
		}
	}
	_, names := loadCorpus(t)
	for i, name := range names {
		if testing.Short() && i%4 != 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
		if err != nil {
			t.Fatal(err)
		}
		s := NewSampler()
		for rec, err := range records.CSV(t.Context(), bytes.NewReader(b), name, nil) {
			if err != nil {
				t.Fatal(err)
			}
			s.Add(rec.Names(), rec.Values())
		}
		rep, err := s.Report()
		if err != nil {
			t.Fatal(err)
		}
		check(t, s.Columns(), rep)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; i++ {
		c := Column{Name: "c"}
		for j := 0; j < 30; j++ {
			b := make([]byte, 8+r.IntN(30))
			for k := range b {
				b[k] = "0123456789abcdefABCDEF@.-+ /:xn"[r.IntN(31)]
			}
			c.Values = append(c.Values, string(b))
		}
		rep, err := Classify([]Column{c})
		if err != nil {
			t.Fatal(err)
		}
		check(t, []Column{c}, rep)
	}
}

func TestOptionsError(t *testing.T) {
	_, err := Classify(nil, WithCountry("Atlantis"))
	var oe *OptionError
	if !errors.Is(err, ErrOptions) || !errors.Is(err, cdpkit.ErrInvalid) || !errors.As(err, &oe) || oe.Field != "Country" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "Atlantis") {
		t.Errorf("error holds the option's value")
	}
}

func TestGate(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(5, 5))}
	cols := []Column{
		col("email", 50, func(int) string { return g.email() }),
		col("cc", 50, func(int) string { return g.card() }),
		col("notes", 50, func(int) string { return g.note(true) }),
	}
	rep, err := Classify(cols)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Forbidden()) != 2 {
		t.Fatalf("forbidden: %v", rep.Forbidden())
	}
	for _, m := range rep.Mapping {
		if m.Column != "email" {
			t.Errorf("forbidden column %q mapped to %s", m.Column, m.Key)
		}
	}
	if err := rep.Check(); !errors.Is(err, ErrForbidden) {
		t.Errorf("Check: %v", err)
	}
	ctx := t.Context()
	s := zonestest.New(t)
	err = Gate(ctx, s, "customers", "raw/crm/2026-12-07.csv", rep, Stop)
	var fe *ForbiddenError
	if !errors.As(err, &fe) || !errors.Is(err, ErrForbidden) || !errors.Is(err, cdpkit.ErrInvalid) || fe.Quarantined != "" {
		t.Fatalf("Stop: %v", err)
	}
	for o, err := range s.Objects(ctx, zones.Quarantine, "") {
		t.Fatalf("Stop wrote %v (%v)", o.Key, err)
	}
	err = Gate(ctx, s, "customers", "raw/crm/2026-12-07.csv", rep, Quarantine)
	if !errors.As(err, &fe) || fe.Quarantined == "" {
		t.Fatalf("Quarantine: %v", err)
	}
	var reasons []string
	for rj, err := range s.Rejections(ctx, fe.Quarantined) {
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, rj.Column+" "+rj.Reason)
	}
	if strings.Join(reasons, ",") != "cc forbidden_pii:payment_card,notes forbidden_pii:free_text_pii" {
		t.Errorf("quarantine record: %v", reasons)
	}
	clean, _ := Classify(cols[:1])
	if err := Gate(ctx, s, "customers", "x", clean, Quarantine); err != nil {
		t.Errorf("clean file: %v", err)
	}
}

func TestSamplerBoundedAndDeterministic(t *testing.T) {
	run := func(seed uint64) []Column {
		s := NewSampler(WithSeed(seed), func(o *Options) { o.FirstRows, o.SampleRows = 5, 10 })
		for i := 0; i < 10000; i++ {
			s.Add([]string{"n"}, []string{fmt.Sprint(i)})
		}
		if s.Rows() != 10000 {
			t.Fatalf("rows %d", s.Rows())
		}
		return s.Columns()
	}
	a, b, c := run(1), run(1), run(2)
	if len(a[0].Values) != 15 || a[0].InOrder != 5 {
		t.Fatalf("sample of %d values", len(a[0].Values))
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different samples")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("different seeds, same sample")
	}
}

func TestJSONLinesRecords(t *testing.T) {
	var b bytes.Buffer
	g := gen{rand.New(rand.NewPCG(9, 9))}
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "{\"mail\":%q,\"ip\":%q,\"n\":%d}\n", strings.TrimSpace(g.email()), fmt.Sprintf("10.0.%d.%d", i%250, i%200+1), i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "{\"extra\":\"x\"}\n")
		}
	}
	rep, err := Records(t.Context(), records.JSONLines(t.Context(), &b, "f.jsonl", nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Class{}
	for _, f := range rep.Findings {
		got[f.Column] = f.Class
	}
	if got["mail"] != Email || got["ip"] != IPAddress || got["n"] != NotPII || got["extra"] != NotPII {
		t.Errorf("got %v", got)
	}
}

func TestCSVErrors(t *testing.T) {
	_, err := CSV(t.Context(), bytes.NewReader(nil), 0)
	if !errors.Is(err, ErrInput) || !errors.Is(err, cdpkit.ErrInvalid) {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("email", "a@b.co\n+44 20 7946 0958\n4111 1111 1111 1111\n078-05-1120")
	f.Add("Geburtsdatum", "01.02.1980\n1980-02-01\n\n")
	f.Add("", "\xff\xfe\n𝟘𝟙\nxn--p1ai")
	f.Fuzz(func(t *testing.T, header, values string) {
		c := Column{Name: header, Values: strings.Split(values, "\n"), InOrder: 2}
		rep, err := Classify([]Column{c})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 1 {
			t.Fatalf("%d findings", len(rep.Findings))
		}
		fd := rep.Findings[0]
		if fd.Confidence < 0 || fd.Confidence > 1 || fd.Counts.Matched > fd.Counts.Sampled+fd.Counts.Empty {
			t.Fatalf("bad finding %+v", fd)
		}
		fd.Column = ""
		b, _ := json.Marshal(fd)
		for _, v := range c.Values {
			if v = strings.TrimSpace(v); len(v) >= 8 && bytes.Contains(b, []byte(v)) {
				t.Fatalf("finding holds a value")
			}
		}
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n\"x\ny\",3\n"))
	f.Add([]byte("\xef\xbb\xbfemail,phone\nx@y.co,+1 650 555 1212\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, limit := range []int64{0, streamLimit} {
			rep, err := sampleCSV(t.Context(), bytes.NewReader(b), int64(len(b)), limit, []func(*Options){func(o *Options) {
				o.FirstRows, o.SampleRows = 2, 5
			}})
			if err != nil {
				if !errors.Is(err, ErrInput) {
					t.Fatalf("error outside ErrInput: %v", err)
				}
				continue
			}
			if rep == nil {
				t.Fatal("nil report")
			}
		}
	})
}
