// Command hashcsv turns a CSV of customer records into a Meta-ready CSV of
// normalized, SHA-256-hashed identifiers (EXTERN_ID, EMAIL, PHONE, …) and a
// rejects CSV that says, per row and key, why a value was dropped — without
// repeating the value.
//
// With no arguments it reads the shipped synthetic examples/testdata/customers.csv
// and writes to examples/out/hashcsv/:
//
//	go run ./examples/hashcsv
//	go run ./examples/hashcsv -in crm.csv -out /tmp/out -country gb -map EMAIL=work_email
//
// Columns are matched to keys by common names (email, e_mail, phone, mobile,
// first_name, fname, given_name, …); -map KEY=column overrides one, -map
// KEY= drops one. With -detect the columns are mapped by classifying their
// values (hashing/detect) instead, and the findings and mapping are
// printed; a file with card numbers, national ids or free text with PII
// stops before anything is written. The exit status is 0 on success, 1
// when the input has malformed lines (they are reported with their line
// numbers and the rest is still processed), 2 for bad flags, a missing
// file or an unknown column, 3 when -detect found forbidden PII.
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cdpkit/cdpkit/hashing"
	"golang.org/x/sync/errgroup"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK        = 0
	exitMalformed = 1
	exitUsage     = 2
)

// config is what the flags say.
type config struct {
	In, OutDir string
	Country    string
	DayFirst   bool
	Overrides  map[hashing.Key]string // from -map; "" removes a key
	Detect     bool                   // -detect: map columns by their values (detect.go)
	BatchSize  int
}

// run is main without the process: it parses args, processes the file and
// prints the summary, returning the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "hashcsv:", err)
		return exitUsage
	}
	if cfg.Detect {
		if code := detectColumns(ctx, &cfg, stdout, stderr); code != exitOK {
			return code
		}
	}
	sum, err := processFile(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hashcsv:", err)
		return exitUsage
	}
	sum.print(stdout, cfg)
	for _, n := range sum.Notes {
		fmt.Fprintln(stderr, "hashcsv: note:", n)
	}
	if len(sum.Malformed) > 0 {
		for _, m := range sum.Malformed {
			fmt.Fprintf(stderr, "hashcsv: %s:%d: malformed CSV line: %s\n", cfg.In, m.Line, m.Reason)
		}
		return exitMalformed
	}
	return exitOK
}

// mapFlag collects -map KEY=column values.
type mapFlag map[hashing.Key]string

func (m mapFlag) String() string { return "" }

func (m mapFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		k, col, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("-map %q: want KEY=column", part)
		}
		key, ok := hashing.ParseKey(k)
		if !ok {
			return fmt.Errorf("-map: unknown key %q (keys: %s)", strings.TrimSpace(k), keyList())
		}
		m[key] = strings.TrimSpace(col)
	}
	return nil
}

func keyList() string {
	var ks []string
	for _, k := range hashing.Keys() {
		ks = append(ks, string(k))
	}
	return strings.Join(ks, ", ")
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{Overrides: map[hashing.Key]string{}}
	fs := flag.NewFlagSet("hashcsv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.In, "in", filepath.Join("examples", "testdata", "customers.csv"), "input CSV with a header line")
	fs.StringVar(&cfg.OutDir, "out", filepath.Join("examples", "out", "hashcsv"), "output directory for meta.csv and rejects.csv")
	fs.StringVar(&cfg.Country, "country", "", "default country (alpha-2, alpha-3 or name) for rows without one")
	order := fs.String("date-order", "mdy", "how NN/NN/YYYY dates are read: mdy or dmy")
	fs.Var(mapFlag(cfg.Overrides), "map", "KEY=column to map a column to a key (repeatable, or comma-separated); KEY= drops it")
	fs.IntVar(&cfg.BatchSize, "batch", 2048, "rows per parallel batch")
	fs.BoolVar(&cfg.Detect, "detect", false, "map columns by classifying their values and print the mapping; stop on card numbers, national ids or free text with PII (-map still overrides)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hashcsv [flags]\n\nKeys: %s\n\nFlags:\n", keyList())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q (use -in)", fs.Args())
	}
	switch *order {
	case "mdy":
	case "dmy":
		cfg.DayFirst = true
	default:
		return cfg, fmt.Errorf("-date-order %q: want mdy or dmy", *order)
	}
	if cfg.BatchSize < 1 {
		return cfg, fmt.Errorf("-batch must be positive")
	}
	return cfg, nil
}

