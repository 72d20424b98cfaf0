package detect

import (
	"errors"
	"hash/maphash"
	"slices"
	"strconv"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
)

// Options configures detection. The zero value is the default.
type Options struct {
	// FirstRows is how many rows from the start of the input are sampled
	// (in file order, which is what tells sequential ids apart); 0 means
	// 200.
	FirstRows int
	// SampleRows is how many more rows are drawn, uniformly and
	// deterministically (Seed), from the rest of the input; 0 means 800.
	SampleRows int
	// Seed makes the sample reproducible; 0 means 1.
	Seed uint64
	// Country is the default region for national phone numbers (any form
	// hashing's COUNTRY accepts); "" tries common regions.
	Country string
	// Now gives "this year" for the birth-date checks (called once per
	// classification); nil means time.Now.
	Now func() time.Time
	// MaxRecordBytes bounds one sampled record of a file read by offset
	// (CSV); 0 means 1 MiB.
	MaxRecordBytes int
}

func resolve(optFns []func(*Options)) Options {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	if o.FirstRows <= 0 {
		o.FirstRows = 200
	}
	if o.SampleRows <= 0 {
		o.SampleRows = 800
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// WithCountry sets Options.Country.
func WithCountry(cc string) func(*Options) { return func(o *Options) { o.Country = cc } }

// WithSeed sets Options.Seed.
func WithSeed(seed uint64) func(*Options) { return func(o *Options) { o.Seed = seed } }

// Column is one column's name and sampled values. The first InOrder values
// are consecutive rows in file order; the rest may be in any order.
type Column struct {
	Name    string
	Values  []string
	InOrder int
}

// Counts are what a finding says about the sampled values: how many, how
// many matched the class, how many distinct. Never the values.
type Counts struct {
	// Sampled is the number of non-empty sampled values.
	Sampled int `json:"sampled"`
	// Empty is the number of empty sampled cells.
	Empty int `json:"empty"`
	// Matched is the number of values that support the class.
	Matched int `json:"matched"`
	// Distinct is the number of distinct values (case-insensitive), up to
	// 16384.
	Distinct int `json:"distinct"`
}

// Finding is the verdict on one column.
type Finding struct {
	// Column is the column's name; Index its position.
	Column string `json:"column"`
	Index  int    `json:"index"`
	// Class is what the column holds.
	Class Class `json:"class"`
	// Confidence is between 0 and 1.
	Confidence float64 `json:"confidence"`
	// Key is the hashing key to feed the column to, or "" (forbidden
	// classes, IP addresses, NotPII, an already-hashed column whose header
	// does not name its key).
	Key hashing.Key `json:"key,omitempty"`
	// Scheme, for Hashed, is the likely digest: "sha256" (64 hex, as
	// meta-sha256-v1, sha256-v1 and hmac-sha256-v1 all write it; the
	// digest alone cannot tell them apart, and hashing passes such values
	// through unless the Hasher is keyed), "sha256-upper" when the hex is
	// upper-case (hashing lowercases it), or "md5/sha1/sha512" for other
	// lengths, which hashing does not accept (no Key then).
	Scheme string `json:"scheme,omitempty"`
	// Header is the class the column's name suggested, or "".
	Header Class `json:"header,omitempty"`
	// Counts over the sampled values.
	Counts Counts `json:"counts"`
	// Evidence names the rules that decided, such as "values:email=0.98",
	// "header:phone" or "decoy:sequential". It never holds a value.
	Evidence []string `json:"evidence,omitempty"`
	// Scan holds the counts over every row when the file was read by Scan.
	Scan *ScanCounts `json:"scan,omitempty"`
}

// Forbidden reports whether the column holds a forbidden class.
func (f Finding) Forbidden() bool { return f.Class.Forbidden() }

// Report is the result of classifying a file.
type Report struct {
	// Findings has one entry per column, in column order.
	Findings []Finding `json:"findings"`
	// Rows is the number of rows sampled (sampling) or read (full scan).
	Rows int64 `json:"rows"`
	// Mapping is the suggested column → key mapping for hashing.
	Mapping Mapping `json:"mapping"`
}

// Forbidden returns the findings of forbidden classes.
func (r *Report) Forbidden() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Forbidden() {
			out = append(out, f)
		}
	}
	return out
}

