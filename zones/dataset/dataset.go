package dataset

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/cdpkit/cdpkit/internal/pqfile"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/cdpkit/cdpkit/zones"
)

// Compression names a Parquet codec.
type Compression string

// Codecs. Snappy is the default: fast, and what Glue/Athena expect.
const (
	Snappy       Compression = "snappy"
	Zstd         Compression = "zstd"
	Gzip         Compression = "gzip"
	Uncompressed Compression = "none"
)

// Defaults.
const (
	// DefaultRowGroupRows bounds row groups (and so writer memory).
	DefaultRowGroupRows = 128 << 10
	// DefaultMaxOpenFiles bounds concurrently open partition files.
	DefaultMaxOpenFiles = 32
	// batchRows is how many rows are handed to the Parquet writer at once.
	batchRows = 1024
)

// Options configures a Dataset. The zero value writes unpartitioned,
// snappy-compressed files with row groups of DefaultRowGroupRows rows.
type Options[T any] struct {
	// Compression is the codec; "" means Snappy.
	Compression Compression
	// RowGroupRows caps rows per row group, which bounds memory per open
	// file. Zero means DefaultRowGroupRows.
	RowGroupRows int64
	// MaxRowsPerFile starts a new file after this many rows in a
	// partition; zero means one file per partition per write.
	MaxRowsPerFile int64
	// MaxOpenFiles bounds the partitions being written at once (each holds
	// up to one row group in memory). When a row for another partition
	// arrives, the least recently used open file is finished first, and
	// later rows of its partition go to a new file. Zero means
	// DefaultMaxOpenFiles.
	MaxOpenFiles int
	// PartitionKeys names the Hive partition columns, in path order.
	PartitionKeys []string
	// PartitionTypes gives partition keys a Hive type other than "string"
	// ("int", "bigint", "date", …) in the catalog schema. Values are still
	// strings in paths.
	PartitionTypes map[string]string
	// Partition returns a row's partition values, one per PartitionKeys
	// entry. Required when PartitionKeys is set. Partition columns are
	// not stored in the files (tag them parquet:"-" in T), as Hive
	// expects.
	Partition func(T) []string
	// SetPartition, when set, is Partition's inverse: Rows and ReadFile
	// call it on every row with its file's partition values (unescaped,
	// in PartitionKeys order), so the partition fields, which are not in
	// the files, are filled in. values is shared between calls: copy what
	// you keep. Without SetPartition those fields stay zero.
	SetPartition func(row *T, values []string)
	// HashSchemes records, per column name, the hashing scheme of hashed
	// values ("meta-sha256-v1", "sha256-v1", "hmac-sha256-v1"). Struct tags
	// `cdpkit:"scheme=<name>"` do the same; this map wins.
	HashSchemes map[string]string
	// Comments are column comments for the catalog schema.
	Comments map[string]string
	// Logger receives debug events (keys, counts). Nil discards them.
	Logger *slog.Logger
}

// Dataset is a typed Parquet dataset of T rows under "<name>/" in one zone
// of a Store. Files are written with Glue/Spark-compatible settings: data
// page V1, PLAIN or dictionary (`dict` tag) string encodings, millisecond
// timestamps, bounded row groups, snappy by default.
//
// A Dataset is safe for concurrent use; concurrent Writes for different
// inputs are independent, concurrent Writes for the same input race
// (both publish, and each removes the other's files as stale).
type Dataset[T any] struct {
	store   *zones.Store
	zone    zones.Zone
	name    string
	opts    Options[T]
	pschema *parquet.Schema
	schema  Schema
	wopts   []parquet.WriterOption
	ext     string
}