// aliases are the column names recognised per key, compared after
// lowercasing and removing everything but letters and digits. Earlier names
// win when a file has several.
var aliases = map[hashing.Key][]string{
	hashing.ExternID:       {"externid", "externalid", "customerid", "custid", "crmid", "clientid"},
	hashing.Email:          {"email", "emailaddress", "mail", "emailaddr"},
	hashing.Phone:          {"phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "telephone", "tel"},
	hashing.FirstName:      {"fn", "firstname", "fname", "givenname", "forename"},
	hashing.LastName:       {"ln", "lastname", "lname", "surname", "familyname"},
	hashing.FirstInitial:   {"fi", "firstinitial", "initial"},
	hashing.City:           {"ct", "city", "town", "locality"},
	hashing.State:          {"st", "state", "province", "region", "county"},
	hashing.Zip:            {"zip", "zipcode", "postalcode", "postcode", "postal", "zippostalcode"},
	hashing.Country:        {"country", "countrycode", "countryname"},
	hashing.DOB:            {"dob", "dateofbirth", "birthdate", "birthday", "db"},
	hashing.BirthYear:      {"doby", "birthyear", "yob", "yearofbirth"},
	hashing.BirthMonth:     {"dobm", "birthmonth", "monthofbirth"},
	hashing.BirthDay:       {"dobd", "birthdayday", "dayofbirth", "birthdayofmonth"},
	hashing.Gender:         {"gen", "gender", "sex"},
	hashing.MobileAdID:     {"madid", "maid", "mobileadid", "advertisingid", "adid", "idfa", "gaid", "aaid"},
	hashing.LookalikeValue: {"lookalikevalue", "customervalue", "ltv"},
}

func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mapping says which input column feeds each key.
type mapping struct {
	col   map[hashing.Key]int // key → column index
	names []string            // header
	notes []string
}

// mapColumns matches the header against the aliases and the overrides. An
// override naming a column the header does not have is an error.
func mapColumns(header []string, overrides map[hashing.Key]string) (mapping, error) {
	m := mapping{col: map[hashing.Key]int{}, names: header}
	byName := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // a BOM written by spreadsheet tools
			header[0] = h
		}
		if _, dup := byName[squash(h)]; !dup {
			byName[squash(h)] = i
		}
	}
	used := map[int]hashing.Key{}
	for _, k := range hashing.Keys() {
		if col, ok := overrides[k]; ok {
			if col == "" {
				continue
			}
			i := -1
			for j, h := range header {
				if h == col || strings.EqualFold(strings.TrimSpace(h), col) {
					i = j
					break
				}
			}
			if i < 0 {
				// The header is not repeated: in a file without one it is
				// the first customer's record.
				return m, fmt.Errorf("-map %s=%s: unknown column %q (the first line has %d columns; is it a header?)", k, col, col, len(header))
			}
			m.col[k] = i
			continue
		}
		for _, a := range aliases[k] {
			if i, ok := byName[a]; ok {
				if other, taken := used[i]; taken {
					m.notes = append(m.notes, fmt.Sprintf("column %q already feeds %s; not used for %s", header[i], other, k))
					continue
				}
				if _, have := m.col[k]; have {
					m.notes = append(m.notes, fmt.Sprintf("column %q ignored: %s already comes from %q", header[i], k, header[m.col[k]]))
					continue
				}
				m.col[k] = i
			}
		}
		if i, ok := m.col[k]; ok {
			used[i] = k
		}
	}
	for i, h := range header {
		if _, ok := used[i]; !ok {
			inOverride := false
			for _, c := range m.col {
				if c == i {
					inOverride = true
				}
			}
			if !inOverride {
				m.notes = append(m.notes, fmt.Sprintf("column %q not mapped to any key (use -map KEY=%s)", h, h))
			}
		}
	}
	if len(m.col) == 0 {
		return m, fmt.Errorf("no column maps to a key (the first line has %d columns; is it a header?); use -map KEY=column", len(header))
	}
	return m, nil
}

