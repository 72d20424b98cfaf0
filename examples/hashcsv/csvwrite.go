package main

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/hashing"
)

// csvWriter writes RFC 4180 CSV as encoding/csv does (LF line ends, a field
// quoted when it holds a comma, quote, CR or LF, or starts with a space or
// tab, or is `\.`), but knows that a digest never needs quoting and so skips
// the per-field scan for hashed cells. The first write error is kept in err
// and later writes do nothing.
type csvWriter struct {
	w   *bufio.Writer
	err error
}

func newCSVWriter(w io.Writer) *csvWriter {
	return &csvWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

// writeCells writes one row of wire values. Hashed keys' cells are hex
// digests (or empty) and are written as they are.
func (c *csvWriter) writeCells(cells []hashing.Cell) {
	if c.err != nil {
		return
	}
	for i, cell := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if cell.Key().Hashed() && !cell.Keyed() {
			c.w.WriteString(cell.Value())
			continue
		}
		c.field(cell.Value())
	}
	c.err = c.w.WriteByte('\n')
}

// writeReject writes one rejects row; row and line are decimal digits and
// never need quoting, key and reason are this package's constants.
func (c *csvWriter) writeReject(row, line []byte, key, column, reason, action string) {
	if c.err != nil {
		return
	}
	c.w.Write(row)
	c.w.WriteByte(',')
	c.w.Write(line)
	c.w.WriteByte(',')
	c.field(key)
	c.w.WriteByte(',')
	c.field(column)
	c.w.WriteByte(',')
	c.field(reason)
	c.w.WriteByte(',')
	c.field(action)
	c.err = c.w.WriteByte('\n')
}

// writeRow writes fields, each checked for quoting.
func (c *csvWriter) writeRow(fields []string) {
	if c.err != nil {
		return
	}
	for i, f := range fields {
		if i > 0 {
			c.w.WriteByte(',')
		}
		c.field(f)
	}
	c.err = c.w.WriteByte('\n')
}

func (c *csvWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// field writes f, quoted when encoding/csv would quote it.
func (c *csvWriter) field(f string) {
	if !needsQuotes(f) {
		c.w.WriteString(f)
		return
	}
	c.w.WriteByte('"')
	for {
		i := strings.IndexByte(f, '"')
		if i < 0 {
			break
		}
		c.w.WriteString(f[:i+1])
		c.w.WriteByte('"')
		f = f[i+1:]
	}
	c.w.WriteString(f)
	c.w.WriteByte('"')
}

// needsQuotes is encoding/csv's fieldNeedsQuotes for the comma ','.
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