// New describes the dataset name (a key prefix such as "customers" or
// "crm/contacts") in zone z of store. It derives and validates the schema
// from T's parquet struct tags; a type Glue cannot represent or Spark
// cannot read (unsigned integers, non-millisecond timestamps, TIME, UUID,
// a time.Time tagged date — use Date) is rejected with
// zones.ErrInvalidInput.
func New[T any](store *zones.Store, z zones.Zone, name string, optFns ...func(*Options[T])) (*Dataset[T], error) {
	var o Options[T]
	for _, fn := range optFns {
		fn(&o)
	}
	fail := func(reason string) (*Dataset[T], error) {
		return nil, zones.NewError("dataset", string(z)+"/"+name, zones.ErrInvalidInput, errors.New(reason))
	}
	if store == nil {
		return fail("nil store")
	}
	if !z.Valid() || z == zones.Raw {
		return fail("datasets live in the clean, curated or quarantine zone")
	}
	if err := zones.ValidateKey(name); err != nil {
		return nil, err
	}
	if len(o.PartitionKeys) > 0 && o.Partition == nil {
		return fail("PartitionKeys without a Partition function")
	}
	if len(o.PartitionKeys) == 0 && o.SetPartition != nil {
		return fail("SetPartition without PartitionKeys")
	}
	if o.Compression == "" {
		o.Compression = Snappy
	}
	var codec compress.Codec
	switch o.Compression {
	case Snappy:
		codec = snappyCodec{}
	case Zstd:
		codec = &parquet.Zstd
	case Gzip:
		codec = &parquet.Gzip
	case Uncompressed:
		codec = &parquet.Uncompressed
	default:
		return fail("unknown compression " + string(o.Compression))
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	if o.MaxOpenFiles <= 0 {
		o.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if col := timeDates(reflect.TypeFor[T](), "", map[reflect.Type]bool{}); col != "" {
		return fail(fmt.Sprintf("column %q: a time.Time tagged date is written as nanoseconds, not days: use dataset.Date", col))
	}
	ps, err := schemaOf[T]()
	if err != nil {
		return fail(err.Error())
	}
	d := &Dataset[T]{store: store, zone: z, name: name, opts: o, pschema: ps, ext: "." + string(o.Compression) + ".parquet"}
	if o.Compression == Uncompressed {
		d.ext = ".parquet"
	}

	schemes := schemeTags(reflect.TypeFor[T]())
	for k, v := range o.HashSchemes {
		schemes[k] = v
	}
	sch := Schema{Name: name, Location: store.Location(z, name+"/"), Format: "parquet", Compression: string(o.Compression), Parameters: map[string]string{}}
	cols := map[string]bool{}
	for _, f := range ps.Fields() {
		if reason := columnNameProblem(f); reason != "" {
			return fail(reason)
		}
		t, err := hiveType(f)
		if err != nil {
			return fail(fmt.Sprintf("column %q: %v", f.Name(), err))
		}
		c := Column{Name: f.Name(), Type: t, Comment: o.Comments[f.Name()]}
		if s := schemes[f.Name()]; s != "" {
			if c.Comment == "" {
				c.Comment = "hashed: " + s
			}
			sch.Parameters["cdpkit.hash_scheme."+f.Name()] = s
		}
		cols[f.Name()] = true
		sch.Columns = append(sch.Columns, c)
	}
	for k := range schemes {
		if !cols[k] {
			return fail(fmt.Sprintf("hash scheme for unknown column %q", k))
		}
	}
	for _, k := range o.PartitionKeys {
		if k == "" || cols[k] {
			return fail(fmt.Sprintf("partition key %q is empty or also a data column (tag it parquet:\"-\")", k))
		}
		if !catalogName(k) {
			return fail(fmt.Sprintf("partition key %q: %s", k, nameRule))
		}
		typ := "string"
		if pt := o.PartitionTypes[k]; pt != "" {
			if !partitionType(pt) {
				return fail(fmt.Sprintf("partition key %q: %q is not a primitive Hive type", k, pt))
			}
			typ = pt
		}
		sch.PartitionKeys = append(sch.PartitionKeys, Column{Name: k, Type: typ})
	}
	d.schema = sch

	d.wopts = []parquet.WriterOption{
		ps,
		parquet.DataPageVersion(1),
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
		parquet.Compression(codec),
		parquet.MaxRowsPerRowGroup(o.RowGroupRows),
		parquet.KeyValueMetadata("cdpkit.dataset", name),
	}
	keys := make([]string, 0, len(sch.Parameters))
	for k := range sch.Parameters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.wopts = append(d.wopts, parquet.KeyValueMetadata(k, sch.Parameters[k]))
	}
	// Other column facts a reader of a lone file can use.
	for _, c := range sch.Columns {
		if c.Comment != "" {
			d.wopts = append(d.wopts, parquet.KeyValueMetadata("cdpkit.comment."+c.Name, c.Comment))
		}
	}
	if len(o.PartitionKeys) > 0 {
		d.wopts = append(d.wopts, parquet.KeyValueMetadata("cdpkit.partition_keys", strings.Join(o.PartitionKeys, ",")))
	}
	// Min/max statistics of hashed columns are uniformly spread digests:
	// useless for pruning and costly to compute. Skip them.
	for _, c := range sch.Columns {
		if schemes[c.Name] != "" {
			d.wopts = append(d.wopts, parquet.SkipPageBounds(c.Name), parquet.SkipPageStatistics(c.Name))
		}
	}
	return d, nil
}

// schemaOf derives T's Parquet schema, turning parquet-go's panics on
// unsupported types into errors.
func schemaOf[T any]() (s *parquet.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: %v", errSchema, r)
		}
	}()
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: T must be a struct", errSchema)
	}
	return parquet.SchemaOf(reflect.New(t).Interface()), nil
}

