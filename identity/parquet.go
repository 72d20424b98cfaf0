package identity

import (
	"errors"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// Parquet rows. Column names are snake_case for Glue and Athena; times are
// millisecond timestamps (UTC), null when unknown.

// AssignmentRow is one row of the record-to-person dataset.
type AssignmentRow struct {
	Source    string `parquet:"source,dict"`
	RecordKey string `parquet:"record_key"`
	PersonID  string `parquet:"person_id"`
}

// LinkRow is one row of the links dataset.
type LinkRow struct {
	SourceA    string `parquet:"source_a,dict"`
	RecordKeyA string `parquet:"record_key_a"`
	SourceB    string `parquet:"source_b,dict"`
	RecordKeyB string `parquet:"record_key_b"`
	Rule       string `parquet:"rule,dict"`
}

// PersonRow is one row of the per-person facts dataset.
type PersonRow struct {
	PersonID  string     `parquet:"person_id"`
	Size      int64      `parquet:"size"`
	Sources   []string   `parquet:"sources,list"`
	FirstSeen *time.Time `parquet:"first_seen,optional,timestamp(millisecond)"`
	LastSeen  *time.Time `parquet:"last_seen,optional,timestamp(millisecond)"`
}

// AuditRow is one row of the audit dataset. Records lists up to five
// sample records as "source/key".
type AuditRow struct {
	Guard      string   `parquet:"guard,dict"`
	Rule       string   `parquet:"rule,dict"`
	Kind       string   `parquet:"kind,dict"`
	SourceA    string   `parquet:"source_a,dict"`
	RecordKeyA string   `parquet:"record_key_a"`
	SourceB    string   `parquet:"source_b,dict"`
	RecordKeyB string   `parquet:"record_key_b"`
	Records    []string `parquet:"records,list"`
	Count      int64    `parquet:"count"`
	Reason     string   `parquet:"reason"`
}

// StatRow is one metric of the run statistics, in long form: metric names
// such as "records", "kept" (with Key the kind), "links" (Key the rule),
// "refused" (Key the guard), "size_bucket" (Key "min-max").
type StatRow struct {
	Metric string  `parquet:"metric,dict"`
	Key    string  `parquet:"key"`
	Value  float64 `parquet:"value"`
}

const rowGroupRows = 1 << 20

func writeRows[T any](w io.Writer, rows iter.Seq[T]) error {
	pw := parquet.NewGenericWriter[T](w,
		parquet.DataPageVersion(1),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.Compression(&snappy.Codec{}),
		parquet.CreatedBy("cdpkit-identity", "", ""),
	)
	buf := make([]T, 0, 4096)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := pw.Write(buf)
		buf = buf[:0]
		return err
	}
	for r := range rows {
		buf = append(buf, r)
		if len(buf) == cap(buf) {
			if err := flush(); err != nil {
				return &Error{Op: "write", Err: err}
			}
		}
	}
	if err := flush(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	if err := pw.Close(); err != nil {
		return &Error{Op: "write", Err: err}
	}
	return nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// WriteAssignments writes the record-to-person map as Parquet.
func (res *Result) WriteAssignments(w io.Writer) error {
	return writeRows(w, func(yield func(AssignmentRow) bool) {
		for a := range res.Assignments() {
			if !yield(AssignmentRow{Source: a.Record.Source, RecordKey: a.Record.Key, PersonID: a.Person}) {
				return
			}
		}
	})
}

// WriteLinks writes the links, with the rule that made each, as Parquet.
func (res *Result) WriteLinks(w io.Writer) error { return writeRows(w, res.linkRows()) }

func (res *Result) linkRows() iter.Seq[LinkRow] {
	return func(yield func(LinkRow) bool) {
		for l := range res.Links() {
			if !yield(LinkRow{SourceA: l.A.Source, RecordKeyA: l.A.Key, SourceB: l.B.Source, RecordKeyB: l.B.Key, Rule: l.Rule}) {
				return
			}
		}
	}
}

// WritePersons writes the per-person facts as Parquet.
func (res *Result) WritePersons(w io.Writer) error { return writeRows(w, res.personRows()) }

func (res *Result) personRows() iter.Seq[PersonRow] {
	return func(yield func(PersonRow) bool) {
		for p := range res.Persons() {
			if !yield(PersonRow{PersonID: p.ID, Size: int64(p.Size), Sources: p.Sources, FirstSeen: optTime(p.FirstSeen), LastSeen: optTime(p.LastSeen)}) {
				return
			}
		}
	}
}

// WriteAudits writes the guards' audit records as Parquet.
func (res *Result) WriteAudits(w io.Writer) error { return writeRows(w, res.auditRows()) }

func (res *Result) auditRows() iter.Seq[AuditRow] {
	return func(yield func(AuditRow) bool) {
		for _, a := range res.audits {
			row := AuditRow{Guard: string(a.Guard), Rule: a.Rule, Kind: a.Kind, SourceA: a.A.Source, RecordKeyA: a.A.Key,
				SourceB: a.B.Source, RecordKeyB: a.B.Key, Count: int64(a.Count), Reason: a.Reason}
			for _, r := range a.Records {
				row.Records = append(row.Records, r.String())
			}
			if !yield(row) {
				return
			}
		}
	}
}

// StatRows returns the statistics in the long form WriteStats writes, in a
// fixed order.
func (st Stats) StatRows() []StatRow {
	rows := []StatRow{
		{"records", "", float64(st.Records)}, {"duplicates", "", float64(st.Duplicates)},
		{"rejected", "", float64(st.Rejected)}, {"out_of_range_times", "", float64(st.OutOfRangeTimes)},
		{"persons", "", float64(st.Persons)},
		{"singletons", "", float64(st.Singletons)}, {"largest_cluster", "", float64(st.LargestCluster)},
		{"linkage_rate", "", st.LinkageRate}, {"forced", "", float64(st.Forced)},
		{"ids_carried", "", float64(st.Carried)}, {"ids_new", "", float64(st.New)},
		{"ids_merged", "", float64(st.Merged)}, {"ids_split", "", float64(st.Split)},
		{"elapsed_seconds", "", st.Elapsed.Seconds()},
	}
	for _, k := range sortedKeys(st.Kinds) {
		ks := st.Kinds[k]
		rows = append(rows, StatRow{"kept", k, float64(ks.Kept)}, StatRow{"blocked", k, float64(ks.Blocked)},
			StatRow{"degree_capped", k, float64(ks.DegreeCapped)})
	}
	for _, k := range sortedKeys(st.Matches) {
		rows = append(rows, StatRow{"matches", k, float64(st.Matches[k])})
	}
	for _, k := range sortedKeys(st.Links) {
		rows = append(rows, StatRow{"links", k, float64(st.Links[k])})
	}
	for _, k := range sortedKeys(st.DegreeCapped) {
		rows = append(rows, StatRow{"rule_degree_capped", k, float64(st.DegreeCapped[k])})
	}
	for _, k := range sortedKeys(st.CombinationsDropped) {
		rows = append(rows, StatRow{"combinations_dropped", k, float64(st.CombinationsDropped[k])})
	}
	for _, k := range sortedKeys(st.Refused) {
		rows = append(rows, StatRow{"refused", string(k), float64(st.Refused[k])})
	}
	for _, b := range st.Sizes {
		rows = append(rows, StatRow{"size_bucket", itoa(b.Min) + "-" + itoa(b.Max), float64(b.Count)})
	}
	return rows
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// WriteStats writes the run statistics as Parquet (see StatRows).
func (res *Result) WriteStats(w io.Writer) error {
	return writeRows(w, slices.Values(res.stats.StatRows()))
}

// Dataset file names written by WriteDir.
const (
	FileAssignments = "assignments.parquet"
	FileLinks       = "links.parquet"
	FilePersons     = "persons.parquet"
	FileAudits      = "audits.parquet"
	FileStats       = "stats.parquet"
)

// WriteDir writes the five datasets into dir (created if missing) under
// fixed names, each to a temporary file renamed into place once complete,
// so a rerun replaces the previous output and a failed run leaves it. For
// a lake on any zones backend (S3 included), with a context, use WriteTo.
func (res *Result) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &Error{Op: "write", Key: dir, Err: err}
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{FileAssignments, res.WriteAssignments}, {FileLinks, res.WriteLinks}, {FilePersons, res.WritePersons},
		{FileAudits, res.WriteAudits}, {FileStats, res.WriteStats},
	} {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return &Error{Op: "write", Key: filepath.Base(path), Err: err}
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err = errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return &Error{Op: "write", Key: filepath.Base(path), Err: err}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return &Error{Op: "write", Key: filepath.Base(path), Err: err}
	}
	return nil
}