// schema is the output columns: Meta's order, keys that are mapped or can
// be derived (FI from FN, DOBY/DOBM/DOBD from DOB), plus LOOKALIKE_VALUE
// when mapped. DOB itself is a Conversions API field and not written.
func (m mapping) schema() []hashing.Key {
	has := func(k hashing.Key) bool { _, ok := m.col[k]; return ok }
	var out []hashing.Key
	for _, k := range hashing.MetaSchema() {
		switch {
		case has(k),
			k == hashing.FirstInitial && has(hashing.FirstName),
			(k == hashing.BirthYear || k == hashing.BirthMonth || k == hashing.BirthDay) && has(hashing.DOB):
			out = append(out, k)
		}
	}
	if has(hashing.LookalikeValue) {
		out = append(out, hashing.LookalikeValue)
	}
	return out
}

// counts per key.
type counts struct{ Accepted, Missing, Rejected, Warnings int }

// malformed is a line the CSV reader could not use.
type malformed struct {
	Line   int
	Reason string
}

// summary is what processing found.
type summary struct {
	Rows, Written, Skipped int
	Schema                 []hashing.Key
	PerKey                 map[hashing.Key]*counts
	Rejects                int
	Malformed              []malformed
	Notes                  []string
	Scheme                 hashing.Scheme
	MetaPath, RejectsPath  string
}

