package sqlengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"iter"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Column is a column of a table or a result. Type is a Glue (Hive) type
// name: string, varchar(n), char(n), bigint, int, smallint, tinyint,
// double, float, boolean, date, timestamp, decimal(p,s) or binary.
type Column struct {
	Name string
	Type string
}

// Table is an input table: its name in SQL, its columns and its rows. Each
// row holds one value per column, in column order, as Go values of the
// column's type (see the package documentation); nil is NULL.
type Table struct {
	Name    string
	Columns []Column
	Rows    iter.Seq2[[]any, error]
}

// RowsOf returns rows as a sequence, for Table.Rows.
func RowsOf(rows [][]any) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Options configure Run and Stream. The zero value is the default.
type Options struct {
	// Params are the values of the query's named parameters, written
	// :name in the SQL (as in Clean Rooms analysis templates). Values are
	// Go values as in table rows.
	Params map[string]any
	// MaxRows, when positive, makes Run fail with an *Error of kind
	// ErrQuery once the result has more rows (a guard for fakes and tests;
	// Stream ignores it).
	MaxRows int
}

// Result is a query's complete result.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Run loads tables into a fresh in-memory database, runs query and returns
// every result row. The database is gone when Run returns.
func Run(ctx context.Context, query string, tables []Table, optFns ...func(*Options)) (*Result, error) {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	res := &Result{}
	err := stream(ctx, query, tables, o, func(cols []Column, rows iter.Seq2[[]any, error]) error {
		for r, err := range rows {
			if err != nil {
				return err
			}
			if o.MaxRows > 0 && len(res.Rows) >= o.MaxRows {
				return &Error{Op: "run", Kind: ErrQuery, Message: "result has more than " + strconv.Itoa(o.MaxRows) + " rows"}
			}
			res.Rows = append(res.Rows, r)
		}
		res.Columns = cols
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Expression columns have no declared type; name them from the values.
	for i := range res.Columns {
		if res.Columns[i].Type != "" {
			continue
		}
		res.Columns[i].Type = "string"
		for _, r := range res.Rows {
			if t := typeOfValue(r[i]); t != "" {
				res.Columns[i].Type = t
				break
			}
		}
	}
	return res, nil
}

// Stream loads tables, runs query and calls fn with the result columns and
// the rows as they are produced; the rows are valid only during fn, each
// one a new slice. The Type of a column the query computes (an aggregate,
// an expression) is taken from the first row's value ("" when that is
// NULL or there is no row). fn's error is returned as is.
func Stream(ctx context.Context, query string, tables []Table, fn func(cols []Column, rows iter.Seq2[[]any, error]) error, optFns ...func(*Options)) error {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	return stream(ctx, query, tables, o, fn)
}

func stream(ctx context.Context, query string, tables []Table, o Options, fn func([]Column, iter.Seq2[[]any, error]) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db := sql.OpenDB(connector{})
	defer db.Close()
	// Every connection to ":memory:" is its own database: keep one.
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return &Error{Op: "run", Err: err}
	}
	defer conn.Close()
	seen := map[string]bool{}
	for _, t := range tables {
		key := strings.ToLower(t.Name)
		if seen[key] {
			return tableErr("load", t.Name, "duplicate table name")
		}
		seen[key] = true
		if err := load(ctx, conn, t); err != nil {
			return err
		}
	}
	var args []any
	for _, k := range slices.Sorted(mapKeys(o.Params)) {
		v, err := bindValue(o.Params[k], "")
		if err != nil {
			return &Error{Op: "run", Kind: ErrQuery, Message: "parameter " + strconv.Quote(k) + ": " + err.Error()}
		}
		args = append(args, sql.Named(k, v))
	}
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return queryErr(ctx, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return queryErr(ctx, err)
	}
	cols := make([]Column, len(cts))
	decl := make([]string, len(cts))
	for i, ct := range cts {
		decl[i] = glueType(ct.DatabaseTypeName())
		cols[i] = Column{Name: ct.Name(), Type: decl[i]}
	}
	var rowErr error
	dest := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	readRow := func() ([]any, bool) {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				rowErr = queryErr(ctx, err)
				return nil, true
			}
			return nil, false
		}
		if err := rows.Scan(ptrs...); err != nil {
			rowErr = queryErr(ctx, err)
			return nil, true
		}
		out := make([]any, len(dest))
		for i, v := range dest {
			out[i] = fromEngine(v, decl[i])
		}
		return out, true
	}
	// Computed columns have no declared type: read the first row before fn
	// is called so their types are known from the start.
	r0, ok := readRow()
	if r0 != nil {
		for i := range cols {
			if cols[i].Type == "" {
				cols[i].Type = typeOfValue(r0[i])
			}
		}
	}
	all := func(yield func([]any, error) bool) {
		for r := r0; ok; r, ok = readRow() {
			if rowErr != nil {
				yield(nil, rowErr)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	if err := fn(cols, all); err != nil {
		return err
	}
	if rowErr != nil {
		return rowErr
	}
	if err := rows.Close(); err != nil {
		return queryErr(ctx, err)
	}
	return ctx.Err()
}

func mapKeys[K comparable, V any](m map[K]V) iter.Seq[K] {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// queryErr turns an engine error into ErrQuery with the engine's message,
// or returns the context's error when the query was interrupted by it.
func queryErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLite's error is not kept: it may quote a literal of the query.
		return &Error{Op: "run", Kind: ErrQuery, Message: withoutToken(engineMessage(se.Error()))}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: "run", Kind: ErrQuery, Message: err.Error(), Err: err}
}

// withoutToken drops the token SQLite quotes where parsing stopped
// (near "'2024-01-01'": syntax error; unrecognized token: "'…"): it may be
// a value of the query.
func withoutToken(msg string) string {
	switch {
	case strings.HasPrefix(msg, `near "`):
		if i := strings.LastIndex(msg, `": `); i >= len(`near `) {
			return msg[i+len(`": `):] + " (the token is not quoted)"
		}
		return "syntax error (the token is not quoted)"
	case strings.HasPrefix(msg, "unrecognized token"):
		return "unrecognized token (the token is not quoted)"
	}
	return msg
}

// engineMessage drops the result-code suffix sqlite adds (" (1)").
func engineMessage(msg string) string {
	if i := strings.LastIndex(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		if _, err := strconv.Atoi(msg[i+2 : len(msg)-1]); err == nil {
			msg = msg[:i]
		}
	}
	return strings.TrimPrefix(msg, "SQL logic error: ")
}

// maxVariables is SQLite's limit on the parameters of one statement
// (SQLITE_MAX_VARIABLE_NUMBER in the engine modernc.org/sqlite builds).
const maxVariables = 32766

// batchParams is about how many parameters one INSERT statement carries.
// modernc.org/sqlite looks each parameter up by a scan of the arguments
// (quadratic in their number), so beyond a few dozen a longer statement
// loads slower, not faster.
const batchParams = 64

// checkEvery is how many rows load reads between two looks at ctx.
const checkEvery = 1024

// load creates t and inserts its rows in one transaction, several rows per
// INSERT statement (about batchParams values).
//
// The statements run on a context without cancellation: modernc.org/sqlite
// starts a goroutine per statement that watches a cancellable context's Done
// channel, which cost as much CPU as the inserts themselves. load looks at
// ctx itself every checkEvery rows and before committing, so a cancelled load
// still ends within a batch or two; the query that follows runs on ctx and
// remains interruptible.
func load(ctx context.Context, conn *sql.Conn, t Table) error {
	if t.Name == "" {
		return tableErr("load", "", "table has no name")
	}
	if len(t.Columns) == 0 {
		return tableErr("load", t.Name, "table has no columns")
	}
	if len(t.Columns) > maxVariables {
		return tableErr("load", t.Name, "more than "+strconv.Itoa(maxVariables)+" columns")
	}
	types := make([]string, len(t.Columns))
	defs := make([]string, len(t.Columns))
	marks := make([]string, len(t.Columns))
	names := map[string]bool{}
	for i, c := range t.Columns {
		decl, norm, ok := sqliteType(c.Type)
		if !ok {
			return tableErr("load", t.Name, "column "+strconv.Quote(c.Name)+": unsupported type "+strconv.Quote(c.Type))
		}
		if c.Name == "" || names[strings.ToLower(c.Name)] {
			return tableErr("load", t.Name, "column "+strconv.Quote(c.Name)+": empty or duplicate name")
		}
		names[strings.ToLower(c.Name)] = true
		types[i] = norm
		defs[i] = quoteIdent(c.Name) + " " + decl
		marks[i] = "?"
	}
	lctx := context.WithoutCancel(ctx)
	if _, err := conn.ExecContext(lctx, "CREATE TABLE "+quoteIdent(t.Name)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return &Error{Op: "load", Table: t.Name, Kind: ErrTable, Message: engineMessage(err.Error()), Err: err}
	}
	if t.Rows == nil {
		return ctx.Err()
	}
	tx, err := conn.BeginTx(lctx, nil)
	if err != nil {
		return &Error{Op: "load", Table: t.Name, Err: err}
	}
	defer tx.Rollback()
	ncol := len(t.Columns)
	per := max(1, batchParams/ncol) // a row has at most maxVariables values
	insert := "INSERT INTO " + quoteIdent(t.Name) + " VALUES "
	tuple := "(" + strings.Join(marks, ", ") + ")"
	// One prepared statement for full batches; the last, shorter batch
	// gets its own.
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*ncol)
	first := 1 // the number of the batch's first row, for messages
	flush := func() error {
		k := len(args) / ncol
		if k == 0 {
			return nil
		}
		var err error
		if k == per {
			if full == nil {
				full, err = tx.PrepareContext(lctx, insert+strings.Repeat(tuple+",", k-1)+tuple)
				if err != nil {
					return &Error{Op: "load", Table: t.Name, Err: err}
				}
			}
			_, err = full.ExecContext(lctx, args...)
		} else {
			_, err = tx.ExecContext(lctx, insert+strings.Repeat(tuple+",", k-1)+tuple, args...)
		}
		if err != nil {
			return &Error{Op: "load", Table: t.Name, Kind: ErrTable, Message: "rows " + strconv.Itoa(first) + "-" + strconv.Itoa(first+k-1) + ": " + engineMessage(err.Error()), Err: err}
		}
		first += k
		args = args[:0]
		return nil
	}
	n := 0
	for row, err := range t.Rows {
		n++
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var e *Error
			if errors.As(err, &e) {
				return err
			}
			return &Error{Op: "load", Table: t.Name, Err: err}
		}
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(row) != ncol {
			return tableErr("load", t.Name, "row "+strconv.Itoa(n)+": "+strconv.Itoa(len(row))+" values for "+strconv.Itoa(ncol)+" columns")
		}
		for i, v := range row {
			b, err := bindValue(v, types[i])
			if err != nil {
				return tableErr("load", t.Name, "row "+strconv.Itoa(n)+" column "+strconv.Quote(t.Columns[i].Name)+": "+err.Error())
			}
			args = append(args, b)
		}
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return &Error{Op: "load", Table: t.Name, Err: err}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqliteType maps a Glue type to the declared SQLite type (which fixes its
// affinity and lets results carry the type back) and a normalised name.
func sqliteType(t string) (decl, norm string, ok bool) {
	lt := strings.ToLower(strings.TrimSpace(t))
	base, _, _ := strings.Cut(lt, "(")
	switch strings.TrimSpace(base) {
	case "string", "varchar", "char":
		return "TEXT", "string", true
	case "bigint", "long":
		return "BIGINT", "bigint", true
	case "int", "integer":
		return "INT", "int", true
	case "smallint":
		return "SMALLINT", "smallint", true
	case "tinyint":
		return "TINYINT", "tinyint", true
	case "double":
		return "DOUBLE", "double", true
	case "float", "real":
		return "FLOAT", "float", true
	case "decimal", "numeric":
		return "DECIMAL", "decimal", true
	case "boolean", "bool":
		return "BOOLEAN", "boolean", true
	case "date":
		return "DATE", "date", true
	case "timestamp":
		return "TIMESTAMP", "timestamp", true
	case "binary":
		return "BLOB", "binary", true
	}
	return "", "", false
}

// glueType maps a declared SQLite type back to a Glue type ("" for
// computed columns, which have none).
func glueType(decl string) string {
	base, _, _ := strings.Cut(strings.ToUpper(decl), "(")
	switch strings.TrimSpace(base) {
	case "":
		return ""
	case "TEXT", "VARCHAR", "CHAR", "CLOB":
		return "string"
	case "BIGINT", "INTEGER":
		return "bigint"
	case "INT":
		return "int"
	case "SMALLINT":
		return "smallint"
	case "TINYINT":
		return "tinyint"
	case "DOUBLE", "REAL":
		return "double"
	case "FLOAT":
		return "float"
	case "DECIMAL", "NUMERIC":
		return "decimal"
	case "BOOLEAN":
		return "boolean"
	case "DATE":
		return "date"
	case "TIMESTAMP", "DATETIME":
		return "timestamp"
	case "BLOB":
		return "binary"
	}
	return ""
}

func typeOfValue(v any) string {
	switch v.(type) {
	case int64:
		return "bigint"
	case float64:
		return "double"
	case string:
		return "string"
	case bool:
		return "boolean"
	case time.Time:
		return "timestamp"
	case []byte:
		return "binary"
	}
	return ""
}

const (
	dateLayout      = "2006-01-02"
	timestampLayout = "2006-01-02 15:04:05.999999"
)

// bindValue converts a Go value to what is stored for a column of type
// norm ("" when unknown: parameters).
func bindValue(v any, norm string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case *string:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *int64:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *float64:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *bool:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *time.Time:
		if x == nil {
			return nil, nil
		}
		v = *x
	}
	var (
		i     int64
		isInt = true
	)
	switch x := v.(type) {
	case int:
		i = int64(x)
	case int8:
		i = int64(x)
	case int16:
		i = int64(x)
	case int32:
		i = int64(x)
	case int64:
		i = x
	case uint8:
		i = int64(x)
	case uint16:
		i = int64(x)
	case uint32:
		i = int64(x)
	default:
		isInt = false
	}
	mismatch := func() error {
		return errors.New("a " + typeOfGo(v) + " value for a " + norm + " column")
	}
	switch norm {
	case "":
		switch x := v.(type) {
		case string, float64, []byte:
			return x, nil
		case float32:
			return float64(x), nil
		case bool:
			return x, nil
		case time.Time:
			return x.UTC().Format(timestampLayout), nil
		}
		if isInt {
			return i, nil
		}
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "bigint", "int", "smallint", "tinyint":
		if isInt {
			return i, nil
		}
	case "double", "float", "decimal":
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) {
				return nil, nil
			}
			return x, nil
		case float32:
			return float64(x), nil
		case *big.Rat:
			f, _ := x.Float64()
			return f, nil
		}
		if isInt {
			return i, nil
		}
	case "boolean":
		if b, ok := v.(bool); ok {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case "date":
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(dateLayout), nil
		}
		if s, ok := v.(string); ok {
			if _, err := time.Parse(dateLayout, s); err == nil {
				return s, nil
			}
			return nil, errors.New("a string that is not a date (yyyy-mm-dd)")
		}
	case "timestamp":
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(timestampLayout), nil
		}
	case "binary":
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	}
	return nil, mismatch()
}

func typeOfGo(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case float32, float64:
		return "float"
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint, uint64:
		return "integer"
	case time.Time:
		return "time"
	case []byte:
		return "bytes"
	}
	return "unsupported Go"
}

// fromEngine converts a scanned value to the Go type of the column's Glue
// type.
func fromEngine(v any, glue string) any {
	switch glue {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0
		case float64:
			return x != 0
		}
	case "date", "timestamp":
		switch x := v.(type) {
		case time.Time:
			return x.UTC()
		case string:
			for _, l := range []string{timestampLayout, dateLayout, time.RFC3339Nano} {
				if t, err := time.Parse(l, x); err == nil {
					return t
				}
			}
		}
	case "double", "float", "decimal":
		if x, ok := v.(int64); ok {
			return float64(x)
		}
	}
	return v
}

// connector opens connections to a private in-memory database on the
// package's driver, whose functions are registered on it alone.
type connector struct{}

func (connector) Connect(context.Context) (driver.Conn, error) {
	d, err := engine()
	if err != nil {
		return nil, err
	}
	return d.Open(":memory:")
}

func (connector) Driver() driver.Driver {
	d, _ := engine()
	return d
}
