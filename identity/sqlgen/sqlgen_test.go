package sqlgen_test

import (
	"database/sql"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/identity/internal/testrecords"
	"github.com/cdpkit/cdpkit/identity/sqlgen"
	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"
)

var update = flag.Bool("update", false, "rewrite golden files")

func digest(v string) string { return testrecords.Digest(v) }

func genRecords(seed uint64, n int) []identity.Record { return testrecords.Generate(seed, n) }

func config() sqlgen.Config {
	return sqlgen.Config{
		Records: "records", Identifiers: "identifiers", Output: "resolved",
		Rules: []identity.Rule{
			{Name: "customer", Kinds: []string{"CUSTOMER_ID"}},
			{Name: "email", Kinds: []string{"EMAIL"}},
			{Name: "phone-last-zip", Kinds: []string{"PHONE", "LAST", "ZIP"}},
			{Name: "phone-crm", Kinds: []string{"PHONE"}, Sources: []string{"crm", "calls"}},
		},
		Blocked:          map[string][]string{"EMAIL": {digest("e3"), digest("e5")}, "PHONE": {digest("p1")}},
		DegreeCap:        map[string]int{"PHONE": 4},
		DefaultDegreeCap: 6,
	}
}

func load(t *testing.T, db *sql.DB, recs []identity.Record) {
	t.Helper()
	ctx := t.Context()
	for _, s := range []string{
		"CREATE TABLE records (source TEXT, record_key TEXT)",
		"CREATE TABLE identifiers (source TEXT, record_key TEXT, kind TEXT, value TEXT)",
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO records VALUES (?, ?)", r.Source, r.Key); err != nil {
			t.Fatal(err)
		}
		for _, id := range r.Identifiers {
			if _, err := tx.ExecContext(ctx, "INSERT INTO identifiers VALUES (?, ?, ?, ?)", r.Source, r.Key, id.Kind, id.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func partition(groups map[string][]string) [][]string {
	var out [][]string
	for _, g := range groups {
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func TestSQLiteMatchesResolve(t *testing.T) {
	for _, n := range []int{200, 3000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			if n > 1000 && testing.Short() {
				t.Skip("large case skipped under -short")
			}
			recs := genRecords(uint64(n), n)
			cfg := config()
			res, err := identity.Resolve(t.Context(), func(yield func(identity.Record, error) bool) {
				for _, r := range recs {
					if !yield(r, nil) {
						return
					}
				}
			}, func(o *identity.Options) {
				o.Rules, o.Blocked, o.DegreeCap, o.DefaultDegreeCap = cfg.Rules, cfg.Blocked, cfg.DegreeCap, cfg.DefaultDegreeCap
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{}
			for p, refs := range res.Clusters() {
				for _, r := range refs {
					want[p] = append(want[p], r.String())
				}
			}

			db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "db.sqlite"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			load(t, db, recs)
			plan, err := sqlgen.New(sqlgen.SQLite, cfg)
			if err != nil {
				t.Fatal(err)
			}
			iters, err := plan.Run(t.Context(), sqlgen.DB{DB: db})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d records: converged in %d iterations", n, iters)
			rows, err := db.QueryContext(t.Context(), "SELECT source, record_key, cluster_source, cluster_key FROM resolved")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[string][]string{}
			for rows.Next() {
				var s, k, cs, ck string
				if err := rows.Scan(&s, &k, &cs, &ck); err != nil {
					t.Fatal(err)
				}
				got[cs+"/"+ck] = append(got[cs+"/"+ck], s+"/"+k)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			w, g := partition(want), partition(got)
			if d := cmp.Diff(w, g); d != "" {
				t.Errorf("SQL clusters differ from identity.Resolve: %d vs %d clusters", len(g), len(w))
			}
			// The cluster key is the smallest record of each cluster.
			for key, members := range got {
				if slices.Min(members) != key {
					t.Errorf("cluster key is not the smallest record")
					break
				}
			}
			var left int
			if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'idr_%'").Scan(&left); err != nil || left != 0 {
				t.Errorf("%d working tables left (err %v)", left, err)
			}
		})
	}
}

func TestChainNeedsManyIterations(t *testing.T) {
	// A chain of 40 records linked pairwise converges thanks to pointer
	// jumping in far fewer than 40 steps, and MaxIterations stops a loop.
	var recs []identity.Record
	for i := range 40 {
		recs = append(recs, identity.Record{Source: "s", Key: strconv.Itoa(i), Identifiers: []identity.Identifier{
			{Kind: "A", Value: strconv.Itoa(i / 2)}, {Kind: "B", Value: strconv.Itoa((i + 1) / 2)},
		}})
	}
	cfg := sqlgen.Config{Records: "records", Identifiers: "identifiers", Output: "resolved",
		Rules: []identity.Rule{{Name: "a", Kinds: []string{"A"}}, {Name: "b", Kinds: []string{"B"}}}}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	load(t, db, recs)
	plan, _ := sqlgen.New(sqlgen.SQLite, cfg)
	n, err := plan.Run(t.Context(), sqlgen.DB{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	var clusters int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(DISTINCT cluster_key) FROM resolved").Scan(&clusters); err != nil || clusters != 1 {
		t.Errorf("clusters = %d (err %v), want 1", clusters, err)
	}
	if n >= 20 {
		t.Errorf("chain of 40 took %d iterations", n)
	}
	cfg.MaxIterations = 2
	cfg.Output = "resolved2"
	plan, _ = sqlgen.New(sqlgen.SQLite, cfg)
	if _, err := plan.Run(t.Context(), sqlgen.DB{DB: db}); !errors.Is(err, sqlgen.ErrNotConverged) {
		t.Errorf("err = %v, want ErrNotConverged", err)
	}
}

func TestGoldenScripts(t *testing.T) {
	cfg := config()
	cfg.Location = "s3://bucket/curated/identity/"
	for _, d0 := range []sqlgen.Dialect{sqlgen.Athena, sqlgen.Spark, sqlgen.SQLite} {
		plan, err := sqlgen.New(d0, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := plan.Script(2)
		path := filepath.Join("testdata", d0.String()+".sql")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(string(want), got); d != "" {
			t.Errorf("%s script differs from %s (-want +got):\n%s", d0, path, d)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, c := range []func(*sqlgen.Config){
		func(c *sqlgen.Config) { c.Rules = nil },
		func(c *sqlgen.Config) { c.Records = "x; DROP TABLE y" },
		func(c *sqlgen.Config) { c.Rules = append(c.Rules, c.Rules[0]) },
	} {
		cfg := config()
		c(&cfg)
		if _, err := sqlgen.New(sqlgen.Athena, cfg); !errors.Is(err, sqlgen.ErrInvalidInput) {
			t.Errorf("err = %v", err)
		}
	}
}

var _ sqlgen.Executor = sqlgen.DB{}
