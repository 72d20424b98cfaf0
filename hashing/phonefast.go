package hashing

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// nationalPlan is what appendNationalFast needs of one region's numbering
// plan, read once from libphonenumber's metadata.
type nationalPlan struct {
	ok      bool   // false: the region takes the full parse every time
	cc      int    // the region's country calling code
	ccText  string // cc in decimal
	idd     *regexp.Regexp
	ndd     []string       // the national prefixes for parsing, in the pattern's order
	natRule *regexp.Regexp // the general description's pattern, anchored
	lengths []int32        // possible lengths of the region's numbers
	local   []int32        // lengths possible only locally
	// main is the plan of the region that owns cc (the one libphonenumber
	// checks possibility against); the region itself when it is the main one.
	main *nationalPlan
}

var (
	planOnce sync.Once
	planMeta map[string]*phonenumbers.PhoneMetadata
	// plans caches each region's plan, indexed by its two letters; the
	// plans are immutable once stored.
	plans [26 * 26]atomic.Pointer[nationalPlan]
)

// planFor returns the plan of region (two upper-case ASCII letters),
// building it on first use.
func planFor(region [2]byte) *nationalPlan {
	if region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' || region[1] > 'Z' {
		return &nationalPlan{}
	}
	slot := &plans[int(region[0]-'A')*26+int(region[1]-'A')]
	if p := slot.Load(); p != nil {
		return p
	}
	slot.CompareAndSwap(nil, buildPlans(string(region[:])))
	return slot.Load()
}

// buildPlans builds the plan of region and of the region that owns its
// country code.
func buildPlans(region string) *nationalPlan {
	planOnce.Do(func() {
		planMeta = map[string]*phonenumbers.PhoneMetadata{}
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			return
		}
		for _, md := range coll.GetMetadata() {
			if id := md.GetId(); len(id) == 2 {
				planMeta[id] = md
			}
		}
	})
	p := buildPlan(region)
	if p.ok {
		mainRegion := phonenumbers.GetRegionCodeForCountryCode(p.cc)
		if mainRegion == region {
			p.main = p
		} else if m := buildPlan(mainRegion); m.ok {
			p.main = m
		} else {
			p.ok = false
		}
	}
	return p
}

func buildPlan(region string) (p *nationalPlan) {
	p = &nationalPlan{}
	defer func() {
		// A pattern Go's regexp cannot compile (none today) leaves the
		// region on the full parse.
		if recover() != nil {
			p = &nationalPlan{}
		}
	}()
	md := planMeta[region]
	if md == nil {
		return p
	}
	gd := md.GetGeneralDesc()
	if gd == nil || gd.GetNationalNumberPattern() == "" || len(gd.GetPossibleLength()) == 0 || gd.GetPossibleLength()[0] == -1 {
		return p
	}
	ndd := md.GetNationalPrefixForParsing()
	if md.GetNationalPrefixTransformRule() != "" || strings.Trim(ndd, "0123456789|") != "" {
		return p // a prefix that is a pattern, or rewrites digits
	}
	if ndd != "" {
		// An alternation of plain digit strings: Java's and Go's regexps
		// both take the first alternative that matches.
		p.ndd = strings.Split(ndd, "|")
		if slices.Contains(p.ndd, "") {
			return &nationalPlan{}
		}
	}
	idd := md.GetInternationalPrefix()
	if idd == "" {
		idd = "NonMatch"
	}
	p.cc = int(md.GetCountryCode())
	p.ccText = strconv.Itoa(p.cc)
	p.idd = regexp.MustCompile("^(?:" + idd + ")")
	p.natRule = regexp.MustCompile("^(?:" + gd.GetNationalNumberPattern() + ")$")
	p.lengths = gd.GetPossibleLength()
	p.local = gd.GetPossibleLengthLocalOnly()
	p.ok = p.cc != 0
	return p
}

// Results of numberLength, as libphonenumber's testNumberLength names them.
const (
	lenPossible = iota
	lenLocalOnly
	lenTooShort
	lenTooLong
	lenInvalid
)

// numberLength is libphonenumber's testNumberLength for the general
// description (number type UNKNOWN).
func (p *nationalPlan) numberLength(n int) int {
	l := int32(n)
	for _, x := range p.local {
		if x == l {
			return lenLocalOnly
		}
	}
	switch {
	case p.lengths[0] == l:
		return lenPossible
	case p.lengths[0] > l:
		return lenTooShort
	case p.lengths[len(p.lengths)-1] < l:
		return lenTooLong
	}
	for _, x := range p.lengths[1:] {
		if x == l {
			return lenPossible
		}
	}
	return lenInvalid
}

// appendNationalFast is appendNational without phonenumbers.Parse for the
// common shape of national input: ASCII digits with spaces, hyphens, dots,
// parentheses or slashes, in a region whose national prefix is plain digits
// (or a choice of them).
// It follows Parse's steps for such input (no international prefix, no
// country code written, the national prefix stripped when the general
// description says so, the possible-length checks) using one or two matches
// of the region's number pattern instead of Parse's dozen regular
// expressions. ok is false when the input is not of that shape or the result
// is not a possible number, and the caller then takes the full parse, so
// every result it gives is the one appendNational gives
// (TestNationalFastPathMatchesParse, FuzzNationalFastPath).
func appendNationalFast(dst []byte, s, cc string) (out []byte, ok bool) {
	var digits [17]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(digits) {
				return dst, false
			}
			digits[n] = c
			n++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return dst, false
		}
	}
	if n < 4 {
		return dst, false
	}
	var region [2]byte
	if len(cc) != 2 {
		return dst, false
	}
	region[0], region[1] = upperASCII(cc[0]), upperASCII(cc[1])
	p := planFor(region)
	if !p.ok {
		return dst, false
	}
	d := string(digits[:n]) // one allocation; regexp wants a string
	if p.idd.MatchString(d) || strings.HasPrefix(d, p.ccText) {
		return dst, false // Parse reads an international or country prefix
	}
	nsn := d
	if i := slices.IndexFunc(p.ndd, func(x string) bool { return strings.HasPrefix(d, x) }); i >= 0 {
		stripped := d[len(p.ndd[i]):]
		potential := stripped
		if !p.natRule.MatchString(stripped) && p.natRule.MatchString(d) {
			potential = d
		}
		switch p.numberLength(len(potential)) {
		case lenTooShort, lenLocalOnly, lenInvalid:
		default:
			nsn = potential
		}
	}
	if len(nsn) < 2 || nsn[0] == '0' {
		return dst, false // too short for Parse, or an Italian leading zero
	}
	if p.main.numberLength(len(nsn)) != lenPossible {
		return dst, false
	}
	dst = strconv.AppendInt(dst, int64(p.cc), 10)
	return append(dst, nsn...), true
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
