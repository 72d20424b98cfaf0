package c3r

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
)

// csvReader reads RFC 4180 CSV and remembers which fields were quoted,
// because C3R's NULL rules depend on it (encoding/csv forgets).
type csvReader struct {
	r      *bufio.Reader
	buf    []byte
	ends   []int
	quoted []bool
	fields [][]byte
	line   int64
}

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(r, 64<<10)}
}

var errUnterminated = detail("unterminated quoted field")

// read returns the next record's fields (valid until the next call) and
// which were quoted; io.EOF at the end.
func (c *csvReader) read() ([][]byte, []bool, error) {
	c.buf = c.buf[:0]
	c.ends = c.ends[:0]
	c.quoted = c.quoted[:0]
	ch, err := c.r.ReadByte()
	if c.line == 0 && err == nil && ch == 0xEF {
		// A UTF-8 byte order mark before the header is not data.
		if b, perr := c.r.Peek(2); perr == nil && b[0] == 0xBB && b[1] == 0xBF {
			c.r.Discard(2)
			ch, err = c.r.ReadByte()
		}
	}
	// Empty lines are skipped, as the official client's parser does.
	for err == nil && (ch == '\n' || ch == '\r') {
		ch, err = c.r.ReadByte()
	}
	if err != nil {
		return nil, nil, err // io.EOF: no more records
	}
	c.line++
	quoted, inQuotes, fieldStart := false, false, true
	endField := func() {
		c.ends = append(c.ends, len(c.buf))
		c.quoted = append(c.quoted, quoted)
		quoted, fieldStart = false, true
	}
	for {
		switch {
		case inQuotes:
			if ch == '"' {
				next, err := c.r.ReadByte()
				if err == nil && next == '"' {
					c.buf = append(c.buf, '"')
				} else {
					inQuotes = false
					if err == nil {
						c.r.UnreadByte()
					}
				}
			} else {
				c.buf = append(c.buf, ch)
			}
		case ch == '"' && fieldStart:
			quoted, inQuotes, fieldStart = true, true, false
		case ch == ',':
			endField()
		case ch == '\n':
			endField()
			return c.split(), c.quoted, nil
		case ch == '\r':
			next, err := c.r.ReadByte()
			if err == nil && next != '\n' {
				c.r.UnreadByte()
			}
			endField()
			return c.split(), c.quoted, nil
		default:
			fieldStart = false
			// Characters after a closing quote are dropped.
			if !quoted {
				c.buf = append(c.buf, ch)
			}
		}
		ch, err = c.r.ReadByte()
		if err == io.EOF {
			if inQuotes {
				return nil, nil, errUnterminated
			}
			endField()
			return c.split(), c.quoted, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

func (c *csvReader) split() [][]byte {
	c.fields = c.fields[:0]
	start := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[start:e])
		start = e
	}
	return c.fields
}

// csvNulls applies the official client's CSV input rules: unquoted values
// are trimmed, quoted ones are not, and NULL depends on the NULL token:
//
//   - none: a blank cell and a quoted "" are NULL;
//   - a blank token (e.g. " "): a blank cell is NULL, "" is an empty string;
//   - the token `""`: only a quoted "" is NULL, a blank cell is empty;
//   - any other token: only cells equal to it are NULL.
type csvNulls struct {
	token    []byte
	hasToken bool
}

func (n csvNulls) value(field []byte, quoted bool) Value {
	if !quoted {
		field = bytes.Trim(field, " \t")
	}
	blank, quotedEmpty := !quoted && len(field) == 0, quoted && len(field) == 0
	var null bool
	switch tok := bytes.TrimSpace(n.token); {
	case !n.hasToken:
		null = blank || quotedEmpty
	case len(tok) == 0:
		null = blank
	case string(tok) == `""`:
		null = quotedEmpty
	default:
		null = bytes.Equal(field, n.token)
	}
	if null {
		return Value{Type: TypeString, Null: true}
	}
	return Value{Type: TypeString, Bytes: field}
}

// csvSource reads a CSV file with a header row.
type csvSource struct {
	r     *csvReader
	hdr   []string
	nulls csvNulls
	row   []Value
	rows  int64
}

func newCSVSource(r io.Reader, nulls csvNulls) (*csvSource, error) {
	s := &csvSource{r: newCSVReader(r), nulls: nulls}
	fields, _, err := s.r.read()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Op: "read", Kind: ErrInput, Err: detail("no header row")}
	}
	if err != nil {
		return nil, inputErr(0, err)
	}
	for _, f := range fields {
		s.hdr = append(s.hdr, string(f))
	}
	s.row = make([]Value, len(s.hdr))
	return s, nil
}

func inputErr(row int64, err error) error {
	return &Error{Op: "read", Row: row, Kind: ErrInput, Err: err}
}

// next returns the next row (valid until the next call), or io.EOF.
func (s *csvSource) next() ([]Value, error) {
	fields, quoted, err := s.r.read()
	if err == io.EOF {
		return nil, io.EOF
	}
	s.rows++
	if err != nil {
		return nil, inputErr(s.rows, err)
	}
	if len(fields) != len(s.hdr) {
		return nil, &Error{Op: "read", Row: s.rows, Kind: ErrInput, Err: detail("wrong number of fields")}
	}
	for i, f := range fields {
		s.row[i] = s.nulls.value(f, quoted[i])
	}
	return s.row, nil
}

// csvSink writes CSV with a header; NULL is written as an empty cell.
type csvSink struct {
	w   *csv.Writer
	rec []string
}

func newCSVSink(w io.Writer, header []string) (*csvSink, error) {
	s := &csvSink{w: csv.NewWriter(w), rec: make([]string, len(header))}
	return s, s.w.Write(header)
}

func (s *csvSink) write(row []Value) error {
	for i, v := range row {
		s.rec[i] = v.Text()
	}
	return s.w.Write(s.rec)
}

func (s *csvSink) close() error {
	s.w.Flush()
	return s.w.Error()
}