// processFile reads cfg.In and writes meta.csv and rejects.csv under
// cfg.OutDir. Both are written to temporary files and renamed into place
// at the end, so a failed run leaves no half-written output.
func processFile(ctx context.Context, cfg config) (*summary, error) {
	in, err := os.Open(cfg.In)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	metaPath := filepath.Join(cfg.OutDir, "meta.csv")
	rejPath := filepath.Join(cfg.OutDir, "rejects.csv")
	metaTmp, err := os.CreateTemp(cfg.OutDir, ".meta-*.csv")
	if err != nil {
		return nil, err
	}
	defer os.Remove(metaTmp.Name())
	defer metaTmp.Close()
	rejTmp, err := os.CreateTemp(cfg.OutDir, ".rejects-*.csv")
	if err != nil {
		return nil, err
	}
	defer os.Remove(rejTmp.Name())
	defer rejTmp.Close()

	sum, err := process(ctx, cfg, in, metaTmp, rejTmp)
	if err != nil {
		return nil, err
	}
	for _, f := range []*os.File{metaTmp, rejTmp} {
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(metaTmp.Name(), metaPath); err != nil {
		return nil, err
	}
	if err := os.Rename(rejTmp.Name(), rejPath); err != nil {
		return nil, err
	}
	sum.MetaPath, sum.RejectsPath = metaPath, rejPath
	return sum, nil
}

// process is the whole job over readers and writers. It reads the header,
// maps columns, then runs three stages at once, so both cores stay busy: one
// goroutine parses CSV into batches, one hashes each batch on all cores, and
// the caller's goroutine writes the Meta CSV (header = key names, cells =
// wire values) and the rejects CSV (row, line, key, column, reason, action —
// never a value) in input order. At most a few batches are in flight, so
// memory does not grow with the file; every stage is joined before process
// returns.
func process(ctx context.Context, cfg config, r io.Reader, metaW, rejW io.Writer) (*summary, error) {
	h, err := hashing.New(func(o *hashing.Options) {
		o.Country = cfg.Country
		if cfg.DayFirst {
			o.DateOrder = hashing.DayFirst
		}
	})
	if err != nil {
		return nil, fmt.Errorf("-country %q: %w", cfg.Country, err)
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%s: empty file, want a header line", cfg.In)
		}
		return nil, fmt.Errorf("%s: header: %w", cfg.In, err)
	}
	header = slices.Clone(header)
	m, err := mapColumns(header, cfg.Overrides)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.In, err)
	}
	schema := m.schema()
	sum := &summary{Schema: schema, PerKey: map[hashing.Key]*counts{}, Notes: m.notes, Scheme: h.Scheme()}
	for _, k := range schema {
		sum.PerKey[k] = &counts{}
	}
	colName := map[hashing.Key]string{}
	for k, i := range m.col {
		colName[k] = header[i]
	}
	// Derived keys report the column they came from.
	for derived, from := range map[hashing.Key]hashing.Key{hashing.FirstInitial: hashing.FirstName,
		hashing.BirthYear: hashing.DOB, hashing.BirthMonth: hashing.DOB, hashing.BirthDay: hashing.DOB} {
		if _, ok := colName[derived]; !ok {
			colName[derived] = colName[from]
		}
	}

	// bw (not encoding/csv) writes the output: digests never need quoting,
	// and the other cells are checked once, without csv.Writer's per-field
	// scan of every 64-character digest.
	mw := newCSVWriter(metaW)
	rw := newCSVWriter(rejW)
	names := make([]string, len(schema))
	for i, k := range schema {
		names[i] = string(k)
	}
	mw.writeRow(names)
	rw.writeRow([]string{"row", "line", "key", "column", "reason", "action"})

	// The column each schema key reads, in schema order, for the reader.
	type col struct {
		key hashing.Key
		idx int
	}
	var cols []col
	for k, i := range m.col {
		cols = append(cols, col{k, i})
	}
	slices.SortFunc(cols, func(a, b col) int { return a.idx - b.idx })

	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(pctx)
	parsed := make(chan *batch, 1)
	hashed := make(chan *batch, 1)
	free := make(chan *batch, 4)
	for range cap(free) {
		free <- new(batch)
	}
	// Stage 1: parse CSV into batches.
	g.Go(func() error {
		defer close(parsed)
		rows := 0
		b := <-free
		b.reset()
		send := func() bool {
			select {
			case parsed <- b:
			case <-gctx.Done():
				return false
			}
			select {
			case b = <-free:
			case <-gctx.Done():
				return false
			}
			b.reset()
			return true
		}
		for {
			if err := gctx.Err(); err != nil {
				return err
			}
			fields, err := cr.Read()
			if err == io.EOF {
				break
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				var pe *csv.ParseError
				if !errors.As(err, &pe) {
					return fmt.Errorf("%s: %w", cfg.In, err)
				}
				// A wrong field count still yields the record; other parse
				// errors leave the reader at the next line. Either way the
				// line is reported, not guessed at.
				rows++
				b.bad = append(b.bad, malformedAt{at: len(b.recs), row: rows, m: malformed{Line: pe.StartLine, Reason: pe.Err.Error()}})
				continue
			}
			rows++
			b.recs = append(b.recs, hashing.Record{Row: rows})
			rec := &b.recs[len(b.recs)-1]
			for _, c := range cols {
				rec.Set(c.key, fields[c.idx])
			}
			b.lines = append(b.lines, line)
			if len(b.recs) >= cfg.BatchSize && !send() {
				return gctx.Err()
			}
		}
		if len(b.recs) > 0 || len(b.bad) > 0 {
			send()
		}
		return gctx.Err()
	})
	// Stage 2: hash each batch on all cores.
	g.Go(func() error {
		defer close(hashed)
		for b := range parsed {
			if len(b.recs) > 0 {
				cells, errs, err := h.HashBatch(gctx, schema, b.recs)
				if err != nil {
					return err
				}
				b.cells, b.errs = cells, errs
			}
			select {
			case hashed <- b:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	// Stage 3, on this goroutine: write in input order.
	werr := func() error {
		for b := range hashed {
			if err := writeBatch(b, schema, colName, sum, mw, rw); err != nil {
				return err
			}
			select {
			case free <- b:
			default:
			}
		}
		return nil
	}()
	if werr != nil {
		// The other stages see the cancellation wherever they block.
		cancel()
	}
	gerr := g.Wait()
	if werr != nil {
		return nil, werr
	}
	if gerr != nil {
		return nil, gerr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := mw.flush(); err != nil {
		return nil, err
	}
	if err := rw.flush(); err != nil {
		return nil, err
	}
	return sum, nil
}

// batch is one unit of the pipeline: parsed records with their line
// numbers, the malformed lines met among them, and (after hashing) their
// cells and errors. Batches are recycled through a free list.
type batch struct {
	recs  []hashing.Record
	lines []int
	bad   []malformedAt
	cells []hashing.Cell
	errs  []*hashing.Error
}

// malformedAt is a malformed line that came before recs[at].
type malformedAt struct {
	at, row int
	m       malformed
}

func (b *batch) reset() {
	clear(b.recs) // drop the strings of the last use
	b.recs, b.lines, b.bad = b.recs[:0], b.lines[:0], b.bad[:0]
	b.cells, b.errs = nil, nil
}

// writeBatch writes one hashed batch: its rejects and malformed lines to rw
// and its rows to mw, counting into sum.
func writeBatch(b *batch, schema []hashing.Key, colName map[hashing.Key]string, sum *summary, mw, rw *csvWriter) error {
	n := len(schema)
	bad := make([]*hashing.Error, n)
	ei, mi := 0, 0
	var num [2][20]byte
	for i := 0; i <= len(b.recs); i++ {
		for mi < len(b.bad) && b.bad[mi].at == i {
			x := b.bad[mi]
			sum.Rows++
			sum.Malformed = append(sum.Malformed, x.m)
			sum.Rejects++
			rw.writeRow([]string{strconv.Itoa(x.row), strconv.Itoa(x.m.Line), "", "", "malformed_csv_line", "skipped"})
			mi++
		}
		if i == len(b.recs) {
			break
		}
		sum.Rows++
		row := b.recs[i].Row
		rowNum := strconv.AppendInt(num[0][:0], int64(row), 10)
		lineNum := strconv.AppendInt(num[1][:0], int64(b.lines[i]), 10)
		clear(bad)
		for ; ei < len(b.errs) && b.errs[ei].Row == row; ei++ {
			e := b.errs[ei]
			e.Column = colName[e.Key]
			if j := slices.Index(schema, e.Key); j >= 0 {
				bad[j] = e
			}
			action := "rejected"
			if !e.Rejected() {
				action = "kept"
			}
			sum.Rejects++
			rw.writeReject(rowNum, lineNum, string(e.Key), e.Column, string(e.Reason), action)
		}
		rowCells := b.cells[i*n : (i+1)*n]
		empty := true
		for j, c := range rowCells {
			cnt := sum.PerKey[schema[j]]
			switch e := bad[j]; {
			case !c.IsMissing():
				empty = false
				cnt.Accepted++
				if e != nil {
					cnt.Warnings++
				}
			case e != nil:
				cnt.Rejected++
			default:
				cnt.Missing++
			}
		}
		if empty {
			sum.Skipped++
			sum.Rejects++
			rw.writeReject(rowNum, lineNum, "", "", "row_has_no_values", "skipped")
			continue
		}
		sum.Written++
		mw.writeCells(rowCells)
	}
	if mw.err != nil {
		return mw.err
	}
	return rw.err
}

func (s *summary) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "hashcsv: %d rows read from %s (scheme %s)\n", s.Rows, cfg.In, s.Scheme)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "key\taccepted\tmissing\trejected\twarnings\t")
	for _, k := range s.Schema {
		c := s.PerKey[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", k, c.Accepted, c.Missing, c.Rejected, c.Warnings)
	}
	tw.Flush()
	fmt.Fprintf(w, "wrote %d rows to %s\n", s.Written, s.MetaPath)
	fmt.Fprintf(w, "wrote %d rejects to %s (%d rows without any value skipped, %d malformed lines)\n",
		s.Rejects, s.RejectsPath, s.Skipped, len(s.Malformed))
}
