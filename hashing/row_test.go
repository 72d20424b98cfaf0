package hashing

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
)

func sha(t testing.TB, s string) string {
	t.Helper()
	return fmt.Sprintf("%x", sha256.Sum256([]byte(s)))
}

// issue is an *Error without the pointer, for cmp.
type issue struct {
	Key    Key
	Reason Reason
	Row    int
}

func issues(errs []*Error) []issue {
	var out []issue
	for _, e := range errs {
		out = append(out, issue{e.Key, e.Reason, e.Row})
	}
	return out
}

func values(cells []Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Value()
	}
	return out
}

func TestHashRow(t *testing.T) {
	h, err := New(WithCountry("us"))
	if err != nil {
		t.Fatal(err)
	}
	schema := []Key{Email, Phone, FirstName, FirstInitial, State, Zip, Country, BirthYear, BirthMonth, BirthDay, DOB, Gender, MobileAdID, ExternID}
	for _, tc := range []struct {
		name   string
		set    map[Key]string
		want   map[Key]string // normalized values; hashed here for hashed keys
		issues []issue
	}{{
		name: "row country feeds phone, state and zip",
		set: map[Key]string{Email: "Ann@Example.com", Phone: "020 7946 0958", FirstName: "Ann", State: "Greater London",
			Zip: "SW1A 1AA", Country: "United Kingdom", DOB: "1990-03-04", Gender: "F", ExternID: " c-1 "},
		want: map[Key]string{Email: "ann@example.com", Phone: "442079460958", FirstName: "ann", FirstInitial: "a",
			State: "greaterlondon", Zip: "sw1a1aa", Country: "gb", BirthYear: "1990", BirthMonth: "03", BirthDay: "04",
			DOB: "19900304", Gender: "f", ExternID: "c-1"},
	}, {
		name: "default region when the row has no country",
		set:  map[Key]string{Phone: "(650) 555-1212", State: "California", Zip: "2134", FirstInitial: "Z", FirstName: "Ann"},
		want: map[Key]string{Phone: "16505551212", State: "ca", Zip: "02134", FirstName: "ann", FirstInitial: "z"},
	}, {
		name: "parts build DOB",
		set:  map[Key]string{BirthYear: "1988", BirthMonth: "7", BirthDay: "9"},
		want: map[Key]string{BirthYear: "1988", BirthMonth: "07", BirthDay: "09", DOB: "19880709"},
	}, {
		name:   "impossible parts give no DOB but keep valid parts",
		set:    map[Key]string{BirthYear: "1989", BirthMonth: "2", BirthDay: "30"},
		want:   map[Key]string{BirthYear: "1989", BirthMonth: "02", BirthDay: "30"},
		issues: []issue{{DOB, ReasonDateImpossible, 7}},
	}, {
		name: "rejections are reported per cell with the row",
		set: map[Key]string{Email: "not-an-email", Phone: "12", State: "Nowhere", Zip: "ABC", Country: "USA",
			DOB: "1990-02-30", Gender: "x", MobileAdID: "nope"},
		want: map[Key]string{Country: "us"},
		issues: []issue{{Email, ReasonEmailAt, 7}, {Phone, ReasonPhoneInvalid, 7}, {State, ReasonStateUnknown, 7},
			{Zip, ReasonZipFormat, 7}, {BirthYear, ReasonDateImpossible, 7}, {BirthMonth, ReasonDateImpossible, 7},
			{BirthDay, ReasonDateImpossible, 7}, {DOB, ReasonDateImpossible, 7}, {Gender, ReasonGenderUnknown, 7},
			{MobileAdID, ReasonMADIDFormat, 7}},
	}, {
		name:   "an invalid row country is reported and the default region used",
		set:    map[Key]string{Country: "Atlantis", Phone: "650 555 1212"},
		want:   map[Key]string{Phone: "16505551212"},
		issues: []issue{{Country, ReasonCountryUnknown, 7}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var rec Record
			rec.Row = 7
			for k, v := range tc.set {
				if !rec.Set(k, v) {
					t.Fatalf("Set(%s) refused", k)
				}
			}
			cells, errs := h.HashRow(nil, schema, &rec)
			want := make([]string, len(schema))
			for i, k := range schema {
				if n := tc.want[k]; n != "" {
					want[i] = n
					if k.Hashed() {
						want[i] = sha(t, n)
					}
				}
				if cells[i].Key() != k {
					t.Errorf("cell %d has key %s, want %s", i, cells[i].Key(), k)
				}
			}
			if d := cmp.Diff(want, values(cells)); d != "" {
				// Positions only: the diff would show digests.
				for i := range want {
					if want[i] != cells[i].Value() {
						t.Errorf("cell %d (%s) differs", i, schema[i])
					}
				}
			}
			if d := cmp.Diff(tc.issues, issues(errs)); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
		})
	}
}

