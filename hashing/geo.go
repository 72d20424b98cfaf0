package hashing

import (
	"sync"
)

// countryIndex maps the letters-only folded form (the CT rule) of every
// alpha-2, alpha-3 and English name to the alpha-2 code. It is built on
// first use.
var countryIndex = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(countries)*4)
	add := func(name, cc string) {
		key, r := appendCity(nil, fold(trim(name)))
		if r == "" {
			m[string(key)] = cc
		}
	}
	for _, c := range countries {
		m[c.alpha2] = c.alpha2
		m[c.alpha3] = c.alpha2
		for _, n := range c.names {
			add(n, c.alpha2)
		}
	}
	m["uk"] = "gb"
	return m
})

// countryPairs is countryIndex restricted to its two-letter keys, as an
// array indexed by the letters: a lookup without hashing a map key.
var countryPairs = sync.OnceValue(func() *[26 * 26]string {
	t := new([26 * 26]string)
	for k, cc := range countryIndex() {
		if len(k) == 2 && k[0] >= 'a' && k[0] <= 'z' && k[1] >= 'a' && k[1] <= 'z' {
			t[int(k[0]-'a')*26+int(k[1]-'a')] = cc
		}
	}
	return t
})

// countryPair is countryIndex()[string([]byte{a, b})] for lowercase ASCII
// letters a and b; ok is false for anything else.
func countryPair(a, b byte) (string, bool) {
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return "", false
	}
	cc := countryPairs()[int(a-'a')*26+int(b-'a')]
	return cc, cc != ""
}

// lookupCountry resolves a country written as ISO 3166-1 alpha-2, alpha-3
// or English name (case, accents, spaces and punctuation ignored; a leading
// or trailing "the", as in ISO's "Niger (the)", is optional) to its
// lowercase alpha-2 code.
func lookupCountry(s string) (string, bool) {
	p, r := prepare(s)
	if r != "" || p.s == "" {
		return "", false
	}
	// ASCII two-letter codes, the common case, without building a key.
	if len(p.s) == 2 {
		if cc, ok := countryPair(lower(p.s[0]), lower(p.s[1])); ok && len(cc) == 2 {
			return cc, true
		}
	}
	var buf [64]byte
	key, r := appendCity(buf[:0], p.s)
	if r != "" {
		return "", false
	}
	idx := countryIndex()
	if cc, ok := idx[string(key)]; ok {
		return cc, true
	}
	// ISO short names put the article last, as "Niger (the)"; people put it
	// first.
	if len(key) > 3 && string(key[:3]) == "the" {
		if cc, ok := idx[string(key[3:])]; ok {
			return cc, true
		}
	}
	if n := len(key); n > 3 && string(key[n-3:]) == "the" {
		if cc, ok := idx[string(key[:n-3])]; ok {
			return cc, true
		}
	}
	return "", false
}

// usStates maps USPS codes and the letters-only names of the states, DC,
// the territories and the armed-forces codes to the code.
var usStates = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, s := range [...][2]string{
		{"al", "Alabama"}, {"ak", "Alaska"}, {"az", "Arizona"}, {"ar", "Arkansas"},
		{"ca", "California"}, {"co", "Colorado"}, {"ct", "Connecticut"}, {"de", "Delaware"},
		{"fl", "Florida"}, {"ga", "Georgia"}, {"hi", "Hawaii"}, {"id", "Idaho"},
		{"il", "Illinois"}, {"in", "Indiana"}, {"ia", "Iowa"}, {"ks", "Kansas"},
		{"ky", "Kentucky"}, {"la", "Louisiana"}, {"me", "Maine"}, {"md", "Maryland"},
		{"ma", "Massachusetts"}, {"mi", "Michigan"}, {"mn", "Minnesota"}, {"ms", "Mississippi"},
		{"mo", "Missouri"}, {"mt", "Montana"}, {"ne", "Nebraska"}, {"nv", "Nevada"},
		{"nh", "New Hampshire"}, {"nj", "New Jersey"}, {"nm", "New Mexico"}, {"ny", "New York"},
		{"nc", "North Carolina"}, {"nd", "North Dakota"}, {"oh", "Ohio"}, {"ok", "Oklahoma"},
		{"or", "Oregon"}, {"pa", "Pennsylvania"}, {"ri", "Rhode Island"}, {"sc", "South Carolina"},
		{"sd", "South Dakota"}, {"tn", "Tennessee"}, {"tx", "Texas"}, {"ut", "Utah"},
		{"vt", "Vermont"}, {"va", "Virginia"}, {"wa", "Washington"}, {"wv", "West Virginia"},
		{"wi", "Wisconsin"}, {"wy", "Wyoming"},
		{"dc", "District of Columbia"}, {"dc", "Washington DC"}, {"dc", "Washington D.C."},
		{"pr", "Puerto Rico"}, {"gu", "Guam"}, {"vi", "U.S. Virgin Islands"},
		{"vi", "Virgin Islands"}, {"vi", "United States Virgin Islands"},
		{"as", "American Samoa"}, {"mp", "Northern Mariana Islands"},
		{"aa", "Armed Forces Americas"}, {"ae", "Armed Forces Europe"}, {"ap", "Armed Forces Pacific"},
	} {
		m[s[0]] = s[0]
		key, _ := appendCity(nil, s[1])
		m[string(key)] = s[0]
	}
	return m
})

// usState resolves a CT-normalized value to a USPS code.
func usState(letters []byte) (string, bool) {
	code, ok := usStates()[string(letters)]
	return code, ok
}
