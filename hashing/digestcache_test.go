package hashing

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// TestShortDigestTable checks every cached digest against crypto/sha256,
// and that inputs outside the table and HMAC hashers are not served from it.
func TestShortDigestTable(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var ins []string
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	for i := range len(alnum) {
		ins = append(ins, alnum[i:i+1])
		for j := range len(alnum) {
			ins = append(ins, alnum[i:i+1]+alnum[j:j+1])
		}
	}
	for y := 1890; y < 2110; y++ {
		ins = append(ins, strconv.Itoa(y))
	}
	ins = append(ins, "", "A", "é", "-1", "abc", "19x0", "12345", "0199")
	cached := 0
	for n, in := range ins {
		if shortIndex([]byte(in)) >= 0 {
			cached++
		}
		sum := sha256.Sum256([]byte(in))
		got := string(h.appendDigestHex([]byte("pre"), []byte(in)))
		if got != "pre"+hex.EncodeToString(sum[:]) {
			t.Fatalf("input %d (len %d): digest differs from crypto/sha256", n, len(in))
		}
	}
	if want := shortN + shortYears; cached != want {
		t.Fatalf("cached inputs = %d, want %d", cached, want)
	}

	hm, err := New(WithHMAC([]byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	sum := hm.digest([]byte("us"))
	if got, want := string(hm.appendDigestHex(nil, []byte("us"))), hex.EncodeToString(sum[:]); got != want {
		t.Fatal("HMAC digest of a short value differs from the keyed digest")
	}
	plain := sha256.Sum256([]byte("us"))
	if hex.EncodeToString(plain[:]) == hex.EncodeToString(sum[:]) {
		t.Fatal("HMAC digest equals the plain digest")
	}
}

// TestCountryPair checks the two-letter array against the country map for
// every pair of letters, and that other bytes are not found.
func TestCountryPair(t *testing.T) {
	idx := countryIndex()
	found := 0
	for a := byte('a'); a <= 'z'; a++ {
		for b := byte('a'); b <= 'z'; b++ {
			want, wok := idx[string([]byte{a, b})]
			got, ok := countryPair(a, b)
			if got != want || ok != wok {
				t.Fatalf("pair %c%c: array and map disagree", a, b)
			}
			if ok {
				found++
			}
		}
	}
	if found < 240 {
		t.Fatalf("only %d two-letter codes found", found)
	}
	for _, p := range []string{"A1", "U-", "1a", "ZZ", "\xff\xff"} {
		if _, ok := countryPair(p[0], p[1]); ok {
			t.Fatalf("pair %q found", p)
		}
	}
}

// TestHashRowMatchesHash checks, under both digest schemes, that every
// cell HashRow makes (including those served from the short-value table
// and the derived FI and DOB parts) equals what Hash gives for the same
// value, and that keyed is set exactly for HMAC digests.
func TestHashRowMatchesHash(t *testing.T) {
	for _, scheme := range []func(*Options){func(*Options) {}, WithHMAC([]byte("row-secret"))} {
		h, err := New(scheme)
		if err != nil {
			t.Fatal(err)
		}
		recs := syntheticRecords(300)
		for i := range recs {
			if i%3 == 0 { // explicit parts and a state code on some rows
				recs[i].Set(BirthYear, "1984")
				recs[i].Set(BirthMonth, "11")
				recs[i].Set(BirthDay, "5")
				recs[i].Set(State, "il")
			}
		}
		schema := []Key{Email, Phone, FirstName, LastName, FirstInitial, City, State, Zip, Country, BirthYear, BirthMonth, BirthDay, Gender, ExternID}
		for n := range recs {
			rec := &recs[n]
			cells, _ := h.HashRow(nil, schema, rec)
			for j, k := range schema {
				in := rec.Get(k)
				switch {
				case k == FirstInitial && in == "":
					in = rec.Get(FirstName)
				case (k == BirthYear || k == BirthMonth || k == BirthDay) && in == "":
					m, d, ok := strings.Cut(rec.Get(DOB), "-")
					if !ok {
						continue
					}
					mm, dd, _ := strings.Cut(d, "-")
					switch k {
					case BirthYear:
						in = m
					case BirthMonth:
						in = mm
					default:
						in = dd
					}
					if _, err := Hash(DOB, rec.Get(DOB)); err != nil {
						continue // an invalid date: parts are checked elsewhere
					}
				}
				want, _ := h.HashIn(k, in, rec.Get(Country))
				if k == FirstInitial && want != "" {
					want, _ = h.HashIn(k, in[:1], rec.Get(Country))
				}
				if cells[j].Value() != want {
					t.Fatalf("%s: row %d key %s: HashRow and Hash differ", h.Scheme(), n, k)
				}
				if wantKeyed := h.Scheme() == SchemeHMAC && k.Hashed() && want != ""; cells[j].Keyed() != wantKeyed {
					t.Fatalf("%s: row %d key %s: keyed = %v", h.Scheme(), n, k, cells[j].Keyed())
				}
			}
		}
	}
}