func TestHashRowCountryNotInSchema(t *testing.T) {
	h, _ := New()
	var rec Record
	rec.Set(Country, "gb")
	rec.Set(Phone, "020 7946 0958")
	cells, errs := h.HashRow(nil, []Key{Phone}, &rec)
	if len(errs) != 0 || cells[0].Value() != sha(t, "442079460958") {
		t.Errorf("row country not used for phone: %v", errs)
	}
	rec.Set(Country, "nowhere")
	_, errs = h.HashRow(nil, []Key{Phone, Key("SSN")}, &rec)
	if d := cmp.Diff([]issue{{Country, ReasonCountryUnknown, 0}, {Phone, ReasonPhoneNoCountry, 0}, {Key("SSN"), ReasonUnknownKey, 0}}, issues(errs)); d != "" {
		t.Errorf("issues (-want +got):\n%s", d)
	}
}

func TestHashBatchMatchesHashRow(t *testing.T) {
	for _, scheme := range []func(*Options){func(*Options) {}, WithHMAC([]byte("batch-secret"))} {
		h, err := New(WithCountry("gb"), func(o *Options) { o.Workers = 3 }, scheme)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(string(h.Scheme()), func(t *testing.T) { testBatch(t, h) })
	}
}

func testBatch(t *testing.T, h *Hasher) {
	schema := MetaSchema()
	recs := syntheticRecords(2000)
	cells, errs, err := h.HashBatch(t.Context(), schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	var want []Cell
	var wantErrs []issue
	for i := range recs {
		var e []*Error
		want, e = h.HashRow(want, schema, &recs[i])
		for _, x := range e {
			wantErrs = append(wantErrs, issue{x.Key, x.Reason, i + 1})
		}
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d cells, want %d", len(cells), len(want))
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Fatalf("cell %d (row %d, %s) differs from HashRow", i, i/len(schema)+1, schema[i%len(schema)])
		}
	}
	if len(wantErrs) == 0 {
		t.Fatal("synthetic records should include rejections")
	}
	if d := cmp.Diff(wantErrs, issues(errs)); d != "" {
		t.Errorf("issues (-want +got):\n%s", d)
	}
}

