package detect

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
)

// ScanCounts are what a full scan counted in one column over every row.
type ScanCounts struct {
	// Rows is the number of rows read; NonEmpty the non-empty cells.
	Rows     int64 `json:"rows"`
	NonEmpty int64 `json:"non_empty"`
	// Cards is the number of cells that are a payment card number, SSNs
	// those that are a US SSN written AAA-GG-SSSS; Embedded the longer
	// cells (free text) with a card number, an SSN or an email address
	// inside.
	Cards    int64 `json:"cards"`
	SSNs     int64 `json:"ssns"`
	Embedded int64 `json:"embedded"`
}

// Scan reads every row of a CSV file with a header row (comma-separated,
// RFC 4180 quoting) in one pass: the sample for the classifier is a
// uniform reservoir over all rows (after the first rows), and every cell is
// checked for the forbidden shapes (card numbers, SSNs, and those or an
// email inside free text), so that a card number in one row of a million
// is not missed. A column whose cells are mostly cards or SSNs becomes
// PaymentCard or NationalID; one where at least 3 cells (or 0.1 % of them)
// carry such PII inside text becomes FreeTextPII. Findings carry the
// counts in Finding.Scan.
//
// The scanner splits lines without a quote with bytes.IndexByte and only
// walks quoted lines byte by byte; rows outside the sample are never
// turned into strings.
func Scan(ctx context.Context, r io.Reader, optFns ...func(*Options)) (*Report, error) {
	o := resolve(optFns)
	if _, err := newEvaluator(o); err != nil {
		return nil, err
	}
	sc := &scanner{r: r, buf: make([]byte, 0, 1<<20), max: o.MaxRecordBytes}
	header, err := sc.row(ctx)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, inputError("csv header", err)
		}
		return nil, err
	}
	names := make([]string, len(header))
	for i, f := range header {
		names[i] = f.text()
	}
	if len(names) > 0 {
		names[0] = trimBOM(names[0])
	}
	counts := make([]ScanCounts, len(names))
	s := NewSampler(optFns...)
	vals := make([]string, len(names))
	for {
		fields, err := sc.row(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for i := range counts {
			counts[i].Rows++
		}
		for i, f := range fields {
			if i < len(counts) {
				f.check(&counts[i])
			}
		}
		slot, keep := s.want()
		if !keep {
			continue
		}
		for i := range vals {
			vals[i] = ""
			if i < len(fields) {
				vals[i] = fields[i].text()
			}
		}
		s.store(slot, names, vals)
	}
	rep, err := s.Report()
	if err != nil {
		return nil, err
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Index >= len(counts) {
			continue
		}
		c := counts[f.Index]
		f.Scan = &c
		switch {
		case c.NonEmpty > 0 && float64(c.Cards) >= 0.6*float64(c.NonEmpty) && f.Class != PaymentCard:
			f.promote(PaymentCard, "scan:cards="+strconv.FormatInt(c.Cards, 10))
		case c.NonEmpty > 0 && float64(c.SSNs) >= 0.6*float64(c.NonEmpty) && f.Class != NationalID:
			f.promote(NationalID, "scan:ssns="+strconv.FormatInt(c.SSNs, 10))
		case !f.Forbidden() && (c.Embedded >= 3 || c.Embedded > 0 && float64(c.Embedded) >= 0.001*float64(c.NonEmpty)):
			f.promote(FreeTextPII, "scan:embedded="+strconv.FormatInt(c.Embedded, 10))
		}
	}
	rep.Mapping = mappingOf(rep.Findings)
	return rep, nil
}

func (f *Finding) promote(c Class, evidence string) {
	f.Class = c
	f.Key = ""
	f.Confidence = 0.9
	f.Evidence = append(f.Evidence, evidence)
}

func trimBOM(s string) string {
	if len(s) >= 3 && s[:3] == "\ufeff" {
		return s[3:]
	}
	return s
}

// field is one cell as it sits in the scanner's buffer.
type field struct {
	b      []byte
	quoted bool
}

func (f field) text() string {
	if !f.quoted {
		return string(f.b)
	}
	return string(bytes.ReplaceAll(f.b, []byte(`""`), []byte(`"`)))
}

// check counts the forbidden shapes of one cell: a cheap pass over its
// bytes decides whether the costlier checks run at all.
func (f field) check(c *ScanCounts) {
	b := f.b
	if len(b) == 0 {
		return
	}
	c.NonEmpty++
	digits, at, words := 0, false, 0
	inWord := false
	for _, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '@':
			at = true
		}
		if sp := ch == ' ' || ch == '\t'; sp == inWord {
			inWord = !sp
			if inWord {
				words++
			}
		}
	}
	if digits < 9 && !at {
		return
	}
	if len(b) <= 23 {
		s := string(b)
		if digits >= 13 && isCard(s) {
			c.Cards++
			return
		}
		if digits == 9 && len(b) == 11 && usSSN(s) == ssnDashed {
			c.SSNs++
			return
		}
	}
	// Free text: three words or more (an address with spaces around it is
	// not text).
	if words >= 3 && len(b) > 23 && embeddedPII(b, at) {
		c.Embedded++
	}
}

