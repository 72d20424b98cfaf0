// Package records streams raw CSV and JSON Lines files into records, with
// bounded memory, sending every malformed line to the quarantine zone with
// its file, line number and reason — never its values.
//
// A [Record] is a row of named string values, the form normalization and
// hashing take next. CSV files have a header row (or Options.Header);
// JSON Lines files have one object per line, whose scalar values become
// strings (numbers keep their literal text, null means absent, nested
// objects and arrays become compact JSON). A UTF-8 byte order mark at the
// start of a file is skipped.
//
// # Errors
//
// Malformed lines are not errors: they go to the *zones.RejectWriter given
// to [CSV] or [JSONLines] and iteration continues. The iterators yield an
// error (and stop) only for problems that make the rest of the file
// unreadable: a read error, a missing or invalid header
// (zones.ErrInvalidInput), a CSV record longer than Options.MaxRecordBytes
// (encoding/csv cannot resynchronise after it), more rejections than
// Options.MaxRejects, a malformed line with no RejectWriter, or ctx ending.
// Error messages carry line numbers and column names, never values.
//
// # Concurrency
//
// An iterator reads its reader from one goroutine; run several files in
// parallel with one iterator each (a RejectWriter may be shared).
//
// # Testing
//
// Use zonestest.New(t) for the Store behind the RejectWriter and read the
// rejections back with Store.Rejections.
package records

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/zones"
)

// Record is one row. Values are positionally aligned with Names.
type Record struct {
	// File is the input the record came from.
	File string
	// Line is the 1-based line where the record starts.
	Line   int64
	names  []string
	index  map[string]int
	values []string
}

// RowNumber is the record's line, for the errors of code that numbers rows
// (hashing.RowsFrom).
func (r Record) RowNumber() int { return int(r.Line) }

// Names returns the column names. The slice is shared between records of
// one CSV file; do not modify it.
func (r Record) Names() []string { return r.names }

// Values returns the values, aligned with Names.
func (r Record) Values() []string { return r.values }

// Get returns the value of column name and whether the record has it.
func (r Record) Get(name string) (string, bool) {
	if r.index != nil {
		i, ok := r.index[name]
		if !ok || i >= len(r.values) {
			return "", false
		}
		return r.values[i], true
	}
	for i, n := range r.names {
		if n == name {
			return r.values[i], true
		}
	}
	return "", false
}

// Defaults.
const (
	// DefaultMaxRecordBytes bounds one record (one line of JSON Lines, one
	// possibly multi-line CSV record).
	DefaultMaxRecordBytes = 1 << 20
)

// Rejection reasons.
const (
	ReasonFieldCount   = "field_count"
	ReasonBadQuote     = "bad_quote"
	ReasonInvalidUTF8  = "invalid_utf8"
	ReasonInvalidJSON  = "invalid_json"
	ReasonNotAnObject  = "not_an_object"
	ReasonLineTooLong  = "line_too_long"
	ReasonDuplicateKey = "duplicate_key"
	ReasonMalformedCSV = "malformed_csv"
)

// Options configures a reader. The zero value reads comma-separated CSV
// with a header row.
type Options struct {
	// Comma is the CSV field delimiter; 0 means ','.
	Comma rune
	// Comment starts CSV comment lines; 0 means none.
	Comment rune
	// LazyQuotes accepts quotes in unquoted CSV fields.
	LazyQuotes bool
	// TrimLeadingSpace ignores leading white space in CSV fields.
	TrimLeadingSpace bool
	// Header, when set, names the CSV columns and means the file has no
	// header row.
	Header []string
	// MaxRecordBytes bounds one record; zero means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxRejects stops the iterator with an error after this many
	// rejected lines; zero means no limit.
	MaxRejects int64
}

func resolve(optFns []func(*Options)) Options {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Comma == 0 {
		o.Comma = ','
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// rejecter sends rejections to q and enforces MaxRejects.
type rejecter struct {
	file string
	q    *zones.RejectWriter
	max  int64
	n    int64
}

func (rj *rejecter) reject(line int64, column, reason string) error {
	return rj.rejectLines(line, 0, column, reason)
}

// rejectLines rejects a record that ran from line to end (0: one line).
func (rj *rejecter) rejectLines(line, end int64, column, reason string) error {
	if end <= line {
		end = 0
	}
	if rj.q == nil {
		return zones.NewError("read", rj.file, zones.ErrInvalidInput, fmt.Errorf("line %d: %s (no reject writer)", line, reason))
	}
	if err := rj.q.Add(zones.Rejection{File: rj.file, Line: line, EndLine: end, Column: column, Reason: reason}); err != nil {
		return err
	}
	rj.n++
	if rj.max > 0 && rj.n > rj.max {
		return zones.NewError("read", rj.file, zones.ErrInvalidInput, fmt.Errorf("more than %d rejected lines", rj.max))
	}
	return nil
}

// bom is the UTF-8 byte order mark some tools (Excel's "CSV UTF-8",
// Salesforce exports) write at the start of a file. It is not data.
const bom = "\ufeff"

// skipBOM drops a byte order mark at the very start of r. A mark anywhere
// else is data and kept.
func skipBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		br.Discard(len(bom))
	}
	return br
}

