package sqlgen

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/identity"
)

// Dialect selects the SQL flavour.
type Dialect int

const (
	// Athena is Amazon Athena engine v3 (Trino): CTAS with
	// WITH (format = 'PARQUET'[, external_location = ...]).
	Athena Dialect = iota
	// Spark is Spark SQL 3 (Glue, EMR): CTAS with USING PARQUET.
	Spark
	// SQLite is for tests on an embedded engine: plain CTAS.
	SQLite
)

func (d Dialect) String() string {
	switch d {
	case Athena:
		return "athena"
	case Spark:
		return "spark"
	case SQLite:
		return "sqlite"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

var (
	// ErrInvalidInput is the kind of configurations that cannot be
	// generated. It matches cdpkit.ErrInvalid.
	ErrInvalidInput = cdpkit.NewKind("sqlgen: invalid input", cdpkit.ErrInvalid)
	// ErrNotConverged means the connected-components loop hit MaxIterations
	// with labels still changing. It matches cdpkit.ErrLimitExceeded.
	ErrNotConverged = cdpkit.NewKind("sqlgen: not converged", cdpkit.ErrLimitExceeded)
)

// Config describes the input tables and the resolution to generate.
type Config struct {
	// Records is a table (or view) with columns source, record_key: every
	// record, including those without identifiers.
	Records string
	// Identifiers is a table with columns source, record_key, kind, value:
	// one row per identifier occurrence (normalized or hashed values).
	Identifiers string
	// Output is the table created with columns source, record_key,
	// cluster_source, cluster_key: each record with the smallest record
	// (by source, then key) of its cluster, a cluster key independent of
	// input order.
	Output string
	// Prefix names the working tables: <Prefix>nodes, <Prefix>edges,
	// <Prefix>cc_<i>. Default "idr_".
	Prefix string
	// Location is, for Athena, the S3 prefix under which each created table
	// gets its own external_location (<Location><table>/). Empty uses the
	// workgroup's default location. Athena's DROP TABLE leaves the S3
	// objects behind and CTAS refuses a non-empty location, so use a
	// per-run prefix (e.g. one with the run id) and expire it with a
	// lifecycle rule.
	Location string

	// Rules, Blocked, DegreeCap and DefaultDegreeCap mean what they mean
	// in identity.Options. Rules must not be empty.
	Rules            []identity.Rule
	Blocked          map[string][]string
	DegreeCap        map[string]int
	DefaultDegreeCap int

	// MaxIterations bounds the connected-components loop. Default 64.
	MaxIterations int
}

// Plan is the generated SQL: setup statements, one step per iteration of
// the connected-components loop, a convergence query and the finish.
//
// The loop is min-label propagation with pointer jumping: each step gives
// every record the smallest label among itself and its neighbours, then the
// label of that label. Labels only decrease and stay inside a component, so
// at the fixed point every component carries its smallest node number.
// Athena caps recursive CTEs at depth 10, so the loop is driven by the
// client: one CTAS per iteration, as Run does.
type Plan struct {
	d   Dialect
	cfg Config
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// New checks cfg and returns its plan. Guards that depend on the order
// edges are made in (identity's limits, cluster-size cap and overrides)
// have no set-based SQL form and are not accepted here: run those
// resolutions in Go.
func New(d Dialect, cfg Config) (*Plan, error) {
	if d < Athena || d > SQLite {
		return nil, fmt.Errorf("%w: unknown dialect %d", ErrInvalidInput, d)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "idr_"
	}
	if cfg.MaxIterations <= 0 {
		cfg.MaxIterations = 64
	}
	for _, t := range []string{cfg.Records, cfg.Identifiers, cfg.Output, cfg.Prefix + "x"} {
		if !ident.MatchString(t) {
			return nil, fmt.Errorf("%w: table name %q is not a plain identifier", ErrInvalidInput, t)
		}
	}
	if len(cfg.Rules) == 0 {
		return nil, fmt.Errorf("%w: no rules", ErrInvalidInput)
	}
	names := map[string]bool{}
	for _, r := range cfg.Rules {
		if r.Name == "" || names[r.Name] || len(r.Kinds) == 0 || r.MaxDegree < 0 {
			return nil, fmt.Errorf("%w: rule %q: needs a unique name and kinds", ErrInvalidInput, r.Name)
		}
		names[r.Name] = true
	}
	return &Plan{d: d, cfg: cfg}, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (p *Plan) strType() string {
	switch p.d {
	case Spark:
		return "STRING"
	case SQLite:
		return "TEXT"
	}
	return "VARCHAR"
}

// ctas is the one statement that differs by dialect.
func (p *Plan) ctas(table, query string) string {
	switch p.d {
	case Athena:
		with := "format = 'PARQUET'"
		if p.cfg.Location != "" {
			with += ", external_location = " + quote(strings.TrimSuffix(p.cfg.Location, "/")+"/"+table+"/")
		}
		return "CREATE TABLE " + table + " WITH (" + with + ") AS\n" + query
	case Spark:
		return "CREATE TABLE " + table + " USING PARQUET AS\n" + query
	}
	return "CREATE TABLE " + table + " AS\n" + query
}

func drop(table string) string { return "DROP TABLE IF EXISTS " + table }

func (p *Plan) nodes() string { return p.cfg.Prefix + "nodes" }
func (p *Plan) edges() string { return p.cfg.Prefix + "edges" }

// CC returns the name of iteration i's label table.
func (p *Plan) CC(i int) string { return p.cfg.Prefix + "cc_" + strconv.Itoa(i) }

func (p *Plan) degree(r identity.Rule) int {
	if r.MaxDegree > 0 {
		return r.MaxDegree
	}
	if len(r.Kinds) == 1 {
		if c := p.cfg.DegreeCap[r.Kinds[0]]; c > 0 {
			return c
		}
	}
	return p.cfg.DefaultDegreeCap
}

// occurrence selects (v, node) for one kind of one rule: blocked and empty
// values removed, scoped to the rule's sources.
func (p *Plan) occurrence(r identity.Rule, kind, alias string) string {
	var w []string
	w = append(w, alias+".kind = "+quote(kind), alias+".value IS NOT NULL", alias+".value <> ''")
	if bl := p.cfg.Blocked[kind]; len(bl) > 0 {
		qs := make([]string, len(bl))
		for i, b := range bl {
			qs[i] = quote(b)
		}
		w = append(w, alias+".value NOT IN ("+strings.Join(qs, ", ")+")")
	}
	if len(r.Sources) > 0 {
		qs := make([]string, len(r.Sources))
		for i, s := range r.Sources {
			qs[i] = quote(s)
		}
		slices.Sort(qs)
		w = append(w, alias+".source IN ("+strings.Join(qs, ", ")+")")
	}
	return strings.Join(w, " AND ")
}

// ruleValues selects DISTINCT (v, node) for a rule. A conjunctive rule's
// value is the length-prefixed concatenation of its kinds' values, which is
// injective, as identity's encoding is.
func (p *Plan) ruleValues(r identity.Rule) string {
	if len(r.Kinds) == 1 {
		return "SELECT DISTINCT i.value AS v, n.node FROM " + p.cfg.Identifiers + " i JOIN " + p.nodes() +
			" n ON n.source = i.source AND n.record_key = i.record_key WHERE " + p.occurrence(r, r.Kinds[0], "i")
	}
	var parts, from, where []string
	for j, k := range r.Kinds {
		a := "i" + strconv.Itoa(j)
		parts = append(parts, "CAST(length("+a+".value) AS "+p.strType()+") || ':' || "+a+".value")
		if j == 0 {
			from = append(from, p.cfg.Identifiers+" "+a)
		} else {
			from = append(from, "JOIN "+p.cfg.Identifiers+" "+a+" ON "+a+".source = i0.source AND "+a+".record_key = i0.record_key")
		}
		where = append(where, p.occurrence(r, k, a))
	}
	return "SELECT DISTINCT " + strings.Join(parts, " || '|' || ") + " AS v, n.node FROM " + strings.Join(from, " ") +
		" JOIN " + p.nodes() + " n ON n.source = i0.source AND n.record_key = i0.record_key WHERE " + strings.Join(where, " AND ")
}

// Setup returns the statements that build the node, edge and first label
// tables. Node numbers come from one ROW_NUMBER over all records: a single
// sort, fine up to a few hundred million records on Athena or Spark.
func (p *Plan) Setup() []string {
	nodes := "SELECT source, record_key, ROW_NUMBER() OVER (ORDER BY source, record_key) AS node FROM (SELECT DISTINCT source, record_key FROM " +
		p.cfg.Records + " UNION SELECT DISTINCT source, record_key FROM " + p.cfg.Identifiers + ") r"
	var ctes, sel []string
	for j, r := range p.cfg.Rules {
		o := "r" + strconv.Itoa(j)
		ctes = append(ctes, o+" AS ("+p.ruleValues(r)+")")
		having := "COUNT(*) >= 2"
		if c := p.degree(r); c > 0 {
			having += " AND COUNT(*) <= " + strconv.Itoa(c)
		}
		ctes = append(ctes, o+"m AS (SELECT v, MIN(node) AS hub FROM "+o+" GROUP BY v HAVING "+having+")")
		sel = append(sel, "SELECT "+o+".node AS src, "+o+"m.hub AS dst, "+quote(r.Name)+" AS rule FROM "+o+" JOIN "+o+"m ON "+o+".v = "+o+"m.v WHERE "+o+".node <> "+o+"m.hub")
	}
	edges := "WITH " + strings.Join(ctes, ",\n") + "\n" + strings.Join(sel, "\nUNION ALL\n")
	return []string{
		drop(p.nodes()), p.ctas(p.nodes(), nodes),
		drop(p.edges()), p.ctas(p.edges(), edges),
		drop(p.CC(0)), p.ctas(p.CC(0), "SELECT node, node AS label FROM "+p.nodes()),
	}
}

// Step returns the statements that compute label table i from i-1.
func (p *Plan) Step(i int) []string {
	prev, cur := p.CC(i-1), p.CC(i)
	q := "WITH nb AS (\n" +
		"  SELECT node, label FROM " + prev + "\n" +
		"  UNION ALL SELECT e.src AS node, c.label FROM " + p.edges() + " e JOIN " + prev + " c ON c.node = e.dst\n" +
		"  UNION ALL SELECT e.dst AS node, c.label FROM " + p.edges() + " e JOIN " + prev + " c ON c.node = e.src\n" +
		"), m AS (SELECT node, MIN(label) AS label FROM nb GROUP BY node)\n" +
		"SELECT a.node, CASE WHEN b.label < a.label THEN b.label ELSE a.label END AS label FROM m a LEFT JOIN m b ON b.node = a.label"
	return []string{drop(cur), p.ctas(cur, q)}
}

// Changed returns the query counting labels that changed in iteration i.
func (p *Plan) Changed(i int) string {
	return "SELECT COUNT(*) FROM " + p.CC(i) + " a JOIN " + p.CC(i-1) + " b ON a.node = b.node WHERE a.label <> b.label"
}

// Finish returns the statements that write the output from label table i
// and drop the working tables.
func (p *Plan) Finish(i int) []string {
	q := "SELECT n.source, n.record_key, h.source AS cluster_source, h.record_key AS cluster_key FROM " + p.nodes() +
		" n JOIN " + p.CC(i) + " c ON c.node = n.node JOIN " + p.nodes() + " h ON h.node = c.label"
	out := []string{drop(p.cfg.Output), p.ctas(p.cfg.Output, q)}
	return append(out, drop(p.CC(i)), drop(p.CC(i-1)), drop(p.edges()), drop(p.nodes()))
}

// Script renders the whole plan for n iterations, for review or for
// engines driven by hand.
func (p *Plan) Script(n int) string {
	var b strings.Builder
	write := func(ss []string) {
		for _, s := range ss {
			b.WriteString(s)
			b.WriteString(";\n")
		}
	}
	write(p.Setup())
	for i := 1; i <= n; i++ {
		write(p.Step(i))
		b.WriteString("-- converged when this is 0:\n")
		write([]string{p.Changed(i)})
		if i > 1 {
			write([]string{drop(p.CC(i - 2))})
		}
	}
	write(p.Finish(n))
	return b.String()
}

// Executor runs statements on an engine. For Athena, implement it with
// StartQueryExecution and polling (GetQueryExecution, GetQueryResults).
type Executor interface {
	Exec(ctx context.Context, query string) error
	QueryInt64(ctx context.Context, query string) (int64, error)
}

// DB adapts a database/sql handle (any driver) to Executor.
type DB struct{ DB *sql.DB }

func (d DB) Exec(ctx context.Context, q string) error { _, err := d.DB.ExecContext(ctx, q); return err }

func (d DB) QueryInt64(ctx context.Context, q string) (int64, error) {
	var n int64
	err := d.DB.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// Run executes the plan: setup, steps until no label changes, finish. It
// returns the number of iterations. Statement errors are returned wrapped
// with the step they came from.
func (p *Plan) Run(ctx context.Context, ex Executor) (int, error) {
	exec := func(stage string, ss []string) error {
		for _, s := range ss {
			if err := ex.Exec(ctx, s); err != nil {
				return fmt.Errorf("sqlgen: %s: %w", stage, err)
			}
		}
		return nil
	}
	if err := exec("setup", p.Setup()); err != nil {
		return 0, err
	}
	for i := 1; i <= p.cfg.MaxIterations; i++ {
		if err := exec("step "+strconv.Itoa(i), p.Step(i)); err != nil {
			return i, err
		}
		n, err := ex.QueryInt64(ctx, p.Changed(i))
		if err != nil {
			return i, fmt.Errorf("sqlgen: step %d: %w", i, err)
		}
		if i > 1 {
			if err := exec("step "+strconv.Itoa(i), []string{drop(p.CC(i - 2))}); err != nil {
				return i, err
			}
		}
		if n == 0 {
			return i, exec("finish", p.Finish(i))
		}
	}
	return p.cfg.MaxIterations, fmt.Errorf("%w after %d iterations", ErrNotConverged, p.cfg.MaxIterations)
}