func TestHashBatchCancelled(t *testing.T) {
	h, _ := New()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := h.HashBatch(ctx, MetaSchema(), syntheticRecords(5000))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// syntheticRecords makes made-up people; every 7th has bad values.
func syntheticRecords(n int) []Record {
	first := []string{"Ann", "Bob", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Gérard", "Hiro"}
	recs := make([]Record, n)
	for i := range recs {
		r := &recs[i]
		f := first[i%len(first)]
		r.Set(Email, fmt.Sprintf("%s.%d@Example.com", strings.ToLower(f[:1]), i))
		r.Set(Phone, fmt.Sprintf("+1 (555) 01%02d-%04d", i%100, i%10000))
		r.Set(FirstName, f)
		r.Set(LastName, "Testperson")
		r.Set(City, "Springfield")
		r.Set(State, "Illinois")
		r.Set(Zip, "62701")
		r.Set(Country, "US")
		r.Set(DOB, fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28))
		r.Set(Gender, []string{"M", "F"}[i%2])
		r.Set(ExternID, fmt.Sprintf("cust-%06d", i))
		if i%7 == 3 {
			r.Set(Email, "broken")
			r.Set(DOB, "1990-02-30")
			r.Set(Gender, "?")
		}
	}
	return recs
}

func TestRecord(t *testing.T) {
	var r Record
	if r.Set(Key("SSN"), "x") {
		t.Error("Set accepted an unknown key")
	}
	r.Set(Email, "a")
	if r.Get(Email) != "a" || r.Get(Phone) != "" || r.Get(Key("SSN")) != "" {
		t.Error("Get wrong")
	}
	r.Reset()
	if r.Get(Email) != "" {
		t.Error("Reset kept a value")
	}
	for i, k := range Keys() {
		if keyIndex(k) != i {
			t.Errorf("key %s has index %d, want its position %d", k, keyIndex(k), i)
		}
	}
	for name, idx := range map[Key]int{FirstName: idxFN, Country: idxCountry, BirthYear: idxDOBY, BirthMonth: idxDOBM, BirthDay: idxDOBD, DOB: idxDOB} {
		if keyIndex(name) != idx {
			t.Errorf("index constant for %s is wrong", name)
		}
	}
}

func TestAppendHashDoesNotAllocateForASCII(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are not meaningful under -race; run without -short")
	}
	h, err := New(WithCountry("us"))
	if err != nil {
		t.Fatal(err)
	}
	hm, err := New(WithHMAC([]byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	for _, tc := range []struct {
		k Key
		v string
	}{
		{Email, "  John_Smith@Gmail.com "}, {Email, "bad@@example.com"}, {Phone, "+1 (650) 555-1212 x12"},
		{Phone, "0044 20 7946 0958"}, {FirstName, "Mary-Jane"}, {FirstInitial, "Mary"}, {LastName, "O'Neil"},
		{City, "New York"}, {State, "California"}, {State, "CA"}, {Zip, "94105-1234"}, {Country, "United Kingdom"},
		{Country, "gbr"}, {BirthYear, "1997-02-16"}, {BirthMonth, "2"}, {BirthDay, "16"}, {DOB, "2/16/1997"},
		{Gender, "Female"}, {MobileAdID, "6D92078A-8246-4BA4-AE5B-76104861E7DC"}, {ExternID, " c-1 "},
		{LookalikeValue, "12.50"}, {Email, strings.Repeat("AB", 32)}, {Zip, "94105 - 1234"},
		{Phone, "+0044 ( 0 ) 20 7946 0958"},
	} {
		for _, hh := range []*Hasher{h, hm} {
			if n := testing.AllocsPerRun(50, func() { buf, _ = hh.AppendHash(buf[:0], tc.k, tc.v) }); n != 0 {
				t.Errorf("%s (%s): %v allocations", tc.k, hh.Scheme(), n)
			}
		}
	}
	var rec Record
	rec.Set(Email, "a@example.com")
	rec.Set(Phone, "+1 650 555 1212")
	rec.Set(FirstName, "Ann")
	rec.Set(DOB, "1990-01-02")
	rec.Set(Country, "US")
	cells := make([]Cell, 0, 16)
	schema := []Key{Email, Phone, FirstName, FirstInitial, BirthYear, BirthMonth, BirthDay, Country}
	if n := testing.AllocsPerRun(50, func() { cells, _ = h.HashRow(cells[:0], schema, &rec) }); n != 1 {
		t.Errorf("HashRow: %v allocations, want 1 (the row's string)", n)
	}
	var parts Record
	parts.Set(BirthYear, "1990")
	parts.Set(BirthMonth, "1")
	parts.Set(BirthDay, "2")
	parts.Set(FirstName, "Ann")
	schema = []Key{DOB, FirstInitial, Country}
	if n := testing.AllocsPerRun(50, func() { cells, _ = h.HashRow(cells[:0], schema, &parts) }); n != 1 {
		t.Errorf("HashRow deriving DOB and FI: %v allocations, want 1", n)
	}
}

func TestHashColumn(t *testing.T) {
	h, err := New(WithCountry("us"), func(o *Options) { o.Workers = 2 })
	if err != nil {
		t.Fatal(err)
	}
	var values, countries []string
	for i := 0; i < 1500; i++ {
		values = append(values, []string{"020 7946 0958", "(650) 555-1212", "", "n/a", "+44 20 7946 0958", "555"}[i%6])
		countries = append(countries, []string{"gb", "", "us", "United Kingdom"}[i%4])
	}
	for _, cs := range [][]string{nil, countries} {
		cells, errs, err := h.HashColumn(t.Context(), Phone, values, cs)
		if err != nil {
			t.Fatal(err)
		}
		var want []issue
		for i, v := range values {
			cc := ""
			if cs != nil {
				cc = cs[i]
			}
			w, err := h.HashIn(Phone, v, cc)
			if cells[i].Value() != w || cells[i].Key() != Phone {
				t.Fatalf("value %d differs from HashIn", i)
			}
			var he *Error
			if errors.As(err, &he) {
				want = append(want, issue{Phone, he.Reason, i + 1})
			}
		}
		if len(want) == 0 {
			t.Fatal("column should have rejections")
		}
		if d := cmp.Diff(want, issues(errs)); d != "" {
			t.Errorf("issues (-want +got):\n%s", d)
		}
	}
	// Unhashed values that are already clean share the input.
	cells, _, err := h.HashColumn(t.Context(), ExternID, []string{"a", " b ", ""}, nil)
	if err != nil || values3(cells) != [3]string{"a", "b", ""} {
		t.Errorf("EXTERN_ID column: %v", err)
	}
	if _, _, err := h.HashColumn(t.Context(), Phone, values, countries[:3]); !errors.Is(err, ErrConfig) {
		t.Errorf("length mismatch: err = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := h.HashColumn(ctx, Phone, values, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func values3(c []Cell) [3]string { return [3]string{c[0].Value(), c[1].Value(), c[2].Value()} }

func recordSeq(recs []Record, failAt int) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for i, r := range recs {
			if i == failAt {
				yield(Record{}, errors.New("source broke"))
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestRowsStreamsInOrder(t *testing.T) {
	// synctest: the test fails if any goroutine is left behind, including
	// after the consumer stops early.
	synctest.Test(t, func(t *testing.T) {
		h, err := New(func(o *Options) { o.Workers = 2 })
		if err != nil {
			t.Fatal(err)
		}
		schema := MetaSchema()
		recs := syntheticRecords(2500)
		want, wantErrs, err := h.HashBatch(t.Context(), schema, recs)
		if err != nil {
			t.Fatal(err)
		}
		n, nerrs := 0, 0
		for r, err := range h.Rows(t.Context(), schema, recordSeq(recs, -1), 300) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Number != n+1 {
				t.Fatalf("row %d numbered %d", n+1, r.Number)
			}
			for j, c := range r.Cells {
				if c != want[n*len(schema)+j] {
					t.Fatalf("row %d cell %d differs from HashBatch", n+1, j)
				}
			}
			for _, e := range r.Errs {
				if e.Row != r.Number || *e != *wantErrs[nerrs] {
					t.Fatalf("row %d: issue differs from HashBatch", r.Number)
				}
				nerrs++
			}
			n++
		}
		if n != len(recs) || nerrs != len(wantErrs) {
			t.Errorf("got %d rows and %d issues, want %d and %d", n, nerrs, len(recs), len(wantErrs))
		}

		// Stopping early.
		n = 0
		for range h.Rows(t.Context(), schema, recordSeq(recs, -1), 100) {
			n++
			if n == 150 {
				break
			}
		}
		// A source error comes after the rows read before it.
		n = 0
		var last error
		for _, err := range h.Rows(t.Context(), schema, recordSeq(recs, 1234), 500) {
			if err != nil {
				last = err
				break
			}
			n++
		}
		if n != 1234 || last == nil || last.Error() != "source broke" {
			t.Errorf("source error: %d rows then %v", n, last)
		}
		// A cancelled context ends the stream with its error.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, err := range h.Rows(ctx, schema, recordSeq(recs, -1), 100) {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled stream: err = %v", err)
			}
			break
		}
	})
}

func TestNANPFastPathMatchesLibphonenumber(t *testing.T) {
	seps := []string{"", " ", "-", ".", "(", ")", "/", " - "}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	rng := uint64(42)
	next := func(k int) int {
		rng = rng*6364136223846793005 + 1442695040888963407
		return int((rng >> 33) % uint64(k))
	}
	for i := 0; i < n; i++ {
		var b strings.Builder
		digits := 10 + next(2)
		for j := 0; j < digits; j++ {
			if next(3) == 0 {
				b.WriteString(seps[next(len(seps))])
			}
			b.WriteByte(byte('0' + next(10)))
		}
		s := b.String()
		if !isNANP(s) {
			continue
		}
		fast := appendNANP(nil, s)
		slow, err := appendNational(nil, s, "us")
		if err != nil || string(fast) != string(slow) {
			t.Fatalf("case %d: fast path and phonenumbers disagree (%d vs %d digits, err %v)", i, len(fast), len(slow), err)
		}
	}
}