// Schema returns the dataset's catalog schema (a copy).
func (d *Dataset[T]) Schema() Schema {
	s := d.schema
	s.Columns = slices.Clone(s.Columns)
	s.PartitionKeys = slices.Clone(s.PartitionKeys)
	s.Parameters = make(map[string]string, len(d.schema.Parameters))
	for k, v := range d.schema.Parameters {
		s.Parameters[k] = v
	}
	return s
}

// File is a Parquet file of the dataset.
type File struct {
	zones.Object
	// Partition holds the file's partition values, by key (unescaped).
	Partition map[string]string
	// Rows is the number of rows (set by Write; 0 from Files).
	Rows int64
}

// Partition is a partition a Write produced.
type Partition struct {
	// Values are the partition values in PartitionKeys order (unescaped,
	// as Glue stores them).
	Values []string
	// Prefix is the partition's key prefix in the zone, ending in '/'.
	Prefix string
	// Location is its URI, or "" (see zones.Locator).
	Location string
}

// WriteResult reports a Write.
type WriteResult struct {
	// Files are the files of this input, now in place.
	Files []File
	// Partitions are the distinct partitions written, in path order.
	Partitions []Partition
	// Removed are the keys of older files of the same input that were
	// deleted after the new ones were in place.
	Removed []string
	// Rows is the number of rows written.
	Rows int64
}

// Slice adapts a slice to the row stream Write takes.
func Slice[T any](rows []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// fileWriter is one Parquet file being written.
type fileWriter[T any] struct {
	part    string
	values  []string
	seq     int
	out     *zones.Output
	bw      *bufio.Writer
	w       *parquet.GenericWriter[T]
	buf     []T
	rows    int64
	lastUse int // row counter at the last row routed here
}

func (f *fileWriter[T]) flushBatch() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.w.Write(f.buf)
	clear(f.buf)
	f.buf = f.buf[:0]
	return err
}

func (f *fileWriter[T]) close() error {
	if err := f.flushBatch(); err != nil {
		return err
	}
	if err := f.w.Close(); err != nil {
		return err
	}
	return f.bw.Flush()
}

