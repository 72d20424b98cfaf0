package sqlgen_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/identity/sqlgen"
)

// NodesBySource numbers every record as Nodes does, on an engine.
func TestNodesBySource(t *testing.T) {
	recs := genRecords(3, 400)
	recs = append(recs, recs[0]) // a record met twice
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	load(t, db, recs)
	if _, err := db.ExecContext(t.Context(), "INSERT INTO identifiers VALUES (NULL, 'k-null', 'EMAIL', 'x')"); err != nil {
		t.Fatal(err)
	}
	p, err := sqlgen.New(sqlgen.SQLite, config())
	if err != nil {
		t.Fatal(err)
	}
	rows := func(q string) []string {
		rs, err := db.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var src sql.NullString
			var key string
			var node int64
			if err := rs.Scan(&src, &key, &node); err != nil {
				t.Fatal(err)
			}
			out = append(out, src.String+"/"+strconv.FormatBool(src.Valid)+"/"+key+"="+strconv.FormatInt(node, 10))
		}
		slices.Sort(out)
		return out
	}
	want, got := rows(p.Nodes().Query), rows(p.NodesBySource().Query)
	if len(want) != 401 || !slices.Equal(want, got) {
		t.Errorf("NodesBySource numbers %d records differently from Nodes' %d", len(got), len(want))
	}
	if p.NodesBySource().Name != p.Nodes().Name {
		t.Error("NodesBySource names another table")
	}
}
