package sqlgen

import (
	"fmt"
	"strings"
)

// A Table is one table a plan creates: its name and the SELECT that fills
// it, without the CREATE TABLE around it. Executors that write the CTAS
// themselves (to choose a storage location per attempt, as athenarun does)
// build their plans from Tables instead of from Setup, Step and Finish.
type Table struct {
	Name  string
	Query string
}

// Config returns the plan's configuration with its defaults filled in.
func (p *Plan) Config() Config { return p.cfg }

// Dialect returns the plan's dialect.
func (p *Plan) Dialect() Dialect { return p.d }

// Nodes returns the node table: every record numbered.
func (p *Plan) Nodes() Table { return p.table(p.nodes(), p.Setup()[1]) }

// Edges returns the edge table: the links of the match rules.
func (p *Plan) Edges() Table { return p.table(p.edges(), p.Setup()[3]) }

// Labels returns label table i: for i = 0 every node its own label, for
// i > 0 the labels after iteration i (computed from table i-1).
func (p *Plan) Labels(i int) Table {
	if i == 0 {
		return p.table(p.CC(0), p.Setup()[5])
	}
	return p.table(p.CC(i), p.Step(i)[1])
}

// Output returns the output table filled from label table i, the last
// iteration.
func (p *Plan) Output(i int) Table { return p.table(p.cfg.Output, p.Finish(i)[1]) }

// Drop returns the statement that drops table name if it exists.
func (p *Plan) Drop(name string) string { return drop(name) }

// table takes the SELECT out of stmt, the CTAS this package generated for
// name: the prefix is the one ctas writes, so cutting it is exact.
func (p *Plan) table(name, stmt string) Table {
	q, ok := strings.CutPrefix(stmt, p.ctas(name, ""))
	if !ok {
		// Unreachable: stmt comes from p.ctas(name, ...).
		panic(fmt.Sprintf("sqlgen: statement for %s is not its CTAS", name))
	}
	return Table{Name: name, Query: q}
}
