package athenatest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// maxPartitions is the number of partitions one CTAS or INSERT INTO may
// write (HIVE_TOO_MANY_OPEN_PARTITIONS past it).
const maxPartitions = 100

// outcome is what a statement did on the engine, to be published under
// a.mu: an open transaction to commit, files to write, catalog changes,
// and the query's result and statistics; or the query's error.
type outcome struct {
	d   *database
	err error
	// tx holds the statement's changes to the engine until publish
	// commits it (or rollback undoes it).
	tx *sql.Tx

	stmtType types.StatementType
	subType  string
	cols     []types.ColumnInfo
	rows     [][]*string
	update   *int64
	scanned  int64

	puts        []object
	mustBeEmpty string // a CTAS's location, checked again at publish
	create      *table // added to the catalog
	drop        string // removed from the catalog
	grow        *table // an INSERT INTO's table, growBytes larger
	growBytes   int64
}

type object struct {
	bucket, key string
	body        []byte
}

// rollback undoes the statement's changes to the engine, if any.
func (o *outcome) rollback() {
	if o.tx != nil {
		_ = o.tx.Rollback()
		o.tx = nil
	}
}

// execute runs q's statement on d's engine. It is called without a.mu,
// holding d's turn: d's catalog (d.tables) changes only under the turn,
// so reading it here needs no lock. Whatever the statement changes is
// left in the outcome for publish.
func (a *Athena) execute(ctx context.Context, q *query, d *database) *outcome {
	o := &outcome{d: d}
	if err := a.statement(ctx, q, d, o); err != nil {
		o.rollback()
		o.err = err
	}
	return o
}

func (a *Athena) statement(ctx context.Context, q *query, d *database, o *outcome) error {
	st, err := parse(q.sql)
	if err != nil {
		return err
	}
	if st.table != "" {
		db, t, ok := strings.Cut(st.table, ".")
		if ok {
			if db != q.db {
				return userError("NOT_SUPPORTED", "the fake runs statements on the query's own database only")
			}
			st.table = t
		}
	}
	tables := func(n string) bool { _, ok := d.tables[n]; return ok }
	refs := map[string]bool{}
	var sel string
	if st.query != nil {
		if sel, err = translate(st.query, q.db, tables, refs); err != nil {
			return err
		}
	}
	switch st.kind {
	case "select":
		o.stmtType, o.subType = types.StatementTypeDml, "SELECT"
		cols, rows, err := selectRows(ctx, d.db, sel)
		if err != nil {
			return err
		}
		o.cols, o.rows = cols, rows
		o.scanned = d.scanned(refs)
		if p, ok := resultFile(q, cols, rows); ok {
			o.puts = append(o.puts, p)
		}
	case "drop":
		o.stmtType, o.subType = types.StatementTypeDdl, "DROP_TABLE"
		if d.tables[st.table] == nil {
			if st.ifExists {
				return nil
			}
			return userError("TABLE_NOT_FOUND", "Table '%s.%s' does not exist", q.db, st.table)
		}
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		o.tx = tx
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+quoteIdent(st.table)); err != nil {
			return err
		}
		o.drop = st.table // the files stay, as on Athena
	case "ctas":
		o.stmtType, o.subType = types.StatementTypeDdl, "CREATE_TABLE_AS_SELECT"
		return a.ctas(ctx, q, d, st, sel, refs, o)
	case "insert":
		o.stmtType, o.subType = types.StatementTypeDml, "INSERT"
		return a.insert(ctx, q, d, st, sel, refs, o)
	}
	return nil
}

func (d *database) scanned(refs map[string]bool) int64 {
	var n int64
	for r := range refs {
		if t := d.tables[r]; t != nil {
			n += t.bytes
		}
	}
	return n
}

func pathExists(q *query, table, loc string) error {
	return userError("HIVE_PATH_ALREADY_EXISTS", "Target directory for table '%s.%s' already exists: %s. You may need to manually clean the data at location '%s' before retrying.", q.db, table, loc, loc)
}