// errTooLong is returned by limitReader.
var errTooLong = errors.New("record too long")

// limitReader fails once more than max bytes were read since mark.
type limitReader struct {
	r    io.Reader
	read int64
	mark int64
	max  int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.read-l.mark > l.max {
		return 0, errTooLong
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// CSV streams the records of a CSV file. file names the input in records
// and rejections (use its raw-zone key). Malformed records — wrong field
// count, bad quoting, invalid UTF-8 — go to q with their line number and
// reason, and iteration continues. A quote that is never closed makes the
// rest of the file one field: that rejection's EndLine says how far it
// reached (past MaxRecordBytes it is an error instead).
func CSV(ctx context.Context, r io.Reader, file string, q *zones.RejectWriter, optFns ...func(*Options)) iter.Seq2[Record, error] {
	o := resolve(optFns)
	return func(yield func(Record, error) bool) {
		fatal := func(err error) { yield(Record{}, err) }
		lr := &limitReader{r: skipBOM(zones.CtxReader(ctx, r)), max: int64(o.MaxRecordBytes)}
		cr := csv.NewReader(lr)
		cr.Comma, cr.Comment, cr.LazyQuotes, cr.TrimLeadingSpace = o.Comma, o.Comment, o.LazyQuotes, o.TrimLeadingSpace
		cr.FieldsPerRecord = -1
		rj := &rejecter{file: file, q: q, max: o.MaxRejects}
		lastLine := 1
		readErr := func(err error) error {
			if cerr := ctx.Err(); cerr != nil {
				return zones.NewError("read", file, nil, cerr)
			}
			if errors.Is(err, errTooLong) {
				return zones.NewError("read", file, zones.ErrInvalidInput, fmt.Errorf("record after line %d longer than %d bytes", lastLine, o.MaxRecordBytes))
			}
			return zones.NewError("read", file, nil, err)
		}

		names := o.Header
		if names == nil {
			h, err := cr.Read()
			if err == io.EOF {
				fatal(zones.NewError("read", file, zones.ErrInvalidInput, errors.New("empty file: no header row")))
				return
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					err = fmt.Errorf("line %d: malformed header", pe.StartLine)
					fatal(zones.NewError("read", file, zones.ErrInvalidInput, err))
					return
				}
				fatal(readErr(err))
				return
			}
			names = h
		}
		index := make(map[string]int, len(names))
		for i, n := range names {
			if n == "" || !utf8.ValidString(n) {
				fatal(zones.NewError("read", file, zones.ErrInvalidInput, fmt.Errorf("header column %d is empty or not UTF-8", i+1)))
				return
			}
			if j, dup := index[n]; dup {
				// Positions only: without a header row the "names" are
				// the first record's values.
				fatal(zones.NewError("read", file, zones.ErrInvalidInput, fmt.Errorf("header columns %d and %d have the same name", j+1, i+1)))
				return
			}
			index[n] = i
		}
		for {
			lr.mark = cr.InputOffset()
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var pe *csv.ParseError
				if !errors.As(err, &pe) || errors.Is(err, errTooLong) {
					fatal(readErr(err))
					return
				}
				reason := ReasonMalformedCSV
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					reason = ReasonBadQuote
				}
				if err := rj.rejectLines(int64(pe.StartLine), int64(pe.Line), "", reason); err != nil {
					fatal(err)
					return
				}
				continue
			}
			line, _ := cr.FieldPos(0)
			lastLine = line
			if len(rec) != len(names) {
				if err := rj.reject(int64(line), "", ReasonFieldCount); err != nil {
					fatal(err)
					return
				}
				continue
			}
			bad := -1
			for i, v := range rec {
				if !utf8.ValidString(v) {
					bad = i
					break
				}
			}
			if bad >= 0 {
				if err := rj.reject(int64(line), names[bad], ReasonInvalidUTF8); err != nil {
					fatal(err)
					return
				}
				continue
			}
			if !yield(Record{File: file, Line: int64(line), names: names, index: index, values: rec}, nil) {
				return
			}
		}
	}
}

