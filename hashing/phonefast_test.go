package hashing

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// fastAgrees reports whether appendNationalFast, where it answers, gives
// what appendNational gives for s in region cc. It returns whether the fast
// path answered.
func fastAgrees(t *testing.T, s, cc string) bool {
	t.Helper()
	fast, ok := appendNationalFast(nil, s, cc)
	if !ok {
		return false
	}
	slow, err := appendNational(nil, s, cc)
	if err != nil {
		// Never print the number: the region and its shape are enough.
		t.Errorf("region %s, input shape %q: fast path answered, full parse failed", cc, shapeOf(s))
		return true
	}
	if !bytes.Equal(fast, slow) {
		t.Errorf("region %s, input shape %q: fast path and full parse differ", cc, shapeOf(s))
	}
	return true
}

// shapeOf replaces every digit with 9, so a failure names the form of an
// input without its digits.
func shapeOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '9'
		}
		return r
	}, s)
}

// regions is every region libphonenumber knows, sorted.
func regions() []string {
	var rs []string
	for r := range phonenumbers.GetSupportedRegions() {
		rs = append(rs, strings.ToLower(r))
	}
	slices.Sort(rs)
	return rs
}

// TestNationalFastPathMatchesParse compares the fast path with the full parse
// on a generated corpus: for every region, its example numbers of every type
// in national format with several punctuations, and random digit strings of
// every length from 4 to 17 with and without the national prefix.
func TestNationalFastPathMatchesParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	perRegion := 60
	if testing.Short() {
		perRegion = 10
	}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.UAN, phonenumbers.PERSONAL_NUMBER}
	total, answered := 0, 0
	check := func(s, cc string) {
		total++
		if fastAgrees(t, s, cc) {
			answered++
		}
	}
	for _, cc := range regions() {
		region := strings.ToUpper(cc)
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		for _, typ := range types {
			num := phonenumbers.GetExampleNumberForType(region, typ)
			if num == nil {
				continue
			}
			national := phonenumbers.Format(num, phonenumbers.NATIONAL)
			check(national, cc)
			check(strings.ReplaceAll(national, " ", "-"), cc)
			check(strings.ReplaceAll(national, " ", "."), cc)
			nsn := phonenumbers.GetNationalSignificantNumber(num)
			check(nsn, cc)
			check(ndd+nsn, cc)
			check("("+ndd+nsn[:min(3, len(nsn))]+") "+nsn[min(3, len(nsn)):], cc)
			// Off-by-one lengths around the example.
			check(ndd+nsn+"1", cc)
			check(ndd+nsn[:len(nsn)-1], cc)
		}
		for range perRegion {
			l := 4 + rng.IntN(14)
			var b strings.Builder
			if rng.IntN(2) == 0 {
				b.WriteString(ndd)
			}
			for b.Len() < l {
				b.WriteByte(byte('0' + rng.IntN(10)))
				if rng.IntN(5) == 0 {
					b.WriteByte(" -./()"[rng.IntN(6)])
				}
			}
			check(b.String(), cc)
		}
	}
	t.Logf("%d inputs, the fast path answered %d", total, answered)
	if answered < total/3 {
		t.Errorf("the fast path answered only %d of %d inputs", answered, total)
	}
}

// TestNationalFastPathTakesTheCommonShapes pins that the shapes of the
// examples' files do not fall back.
func TestNationalFastPathTakesTheCommonShapes(t *testing.T) {
	for _, c := range []struct{ s, cc string }{
		{"020 7946 0958", "gb"}, {"07700 900123", "gb"}, {"(020) 7946-0958", "gb"},
		{"030 123456", "de"}, {"01 23 45 67 89", "fr"}, {"020 123 4567", "nl"}, {"0612345678", "nl"},
	} {
		if !fastAgrees(t, c.s, c.cc) {
			t.Errorf("region %s, shape %q: fast path did not answer", c.cc, shapeOf(c.s))
		}
	}
}

// FuzzNationalFastPath compares both paths on any input and region.
func FuzzNationalFastPath(f *testing.F) {
	f.Add("020 7946 0958", uint8(0))
	f.Add("07700 900123", uint8(1))
	f.Add("(0)30-1234 5678", uint8(2))
	rs := regions()
	f.Fuzz(func(t *testing.T, s string, r uint8) {
		fastAgrees(t, s, rs[int(r)%len(rs)])
	})
}