// Classify classifies columns from their sampled values. It is pure: no
// I/O, no goroutines. An error means bad options.
func Classify(cols []Column, optFns ...func(*Options)) (*Report, error) {
	o := resolve(optFns)
	e, err := newEvaluator(o)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	for i, c := range cols {
		col := &column{name: c.Name, hint: headerHint(c.Name)}
		for j, v := range c.Values {
			e.add(col, v, j < c.InOrder)
		}
		f := decide(col)
		f.Index = i
		rep.Findings = append(rep.Findings, f)
		if len(c.Values) > int(rep.Rows) {
			rep.Rows = int64(len(c.Values))
		}
	}
	rep.Mapping = mappingOf(rep.Findings)
	return rep, nil
}

func newEvaluator(o Options) (*evaluator, error) {
	base := func(d hashing.DateOrder) (*hashing.Hasher, error) {
		return hashing.New(func(ho *hashing.Options) {
			ho.DateOrder = d
			ho.RejectPreHashed = true
			ho.Now = o.Now
		})
	}
	month, err := base(hashing.MonthFirst)
	if err != nil {
		return nil, err
	}
	day, err := base(hashing.DayFirst)
	if err != nil {
		return nil, err
	}
	regions := phoneRegions
	if o.Country != "" {
		cc, err := hashing.Normalize(hashing.Country, o.Country)
		if err != nil {
			return nil, &OptionError{Field: "Country", Err: errors.Join(ErrOptions, err)}
		}
		regions = append([]string{upper(cc)}, phoneRegions...)
	}
	return &evaluator{month: month, day: day, regions: regions, seed: maphash.MakeSeed(), thisYear: o.Now().Year()}, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func share(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

func ev(name string, x float64) string {
	return name + "=" + strconv.FormatFloat(x, 'f', 2, 64)
}

// decide turns a column's evidence into a finding. Values come first: a
// class whose values have a shape of their own wins whatever the header
// says; a header hint is taken when the values are compatible with it;
// otherwise weaker value evidence (dictionaries, code lists, distributions)
// decides, and what is left is NotPII.
func decide(c *column) Finding {
	f := Finding{Column: c.name, Header: c.hint.class}
	f.Counts = Counts{Sampled: c.n, Empty: c.empty, Distinct: len(c.distinct)}
	n := c.n
	sh := func(ft feature) float64 { return share(c.cnt[ft], n) }
	set := func(cl Class, matched int, conf float64, evidence ...string) Finding {
		f.Class = cl
		f.Counts.Matched = matched
		if c.hint.class != "" {
			if c.hint.class == cl {
				conf += 0.1
				evidence = append(evidence, "header:"+string(cl))
			} else {
				conf -= 0.05
				evidence = append(evidence, "header-disagrees:"+string(c.hint.class))
			}
		}
		f.Confidence = clamp(conf)
		f.Evidence = evidence
		if k, ok := cl.Key(); ok {
			f.Key = k
		}
		return f
	}
	if n == 0 {
		if c.hint.class != "" && c.hint.class != NotPII {
			return set(c.hint.class, 0, 0.2, "no-values")
		}
		return set(NotPII, 0, 0.5, "no-values")
	}
	distinctRatio := share(len(c.distinct), n)
	idLike := c.idLike()
	phone := c.phoneShare()
	intl := share(c.intlValid, c.intlTried) * share(c.intlCand, n)
	national := share(c.phoneValid, c.phoneTried) * share(c.phoneCand, n)
	hint := c.hint.class

	// 1. Values with a shape of their own.
	switch {
	case sh(fHex64)+sh(fHexOther) >= 0.8:
		f := set(Hashed, c.cnt[fHex64]+c.cnt[fHexOther], 0.6+0.35*(sh(fHex64)+sh(fHexOther)), ev("values:hex", sh(fHex64)+sh(fHexOther)))
		f.Scheme = c.scheme()
		// The header names what was hashed: hashed_email (a Hashed hint
		// with a key) or phone_hash (the key word is the longer match).
		named := c.hint.key
		if _, ok := c.hint.class.Key(); ok {
			named = c.hint.class
		}
		if hk, ok := named.Key(); ok {
			f.Key = hk
			f.Evidence = append(f.Evidence, "header-key:"+string(named))
		}
		if c.emptyDigest > 0 {
			f.Evidence = append(f.Evidence, "digest-of-empty")
		}
		if f.Scheme != "sha256" && f.Scheme != "sha256-upper" {
			f.Key = "" // hashing passes only 64-hex digests through (lowercased)
		}
		return f
	case sh(fEmail) >= 0.6:
		return set(Email, c.cnt[fEmail], 0.5+0.45*sh(fEmail), ev("values:email", sh(fEmail)))
	case sh(fCard) >= 0.6:
		return set(PaymentCard, c.cnt[fCard], 0.5+0.45*sh(fCard), ev("values:luhn", sh(fCard)))
	case sh(fSSN) >= 0.6:
		return set(NationalID, c.cnt[fSSN], 0.5+0.45*sh(fSSN), ev("values:us-ssn", sh(fSSN)))
	case sh(fEUID) >= 0.6:
		return set(NationalID, c.cnt[fEUID], 0.5+0.45*sh(fEUID), ev("values:eu-national-id", sh(fEUID)))
	case sh(fIP) >= 0.8:
		return set(IPAddress, c.cnt[fIP], 0.5+0.45*sh(fIP), ev("values:ip", sh(fIP)))
	case sh(fUUID) >= 0.8:
		switch hint {
		case ExternalID, NotPII:
			return set(hint, c.cnt[fUUID], 0.5+0.4*sh(fUUID), ev("values:uuid", sh(fUUID)))
		}
		return set(MobileAdID, c.cnt[fUUID], 0.45+0.4*sh(fUUID), ev("values:uuid", sh(fUUID)))
	case intl >= 0.6 || phone >= 0.6 && sh(fPhoneFmt) >= 0.3 && !idLike:
		return set(Phone, int(phone*float64(n)+0.5), 0.5+0.45*phone, ev("values:phone", phone))
	case sh(fText) >= 0.5 && sh(fTextPII) >= 0.05:
		return set(FreeTextPII, c.cnt[fTextPII], 0.5+0.45*min(1, 4*sh(fTextPII)), ev("values:text-with-pii", sh(fTextPII)))
	case sh(fDate) >= 0.8:
		if sh(fBirthDate) >= 0.8 && c.maxYear-c.minYear >= 8 && hint != NotPII {
			return set(DOB, c.cnt[fBirthDate], 0.5+0.4*sh(fBirthDate), ev("values:birth-date", sh(fBirthDate)))
		}
		if hint == DOB && sh(fBirthDate) >= 0.6 {
			return set(DOB, c.cnt[fBirthDate], 0.5+0.4*sh(fBirthDate), ev("values:birth-date", sh(fBirthDate)))
		}
		return set(NotPII, c.cnt[fDate], 0.6, ev("values:date", sh(fDate)), "decoy:not-birth-dates")
	}

	// 2. The header, when the values agree with it.
	if hint != "" {
		if m, ok := c.compatible(hint, phone, national, distinctRatio, idLike); ok {
			return set(hint, m, 0.45+0.4*share(m, n), ev("values:compatible", share(m, n)))
		}
	}

	// 3. Weaker value evidence.
	genders := c.genders[0] + c.genders[1]
	switch {
	case sh(fGender) >= 0.85 && len(c.distinct) <= 8 && c.genders[0] > 0 && c.genders[1] > 0:
		return set(Gender, genders, 0.4+0.45*sh(fGender), ev("values:gender", sh(fGender)))
	case sh(fStateUS) >= 0.8 && c.stateOnly > c.countryOnly:
		return set(State, c.cnt[fStateUS], 0.4+0.4*sh(fStateUS), ev("values:us-state", sh(fStateUS)))
	case sh(fCountry) >= 0.8:
		return set(Country, c.cnt[fCountry], 0.4+0.4*sh(fCountry), ev("values:country", sh(fCountry)))
	case sh(fStateUS) >= 0.8:
		return set(State, c.cnt[fStateUS], 0.35+0.4*sh(fStateUS), ev("values:us-state", sh(fStateUS)))
	case sh(fBirthYear) >= 0.9 && c.yearRange() >= 15 && !c.ascending(): // years are packed by nature
		return set(BirthYear, c.cnt[fBirthYear], 0.35+0.4*sh(fBirthYear), ev("values:birth-year", sh(fBirthYear)))
	case sh(fZipUS) >= 0.8 && !idLike && c.zipSpread():
		return set(Zip, c.cnt[fZipUS], 0.35+0.4*sh(fZipUS), ev("values:us-zip", sh(fZipUS)))
	case sh(fPostcode) >= 0.8 && sh(fNumeric) < 0.5 && !idLike:
		return set(Zip, c.cnt[fPostcode], 0.35+0.4*sh(fPostcode), ev("values:postcode", sh(fPostcode)))
	case national >= 0.8 && !idLike && c.numSpread():
		return set(Phone, c.phoneValid, 0.35+0.4*national, ev("values:phone", national))
	case sh(fInitial) >= 0.9 && len(c.distinct) >= 5:
		return set(FirstInitial, c.cnt[fInitial], 0.4+0.4*sh(fInitial), ev("values:initial", sh(fInitial)))
	case sh(fWord) >= 0.7:
		fn, ln, ct := sh(fFirstDict), sh(fLastDict), sh(fCityDict)
		best := max(fn, ln, ct)
		if best >= 0.2 && distinctRatio >= 0.1 {
			switch best {
			case fn:
				return set(FirstName, c.cnt[fFirstDict], 0.3+0.5*best, ev("dictionary:first-names", fn))
			case ln:
				return set(LastName, c.cnt[fLastDict], 0.3+0.5*best, ev("dictionary:last-names", ln))
			default:
				return set(City, c.cnt[fCityDict], 0.3+0.5*best, ev("dictionary:cities", ct))
			}
		}
	}
	evidence := []string{"no-pii-evidence"}
	if idLike {
		evidence = append(evidence, "decoy:sequential")
	}
	if c.hint.class != "" && c.hint.class != NotPII {
		evidence = append(evidence, "header-unsupported:"+string(c.hint.class))
	}
	f.Class = NotPII
	f.Counts.Matched = n
	f.Confidence = 0.6
	f.Evidence = evidence
	return f
}

// compatible reports whether the values support the class the header
// names, and how many do. The bar is a majority of the non-empty values
// passing the class's validator (for hashing's keys, its normalizer).
func (c *column) compatible(h Class, phone, national, distinctRatio float64, idLike bool) (int, bool) {
	n := c.n
	k := func(fs ...feature) int {
		m := 0
		for _, f := range fs {
			m = max(m, c.cnt[f])
		}
		return m
	}
	var m int
	switch h {
	case Email:
		m = k(fEmail)
	case Phone:
		if !idLike { // ascending or packed numbers are order ids, whatever the header says
			m = int(phone*float64(n) + 0.5)
		}
	case FirstName, LastName, City:
		m = k(fWord)
	case FirstInitial:
		m = k(fInitial)
	case State:
		m = max(k(fStateUS), k(fWord))
	case Zip:
		m = max(k(fZipUS), k(fPostcode), c.numericPostcodes())
	case Country:
		m = k(fCountry)
	case DOB:
		m = k(fDate)
	case BirthYear:
		m = k(fYear)
	case BirthMonth:
		m = k(fMonth)
	case BirthDay:
		m = k(fDay)
	case Gender:
		m = k(fGender)
	case MobileAdID:
		m = k(fUUID)
	case ExternalID:
		if distinctRatio >= 0.8 {
			m = n
		}
	case IPAddress:
		m = k(fIP)
	case PaymentCard:
		m = k(fCard)
	case NationalID:
		m = k(fSSN, fSSNBare, fEUID, fBSN)
	case FreeTextPII:
		// Free text without PII in it is not forbidden.
		if share(c.cnt[fTextPII], n) >= 0.02 {
			m = k(fText)
		}
	case Hashed:
		m = k(fHex64, fHexOther)
	case NotPII:
		m = n
	}
	return m, share(m, n) >= 0.5 && m > 0
}

func (c *column) phoneShare() float64 {
	intl := share(c.intlValid, c.intlTried) * float64(c.intlCand)
	nat := share(c.phoneValid, c.phoneTried) * float64(c.phoneCand)
	return share(int(intl+nat+0.5), c.n)
}

// idLike reports numeric values that look like generated identifiers
// rather than phones or codes: ascending in file order, or packed in a
// narrow range.
func (c *column) idLike() bool {
	if c.ascending() {
		return true
	}
	if c.numSeen >= 20 && share(c.numSeen, c.n) >= 0.8 {
		span := c.maxNum - c.minNum
		if span < uint64(c.numSeen)*50 {
			return true
		}
	}
	return false
}

// ascending: numbers that grow row after row in file order.
func (c *column) ascending() bool {
	return c.pairs >= 10 && share(c.ordered, c.pairs) >= 0.9
}

// numSpread: phone numbers spread over a wide range of values.
func (c *column) numSpread() bool {
	if c.numSeen < 2 {
		return true
	}
	return c.maxNum-c.minNum > uint64(c.numSeen)*1000
}

// zipSpread: US ZIPs of real people start with many different digits;
// product codes of five digits rarely do.
func (c *column) zipSpread() bool {
	if c.numSeen < 20 {
		return true
	}
	return c.maxNum-c.minNum >= 30000
}

func (c *column) numericPostcodes() int {
	if c.numSeen == 0 {
		return 0
	}
	if c.maxNum <= 99999 && c.minNum >= 100 {
		return c.numSeen
	}
	return 0
}

func (c *column) yearRange() uint64 { return c.maxNum - c.minNum }

func (c *column) scheme() string {
	switch {
	case c.cnt[fHex64] >= c.cnt[fHexOther] && c.hex64Upper*2 > c.cnt[fHex64]:
		return "sha256-upper"
	case c.cnt[fHex64] >= c.cnt[fHexOther]:
		return "sha256"
	}
	return "md5/sha1/sha512"
}

func clamp(x float64) float64 {
	x = float64(int(x*100+0.5)) / 100
	return min(max(x, 0.01), 0.99)
}

// Mapping is a suggested assignment of columns to hashing keys, one column
// per key.
type Mapping []MappedColumn

// MappedColumn is one column of a Mapping.
type MappedColumn struct {
	Column string      `json:"column"`
	Index  int         `json:"index"`
	Key    hashing.Key `json:"key"`
}

// Schema returns the keys in column order: the schema for
// hashing.Hasher.HashRow.
func (m Mapping) Schema() []hashing.Key {
	out := make([]hashing.Key, len(m))
	for i, c := range m {
		out[i] = c.Key
	}
	return out
}

// Record fills rec from one row's values (aligned with the file's
// columns), for hashing.Hasher.HashRow. Columns beyond the row are left
// missing.
func (m Mapping) Record(rec *hashing.Record, values []string) {
	for _, c := range m {
		if c.Index < len(values) {
			rec.Set(c.Key, values[c.Index])
		}
	}
}

// Columns returns the mapping as key → column name.
func (m Mapping) Columns() map[hashing.Key]string {
	out := make(map[hashing.Key]string, len(m))
	for _, c := range m {
		out[c.Key] = c.Column
	}
	return out
}

// mappingOf picks, for every key, the most confident column that feeds it.
func mappingOf(fs []Finding) Mapping {
	best := map[hashing.Key]int{}
	for i, f := range fs {
		if f.Key == "" || f.Forbidden() {
			continue
		}
		if j, ok := best[f.Key]; !ok || f.Confidence > fs[j].Confidence {
			best[f.Key] = i
		}
	}
	var m Mapping
	for k, i := range best {
		m = append(m, MappedColumn{Column: fs[i].Column, Index: fs[i].Index, Key: k})
	}
	slices.SortFunc(m, func(a, b MappedColumn) int { return a.Index - b.Index })
	return m
}