func (a *Athena) ctas(ctx context.Context, q *query, d *database, st *statement, sel string, refs map[string]bool, o *outcome) error {
	if d.tables[st.table] != nil {
		return userError("ALREADY_EXISTS", "Table '%s.%s' already exists", q.db, st.table)
	}
	if f, ok := st.props["format"]; ok && !slices.Contains([]string{"parquet", "orc", "avro", "json", "textfile"}, strings.ToLower(f.str)) {
		return userError("INVALID_TABLE_PROPERTY", "Unknown format")
	}
	loc := strings.TrimSuffix(q.output, "/") + "/tables/" + q.id + "/"
	if p, ok := st.props["external_location"]; ok {
		loc = p.str
	}
	bucket, key, ok := splitURI(loc)
	if !ok {
		return userError("INVALID_TABLE_PROPERTY", "external_location is not an s3:// location")
	}
	if len(a.opts.S3.Keys(bucket, key)) > 0 {
		return pathExists(q, st.table, loc)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	o.tx = tx // a failure below rolls the table back
	if _, err := tx.ExecContext(ctx, "CREATE TABLE "+quoteIdent(st.table)+" AS "+sel); err != nil {
		return err
	}
	t, err := describe(ctx, tx, st.table)
	if err != nil {
		return err
	}
	t.location, t.created = loc, a.opts.Now()
	part := st.props["partitioned_by"].list
	if len(part) > 0 {
		if len(part) >= len(t.columns) {
			return userError("INVALID_TABLE_PROPERTY", "a table must have at least one column that is not a partition column")
		}
		tail := t.columns[len(t.columns)-len(part):]
		for i, p := range part {
			if aws.ToString(tail[i].Name) != p {
				return userError("INVALID_TABLE_PROPERTY", "partition columns must be the last columns of the SELECT, in partitioned_by order")
			}
		}
		t.partition = tail
		t.columns = t.columns[:len(t.columns)-len(part)]
	}
	files, rows, err := tableFiles(ctx, tx, "SELECT * FROM "+quoteIdent(st.table), t.columns, len(part))
	if err != nil {
		return err
	}
	if len(files) > maxPartitions {
		return &queryError{code: "HIVE_TOO_MANY_OPEN_PARTITIONS", msg: fmt.Sprintf("Exceeded limit of %d open writers for partitions/buckets", maxPartitions), category: 2, typ: 1301}
	}
	for dir, f := range files {
		o.puts = append(o.puts, object{bucket, key + dir + q.id + "_00000", f.body})
		t.bytes += int64(len(f.body))
	}
	o.scanned = d.scanned(refs)
	o.update = aws.Int64(rows)
	o.create, o.mustBeEmpty = t, loc
	return nil
}

func (a *Athena) insert(ctx context.Context, q *query, d *database, st *statement, sel string, refs map[string]bool, o *outcome) error {
	t := d.tables[st.table]
	if t == nil {
		return userError("TABLE_NOT_FOUND", "Table '%s.%s' does not exist", q.db, st.table)
	}
	bucket, key, _ := splitURI(t.location)
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	o.tx = tx // a failure below rolls the rows back
	if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE athenatest_insert AS "+sel); err != nil {
		return err
	}
	files, rows, err := tableFiles(ctx, tx, "SELECT * FROM athenatest_insert", t.columns, len(t.partition))
	if err != nil {
		return err
	}
	if len(files) > maxPartitions {
		return &queryError{code: "HIVE_TOO_MANY_OPEN_PARTITIONS", msg: fmt.Sprintf("Exceeded limit of %d open writers for partitions/buckets", maxPartitions), category: 2, typ: 1301}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+quoteIdent(st.table)+" SELECT * FROM athenatest_insert"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE temp.athenatest_insert"); err != nil {
		return err
	}
	o.grow = t
	for dir, f := range files {
		o.puts = append(o.puts, object{bucket, key + dir + q.id + "_00000", f.body})
		o.growBytes += int64(len(f.body))
	}
	o.scanned = d.scanned(refs)
	o.update = aws.Int64(rows)
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type file struct {
	rows []parquet.Row
	body []byte
}

// tableFiles renders the rows of query as the files a CTAS or INSERT
// writes: Parquet with Snappy, one file per partition (the last nPart
// columns, which go in the Hive path segments col=value/ and not in the
// file). cols are the data columns with their Athena types.
func tableFiles(ctx context.Context, db queryer, query string, cols []types.Column, nPart int) (map[string]*file, int64, error) {
	rs, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, 0, err
	}
	defer rs.Close()
	names, err := rs.Columns()
	if err != nil {
		return nil, 0, err
	}
	if len(names) != len(cols)+nPart {
		return nil, 0, fmt.Errorf("athenatest: %d columns for %d data and %d partition columns", len(names), len(cols), nPart)
	}
	group := parquet.Group{}
	for _, c := range cols {
		var leaf parquet.Node
		switch aws.ToString(c.Type) {
		case "bigint", "integer", "int", "smallint", "tinyint", "boolean":
			leaf = parquet.Leaf(parquet.Int64Type)
		case "double", "real":
			leaf = parquet.Leaf(parquet.DoubleType)
		default:
			leaf = parquet.String()
		}
		group[aws.ToString(c.Name)] = parquet.Optional(leaf)
	}
	schema := parquet.NewSchema("athenatest", group)
	index := make([]int, len(cols))
	for i, c := range cols {
		leaf, _ := schema.Lookup(aws.ToString(c.Name))
		index[i] = leaf.ColumnIndex
	}
	files := map[string]*file{}
	var n int64
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		n++
		dir := ""
		for i := len(cols); i < len(names); i++ {
			v := ""
			if s := format(vals[i]); s != nil {
				v = *s
			}
			dir += names[i] + "=" + url.PathEscape(v) + "/"
		}
		f := files[dir]
		if f == nil {
			f = &file{}
			files[dir] = f
		}
		row := make(parquet.Row, len(cols))
		for i := range cols {
			var v parquet.Value
			switch x := vals[i].(type) {
			case nil:
				row[index[i]] = parquet.Value{}.Level(0, 0, index[i])
				continue
			case int64:
				v = parquet.Int64Value(x)
			case float64:
				if group[aws.ToString(cols[i].Name)].Type().Kind() == parquet.Int64 {
					v = parquet.Int64Value(int64(x))
				} else {
					v = parquet.DoubleValue(x)
				}
			case []byte:
				v = parquet.ByteArrayValue(x)
			case string:
				v = parquet.ByteArrayValue([]byte(x))
			default:
				v = parquet.ByteArrayValue([]byte(fmt.Sprint(x)))
			}
			row[index[i]] = v.Level(0, 1, index[i])
		}
		f.rows = append(f.rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, 0, err
	}
	if len(files) == 0 && nPart == 0 {
		files[""] = &file{}
	}
	for _, f := range files {
		var b bytes.Buffer
		w := parquet.NewWriter(&b, schema, parquet.Compression(&snappy.Codec{}), parquet.PageBufferSize(16<<10))
		if _, err := w.WriteRows(f.rows); err != nil {
			return nil, 0, err
		}
		if err := w.Close(); err != nil {
			return nil, 0, err
		}
		f.body, f.rows = b.Bytes(), nil
	}
	return files, n, nil
}