// embeddedPII looks for a card number, a dashed SSN or an email address
// inside text, without libphonenumber (phones inside text are left to the
// sample's check).
func embeddedPII(b []byte, at bool) bool {
	i := 0
	for i < len(b) {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		j := i
		for j < len(b) && b[j] != ' ' {
			j++
		}
		tok := bytes.Trim(b[i:j], ".,;:!?()[]<>\"'")
		if at && bytes.IndexByte(tok, '@') > 0 && bytes.IndexByte(tok[bytes.IndexByte(tok, '@'):], '.') > 0 {
			return true
		}
		if len(tok) == 11 && usSSN(string(tok)) == ssnDashed {
			return true
		}
		if len(tok) > 0 && tok[0] >= '2' && tok[0] <= '6' {
			// A card number written in groups spans up to five tokens.
			end := j
			for k := 0; k < 5; k++ {
				run := bytes.TrimRight(b[i:end], ".,;:!?)")
				if d := countDigits(string(run)); d >= 13 && d <= 19 && isCard(string(run)) {
					return true
				}
				next := end + 1
				for next < len(b) && b[next] != ' ' {
					next++
				}
				if end >= len(b) || next == end+1 {
					break
				}
				end = next
			}
		}
		i = j
	}
	return false
}

// scanner splits CSV rows. Fields point into buf and are valid until the
// next call.
type scanner struct {
	r      io.Reader
	buf    []byte
	pos    int
	eof    bool
	max    int
	fields []field
}

var errRecordTooLong = errors.New("detect: record too long")

// line returns the bytes up to the next newline (without it), refilling
// the buffer as needed; quoted newlines are the caller's concern.
func (sc *scanner) fill() error {
	if sc.eof {
		return io.EOF
	}
	if sc.pos > 0 {
		n := copy(sc.buf[:cap(sc.buf)], sc.buf[sc.pos:])
		sc.buf = sc.buf[:n]
		sc.pos = 0
	}
	if len(sc.buf) == cap(sc.buf) {
		if cap(sc.buf) >= sc.max+(1<<20) {
			return errRecordTooLong
		}
		nb := make([]byte, len(sc.buf), 2*cap(sc.buf))
		copy(nb, sc.buf)
		sc.buf = nb
	}
	n, err := sc.r.Read(sc.buf[len(sc.buf):cap(sc.buf)])
	sc.buf = sc.buf[:len(sc.buf)+n]
	if err == io.EOF {
		sc.eof = true
		return nil
	}
	return err
}

func (sc *scanner) row(ctx context.Context) ([]field, error) {
	for {
		rest := sc.buf[sc.pos:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 && !sc.eof {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := sc.fill(); err != nil {
				return nil, err
			}
			continue
		}
		if nl < 0 {
			if len(rest) == 0 {
				return nil, io.EOF
			}
			nl = len(rest)
		}
		line := rest[:nl]
		if bytes.IndexByte(line, '"') < 0 {
			sc.pos += min(nl+1, len(rest))
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if len(line) == 0 {
				continue // blank line
			}
			sc.fields = sc.fields[:0]
			for {
				c := bytes.IndexByte(line, ',')
				if c < 0 {
					sc.fields = append(sc.fields, field{b: line})
					break
				}
				sc.fields = append(sc.fields, field{b: line[:c]})
				line = line[c+1:]
			}
			return sc.fields, nil
		}
		fields, used, ok := sc.quoted(rest)
		if !ok {
			if !sc.eof {
				if err := sc.fill(); err != nil {
					return nil, err
				}
				continue
			}
			// An unterminated quote at the end: the rest is one field.
			used = len(rest)
		}
		sc.pos += used
		return fields, nil
	}
}

// quoted splits one record that holds quotes, which may span lines. ok is
// false when the record does not end within b.
func (sc *scanner) quoted(b []byte) ([]field, int, bool) {
	sc.fields = sc.fields[:0]
	i := 0
	for {
		if i < len(b) && b[i] == '"' {
			// Quoted field: up to the closing quote not followed by another.
			j := i + 1
			for {
				q := bytes.IndexByte(b[j:], '"')
				if q < 0 {
					if sc.eof {
						sc.fields = append(sc.fields, field{b: b[i+1:], quoted: true})
						return sc.fields, len(b), true
					}
					return nil, 0, false
				}
				j += q
				if j+1 < len(b) && b[j+1] == '"' {
					j += 2
					continue
				}
				if j+1 == len(b) && !sc.eof {
					return nil, 0, false
				}
				break
			}
			sc.fields = append(sc.fields, field{b: b[i+1 : j], quoted: true})
			i = j + 1
			// Skip to the delimiter (LazyQuotes-like tolerance).
			for i < len(b) && b[i] != ',' && b[i] != '\n' {
				i++
			}
		} else {
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '\n' {
				j++
			}
			sc.fields = append(sc.fields, field{b: bytes.TrimSuffix(b[i:j], []byte{'\r'})})
			i = j
		}
		if i >= len(b) {
			if !sc.eof {
				return nil, 0, false
			}
			return sc.fields, len(b), true
		}
		if b[i] == '\n' {
			return sc.fields, i + 1, true
		}
		i++ // ','
	}
}
