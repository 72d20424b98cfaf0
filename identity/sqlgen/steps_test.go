package sqlgen_test

import (
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/identity/sqlgen"
)

// The tables give back the plan's statements: each CTAS of Setup, Step and
// Finish ends with its table's query, and no query keeps a CREATE.
func TestTables(t *testing.T) {
	for _, d := range []sqlgen.Dialect{sqlgen.Athena, sqlgen.Spark, sqlgen.SQLite} {
		cfg := config()
		cfg.Location = "s3://bucket/run/"
		p, err := sqlgen.New(d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		setup := p.Setup()
		cases := []struct {
			tab  sqlgen.Table
			stmt string
			name string
		}{
			{p.Nodes(), setup[1], "idr_nodes"},
			{p.Edges(), setup[3], "idr_edges"},
			{p.Labels(0), setup[5], "idr_cc_0"},
			{p.Labels(3), p.Step(3)[1], "idr_cc_3"},
			{p.Output(3), p.Finish(3)[1], "resolved"},
		}
		for _, c := range cases {
			if c.tab.Name != c.name {
				t.Errorf("%v: table %q, want %q", d, c.tab.Name, c.name)
			}
			if strings.Contains(c.tab.Query, "CREATE") || !strings.HasSuffix(c.stmt, "\n"+c.tab.Query) || !strings.HasPrefix(c.stmt, "CREATE TABLE "+c.name+" ") {
				t.Errorf("%v: %s: query is not the tail of its CTAS", d, c.name)
			}
		}
		if got := p.Drop("x"); got != "DROP TABLE IF EXISTS x" {
			t.Errorf("Drop = %q", got)
		}
		if p.Config().Prefix != "idr_" || p.Config().MaxIterations != 64 || p.Dialect() != d {
			t.Errorf("%v: Config/Dialect do not return the defaults", d)
		}
	}
}