// Write writes rows as the dataset's files for input (typically the raw
// key the rows came from). File names are deterministic:
//
//	<name>/<k=v/…>/part-<InputGroup(input)>-<seq>-<content hash>.<codec>.parquet
//
// so rerunning the same input with the same rows leaves the same files,
// and a rerun with different rows replaces them: the new files are
// published (create-only) first, and only then are this input's older
// files removed. Readers may briefly see both sets, never neither. If rows
// yields an error or ctx ends, nothing is published and the error is
// returned. Memory is bounded by one row group per open file, and at most
// Options.MaxOpenFiles files are open.
func (d *Dataset[T]) Write(ctx context.Context, input string, rows iter.Seq2[T, error]) (WriteResult, error) {
	group := zones.InputGroup(input)
	var (
		open  = map[string]*fileWriter[T]{}
		done  []*fileWriter[T]
		seqs  = map[string]int{}
		total int64
	)
	discardAll := func() {
		for _, f := range open {
			f.out.Discard()
		}
		for _, f := range done {
			f.out.Discard()
		}
	}
	fail := func(err error) (WriteResult, error) {
		discardAll()
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = errors.Join(ctx.Err(), err)
		}
		var ze *zones.Error
		if errors.As(err, &ze) {
			return WriteResult{}, err
		}
		return WriteResult{}, zones.NewError("write", string(d.zone)+"/"+d.name, nil, err)
	}
	newFile := func(part string, values []string) *fileWriter[T] {
		out := d.store.NewOutput()
		bw := bufio.NewWriterSize(out, 256<<10)
		f := &fileWriter[T]{part: part, values: values, seq: seqs[part], out: out, bw: bw, w: parquet.NewGenericWriter[T](bw, d.wopts...), buf: make([]T, 0, batchRows)}
		seqs[part]++
		return f
	}
	partitioned := len(d.opts.PartitionKeys) > 0
	var single *fileWriter[T]
	n := 0
	for row, err := range rows {
		if err != nil {
			return fail(err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
		}
		var f *fileWriter[T]
		if !partitioned {
			if single == nil {
				single = newFile("", nil)
				open[""] = single
			}
			f = single
		} else {
			vals := d.opts.Partition(row)
			p, err := zones.PartitionPath(d.opts.PartitionKeys, vals)
			if err != nil {
				return fail(err)
			}
			if f = open[p]; f == nil {
				if _, seen := seqs[p]; !seen {
					if reason := d.keyProblem(group, p); reason != "" {
						// The row number, not the value: partition
						// values are row data.
						return fail(zones.NewError("write", string(d.zone)+"/"+d.name, zones.ErrInvalidInput, fmt.Errorf("row %d: its partition values do not make a valid key: %s", n, reason)))
					}
				}
				if len(open) >= d.opts.MaxOpenFiles {
					var lru *fileWriter[T]
					for _, g := range open {
						if lru == nil || g.lastUse < lru.lastUse {
							lru = g
						}
					}
					if err := lru.close(); err != nil {
						return fail(err)
					}
					done = append(done, lru)
					delete(open, lru.part)
				}
				f = newFile(p, slices.Clone(vals))
				open[p] = f
			}
			f.lastUse = n
		}
		f.buf = append(f.buf, row)
		f.rows++
		total++
		if len(f.buf) == batchRows {
			if err := f.flushBatch(); err != nil {
				return fail(err)
			}
		}
		if d.opts.MaxRowsPerFile > 0 && f.rows >= d.opts.MaxRowsPerFile {
			if err := f.close(); err != nil {
				return fail(err)
			}
			done = append(done, f)
			delete(open, f.part)
			if f == single {
				single = nil
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	for _, f := range open {
		if err := f.close(); err != nil {
			return fail(err)
		}
		done = append(done, f)
	}
	slices.SortFunc(done, func(a, b *fileWriter[T]) int {
		if c := strings.Compare(a.part, b.part); c != 0 {
			return c
		}
		return a.seq - b.seq
	})

	var res WriteResult
	res.Rows = total
	for i, f := range done {
		dir := d.name
		if f.part != "" {
			dir += "/" + f.part
		}
		obj, err := f.out.Publish(ctx, d.zone, dir, fmt.Sprintf("part-%s-%05d", group, f.seq), d.ext)
		if err != nil {
			for _, g := range done[i+1:] {
				g.out.Discard()
			}
			return WriteResult{}, err
		}
		res.Files = append(res.Files, File{Object: obj, Partition: partMap(d.opts.PartitionKeys, f.values), Rows: f.rows})
		if f.seq == 0 {
			prefix := dir + "/"
			res.Partitions = append(res.Partitions, Partition{Values: f.values, Prefix: prefix, Location: d.store.Location(d.zone, prefix)})
		}
	}
	removed, err := d.removeStale(ctx, "part-"+group+"-", res.Files)
	res.Removed = removed
	if err != nil {
		return res, err
	}
	d.opts.Logger.DebugContext(ctx, "dataset: write", "dataset", d.name, "files", len(res.Files), "rows", total, "removed", len(removed))
	return res, nil
}

// keyProblem reports why files of partition path part could not be
// stored (invalid UTF-8, too long, …), or "" when they can. It checks the
// longest key Write gives such a file.
func (d *Dataset[T]) keyProblem(group, part string) string {
	key := string(d.zone) + "/" + d.name + "/" + part + "/part-" + group + "-00000-" + strings.Repeat("0", 32) + d.ext
	err := zones.ValidateKey(key)
	var ze *zones.Error
	if errors.As(err, &ze) && ze.Err != nil {
		return ze.Err.Error()
	}
	if err != nil {
		return "invalid key"
	}
	return ""
}

// removeStale deletes the dataset's files (as Files lists them: never
// those of a dataset nested under this one's name) whose base name starts
// with namePrefix and that are not in keep. It returns the removed keys.
func (d *Dataset[T]) removeStale(ctx context.Context, namePrefix string, keep []File) ([]string, error) {
	kept := make(map[string]bool, len(keep))
	for _, f := range keep {
		kept[f.Key] = true
	}
	var stale []string
	for f, err := range d.Files(ctx) {
		if err != nil {
			return nil, err
		}
		if !kept[f.Key] && strings.HasPrefix(path.Base(f.Key), namePrefix) {
			stale = append(stale, f.Key)
		}
	}
	var removed []string
	for _, k := range stale {
		err := d.store.Delete(ctx, d.zone, k)
		if errors.Is(err, zones.ErrNotFound) {
			continue
		}
		if err != nil {
			return removed, err
		}
		removed = append(removed, k)
	}
	return removed, nil
}

func partMap(keys, values []string) map[string]string {
	if len(keys) == 0 {
		return nil
	}
	m := make(map[string]string, len(keys))
	for i, k := range keys {
		m[k] = values[i]
	}
	return m
}

// partitionType reports whether t is a primitive Hive type Glue accepts
// for partition keys.
func partitionType(t string) bool {
	switch t {
	case "string", "tinyint", "smallint", "int", "bigint", "boolean", "float", "double", "date", "timestamp":
		return true
	}
	var p, sc int
	if n, err := fmt.Sscanf(t, "decimal(%d,%d)", &p, &sc); err == nil && n == 2 && t == fmt.Sprintf("decimal(%d,%d)", p, sc) {
		return true
	}
	for _, pre := range []string{"char(", "varchar("} {
		var n int
		if strings.HasPrefix(t, pre) && strings.HasSuffix(t, ")") {
			if _, err := fmt.Sscanf(t[len(pre):], "%d)", &n); err == nil && n > 0 {
				return true
			}
		}
	}
	return false
}

// Partitions yields the dataset's partitions (one per distinct partition
// directory holding files), in key order, for registering them in a
// catalog. An unpartitioned dataset yields nothing.
func (d *Dataset[T]) Partitions(ctx context.Context) iter.Seq2[Partition, error] {
	return func(yield func(Partition, error) bool) {
		if len(d.opts.PartitionKeys) == 0 {
			return
		}
		last := ""
		for f, err := range d.Files(ctx) {
			if err != nil {
				yield(Partition{}, err)
				return
			}
			prefix := path.Dir(f.Key) + "/"
			if prefix == last {
				continue
			}
			last = prefix
			vals := make([]string, len(d.opts.PartitionKeys))
			for i, k := range d.opts.PartitionKeys {
				vals[i] = f.Partition[k]
			}
			if !yield(Partition{Values: vals, Prefix: prefix, Location: d.store.Location(d.zone, prefix)}, nil) {
				return
			}
		}
	}
}

// Files yields the dataset's Parquet files in key order, with their
// partition values parsed from the path. Only files at the dataset's
// partition depth count: directly under "<name>/" when unpartitioned,
// under exactly one "<key>=<value>/" directory per partition key (in
// PartitionKeys order) otherwise. Anything else under the name — another
// dataset named "<name>/sub", stray files — is not this dataset's. Names
// starting with '_' or '.' are skipped, as Hive and Spark do.
func (d *Dataset[T]) Files(ctx context.Context) iter.Seq2[File, error] {
	return func(yield func(File, error) bool) {
		for o, err := range d.store.Objects(ctx, d.zone, d.name+"/") {
			if err != nil {
				yield(File{}, err)
				return
			}
			rel := strings.TrimPrefix(o.Key, d.name+"/")
			segs := strings.Split(rel, "/")
			base := segs[len(segs)-1]
			if !strings.HasSuffix(base, ".parquet") || strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
				continue
			}
			part, ok := d.partitionOf(segs[:len(segs)-1])
			if !ok {
				continue
			}
			if !yield(File{Object: o, Partition: part}, nil) {
				return
			}
		}
	}
}

// partitionOf parses a file's directory segments (relative to the dataset
// root) as this dataset's partition path, or reports that they are not one.
func (d *Dataset[T]) partitionOf(dirs []string) (map[string]string, bool) {
	keys := d.opts.PartitionKeys
	if len(dirs) != len(keys) {
		return nil, false
	}
	if len(keys) == 0 {
		return nil, true
	}
	m := make(map[string]string, len(keys))
	for i, seg := range dirs {
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k != zones.EscapePartition(keys[i]) {
			return nil, false
		}
		m[keys[i]] = zones.UnescapePartition(v)
	}
	return m, true
}

// Rows yields every row of every file, file by file in key order. Partition
// columns are not in the files: Options.SetPartition fills them in, or use
// Files and ReadFile. Iteration stops at the first error, which is yielded.
func (d *Dataset[T]) Rows(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for f, err := range d.Files(ctx) {
			if err != nil {
				yield(zero, err)
				return
			}
			for r, err := range d.ReadFile(ctx, f.Key) {
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}

// ReadFile yields the rows of one file of the dataset (key relative to the
// zone, as in File.Key), with the partition fields filled in by
// Options.SetPartition when it is set and key is in a partition directory.
// Objects without random access (S3) are copied to a temp file first.
// Memory is bounded by one page per column.
func (d *Dataset[T]) ReadFile(ctx context.Context, key string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var partVals []string
		if d.opts.SetPartition != nil {
			if rel, ok := strings.CutPrefix(key, d.name+"/"); ok {
				segs := strings.Split(rel, "/")
				if m, ok := d.partitionOf(segs[:len(segs)-1]); ok {
					for _, k := range d.opts.PartitionKeys {
						partVals = append(partVals, m[k])
					}
				}
			}
		}
		full := string(d.zone) + "/" + key
		bad := func(err error) {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			yield(zero, zones.NewError("read", full, zones.ErrInvalidInput, err))
		}
		rc, err := d.store.Get(ctx, d.zone, key)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rc.Close()
		var (
			ra   io.ReaderAt
			size int64
		)
		if ro, ok := rc.(zones.ReaderAtObject); ok {
			ra, size = ro, ro.Size()
		} else {
			tmp, err := os.CreateTemp(d.store.Options().TempDir, "cdpkit-read-*")
			if err != nil {
				yield(zero, zones.NewError("read", full, nil, err))
				return
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			if size, err = io.Copy(tmp, zones.CtxReader(ctx, rc)); err != nil {
				yield(zero, zones.NewError("read", full, nil, err))
				return
			}
			ra = tmp
		}
		pf, err := pqfile.Open(ra, size)
		if err != nil {
			bad(err)
			return
		}
		if err := d.compatible(pf.Schema()); err != nil {
			bad(err)
			return
		}
		r, err := newReader[T](pf)
		if err != nil {
			bad(err)
			return
		}
		defer r.Close()
		buf := make([]T, 256)
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, zones.NewError("read", full, nil, err))
				return
			}
			n, err := readRows(r, buf)
			for i := range n {
				if partVals != nil {
					d.opts.SetPartition(&buf[i], partVals)
				}
				if !yield(buf[i], nil) {
					return
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				if errors.Is(err, parquet.ErrInvalidConversion) {
					// parquet-go quotes the value it could not convert.
					err = errors.New("a value does not convert to the Go field's type")
				}
				bad(err)
				return
			}
		}
	}
}

// compatible checks that a file can be read into T: every required
// column of T is in the file, and every column of T the file has is of the
// same physical type. (parquet-go would otherwise yield zero values for
// missing columns, and its conversion errors quote the offending value.)
// Extra columns in the file, and missing optional or repeated ones, are
// fine. Messages name columns, never values.
func (d *Dataset[T]) compatible(fs *parquet.Schema) error {
	for _, p := range d.pschema.Columns() {
		want, _ := d.pschema.Lookup(p...)
		name := strings.Join(p, ".")
		got, ok := fs.Lookup(p...)
		if !ok {
			if want.MaxDefinitionLevel == 0 {
				return fmt.Errorf("file has no column %q", name)
			}
			continue
		}
		if wk, gk := want.Node.Type().Kind(), got.Node.Type().Kind(); wk != gk {
			return fmt.Errorf("column %q is %v in the file, %v in the Go type", name, gk, wk)
		}
	}
	return nil
}

// newReader and readRows turn parquet-go panics on corrupt or mismatched
// files into errors: library code must not panic on input.
func newReader[T any](f *parquet.File) (r *parquet.GenericReader[T], err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot read file: %v", p)
		}
	}()
	return parquet.NewGenericReader[T](f), nil
}

func readRows[T any](r *parquet.GenericReader[T], buf []T) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			n, err = 0, fmt.Errorf("corrupt file: %v", p)
		}
	}()
	return r.Read(buf)
}