// describe reads a created table's columns with Athena types.
func describe(ctx context.Context, db queryer, name string) (*table, error) {
	rs, err := db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?)", name)
	if err != nil {
		return nil, err
	}
	type col struct{ name, decl string }
	var cols []col
	for rs.Next() {
		var c col
		if err := rs.Scan(&c.name, &c.decl); err != nil {
			rs.Close()
			return nil, err
		}
		cols = append(cols, c)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, err
	}
	t := &table{name: name}
	for _, c := range cols {
		typ := ""
		switch strings.ToUpper(c.decl) {
		case "INT", "INTEGER":
			typ = "bigint"
		case "TEXT":
			typ = "varchar"
		case "REAL":
			typ = "double"
		default:
			var sample sql.NullString
			err := db.QueryRowContext(ctx, "SELECT typeof("+quoteIdent(c.name)+") FROM "+quoteIdent(name)+" WHERE "+quoteIdent(c.name)+" IS NOT NULL LIMIT 1").Scan(&sample)
			if err != nil && err != sql.ErrNoRows {
				return nil, err
			}
			typ = sqliteType(sample.String)
		}
		t.columns = append(t.columns, types.Column{Name: aws.String(strings.ToLower(c.name)), Type: aws.String(typ)})
	}
	return t, nil
}

func sqliteType(typeof string) string {
	switch typeof {
	case "integer":
		return "bigint"
	case "real":
		return "double"
	case "blob":
		return "varbinary"
	}
	return "varchar"
}

// format renders a value as Athena's result rows do: everything a
// string, NULL no value.
func format(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case []byte:
		s = string(x)
	case string:
		s = x
	default:
		s = fmt.Sprint(x)
	}
	return &s
}

// selectRows runs a SELECT and returns its columns (typed from the first
// non-NULL value of each, bigint for integers) and rows.
func selectRows(ctx context.Context, db *sql.DB, query string) ([]types.ColumnInfo, [][]*string, error) {
	rs, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	names, err := rs.Columns()
	if err != nil {
		return nil, nil, err
	}
	kinds := make([]string, len(names))
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rows := [][]*string{}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]*string, len(vals))
		for i, v := range vals {
			row[i] = format(v)
			if kinds[i] == "" && v != nil {
				switch v.(type) {
				case int64:
					kinds[i] = "integer"
				case float64:
					kinds[i] = "real"
				case []byte:
					kinds[i] = "blob"
				default:
					kinds[i] = "text"
				}
			}
		}
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, nil, err
	}
	cols := make([]types.ColumnInfo, len(names))
	for i, n := range names {
		typ := sqliteType(kinds[i])
		c := types.ColumnInfo{CatalogName: aws.String("hive"), Name: aws.String(strings.ToLower(n)), Label: aws.String(strings.ToLower(n)), Type: aws.String(typ), Nullable: types.ColumnNullableUnknown}
		switch typ {
		case "varchar":
			c.Precision, c.CaseSensitive = 2147483647, true
		case "bigint":
			c.Precision = 19
		case "double":
			c.Precision = 17
		}
		cols[i] = c
	}
	return cols, rows, nil
}

// resultFile is a SELECT's result file at its output location, as Athena
// writes it (<output>/<id>.csv, header first).
func resultFile(q *query, cols []types.ColumnInfo, rows [][]*string) (object, bool) {
	bucket, key, ok := splitURI(strings.TrimSuffix(q.output, "/") + "/" + q.id + ".csv")
	if !ok {
		return object{}, false
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = aws.ToString(c.Name)
	}
	_ = w.Write(head)
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, v := range r {
			if v != nil {
				rec[i] = *v
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return object{bucket, key, b.Bytes()}, true
}