// JSONLines streams the records of a JSON Lines file: one JSON object per
// line, blank lines skipped. Lines that are not a JSON object, are not
// UTF-8, repeat a key or exceed Options.MaxRecordBytes go to q.
func JSONLines(ctx context.Context, r io.Reader, file string, q *zones.RejectWriter, optFns ...func(*Options)) iter.Seq2[Record, error] {
	o := resolve(optFns)
	return func(yield func(Record, error) bool) {
		br := skipBOM(zones.CtxReader(ctx, r))
		rj := &rejecter{file: file, q: q, max: o.MaxRejects}
		var line int64
		var buf []byte
		hint := 8
		for {
			buf = buf[:0]
			tooLong := false
			var err error
			for {
				var chunk []byte
				chunk, err = br.ReadSlice('\n')
				if !tooLong {
					if len(buf)+len(chunk) > o.MaxRecordBytes {
						tooLong = true
						buf = buf[:0]
					} else {
						buf = append(buf, chunk...)
					}
				}
				if err != bufio.ErrBufferFull {
					break
				}
			}
			if err != nil && err != io.EOF {
				if cerr := ctx.Err(); cerr != nil {
					err = cerr
				}
				yield(Record{}, zones.NewError("read", file, nil, err))
				return
			}
			eof := err == io.EOF
			if eof && len(buf) == 0 && !tooLong {
				return
			}
			line++
			if tooLong {
				if rerr := rj.reject(line, "", ReasonLineTooLong); rerr != nil {
					yield(Record{}, rerr)
					return
				}
			} else if trimmed := bytes.TrimSpace(buf); len(trimmed) > 0 {
				rec, reason, column := parseObject(trimmed, hint)
				if reason != "" {
					if rerr := rj.reject(line, column, reason); rerr != nil {
						yield(Record{}, rerr)
						return
					}
				} else {
					rec.File, rec.Line = file, line
					hint = len(rec.names)
					if !yield(rec, nil) {
						return
					}
				}
			}
			if eof {
				return
			}
		}
	}
}

// smallObject is the member count up to which duplicate keys are found by
// a linear scan.
const smallObject = 32

// parseObject decodes one JSON object into a Record, or returns a reason.
// json.Valid checks the whole line first (no allocation); the top-level
// members of the then-known-valid object are sliced out directly, which is
// several times cheaper than a json.Decoder per line.
func parseObject(b []byte, hint int) (Record, string, string) {
	if !utf8.Valid(b) {
		return Record{}, ReasonInvalidUTF8, ""
	}
	if !json.Valid(b) {
		return Record{}, ReasonInvalidJSON, ""
	}
	if b[0] != '{' {
		return Record{}, ReasonNotAnObject, ""
	}
	rec := Record{names: make([]string, 0, hint), values: make([]string, 0, hint)}
	var (
		nulls []string            // keys whose value was null, for duplicate detection
		seen  map[string]struct{} // every key, once there are more than smallObject
	)
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		kEnd := stringEnd(b, i)
		key := unquote(b[i:kEnd])
		i = skipSpace(b, kEnd)
		i = skipSpace(b, i+1) // ':'
		vEnd := valueEnd(b, i)
		// Small objects: a linear scan beats hashing. Wide ones switch to
		// a set, so a line of many members stays linear in its length.
		if seen == nil && len(rec.names)+len(nulls) >= smallObject {
			seen = make(map[string]struct{}, 2*smallObject)
			for _, k := range rec.names {
				seen[k] = struct{}{}
			}
			for _, k := range nulls {
				seen[k] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[key]; dup {
				return Record{}, ReasonDuplicateKey, key
			}
			seen[key] = struct{}{}
		} else if slices.Contains(rec.names, key) || slices.Contains(nulls, key) {
			return Record{}, ReasonDuplicateKey, key
		}
		if v, present := scalar(b[i:vEnd]); present {
			rec.names = append(rec.names, key)
			rec.values = append(rec.values, v)
		} else {
			nulls = append(nulls, key)
		}
		i = skipSpace(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return rec, "", ""
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index after the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// unquote decodes a JSON string token; the common no-escape case is a
// plain slice copy.
func unquote(tok []byte) string {
	if len(tok) >= 2 && bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	json.Unmarshal(tok, &s)
	return s
}

// scalar renders a JSON value as a string; null is absent.
func scalar(raw json.RawMessage) (string, bool) {
	switch raw[0] {
	case 'n':
		return "", false
	case '"':
		return unquote(raw), true
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return b.String(), true
		}
	}
	// true, false and numbers keep their literal text.
	return string(raw), true
}
