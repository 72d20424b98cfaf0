package sqlparse

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// parses lists queries of every shape the analysis rules govern; each must
// parse.
var parses = []string{
	`SELECT COUNT(DISTINCT a.hashed_email) AS n, b.segment FROM a INNER JOIN b ON a.hashed_email = b.hashed_email GROUP BY b.segment`,
	`select sum(spend) "total", avg(x) from t where region in ('eu', 'us') and x between 1 and 2 group by 1 having count(*) > 10 order by 1 desc nulls last`,
	`SELECT DISTINCT TOP 10 c.a, c.b FROM c JOIN d ON c.k = d.k OR c.k2 = d.k2 WHERE c.a LIKE 'x%' AND c.b IS NOT NULL LIMIT 100`,
	`SELECT TOP 5 DISTINCT a FROM t`,
	`WITH x AS (SELECT a, b FROM t), y (c) AS (SELECT c FROM u) SELECT * FROM x LEFT OUTER JOIN y ON x.a = y.c`,
	`SELECT CAST(a AS DECIMAL(10, 2)), a::varchar(20), CONVERT(INTEGER, b), TRY_CAST(c AS DOUBLE PRECISION) FROM t`,
	`SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END, CASE b WHEN 1 THEN 2 END FROM t`,
	`SELECT DATEADD(day, 1, ts), DATEDIFF(month, a, b), EXTRACT(YEAR FROM ts), CURRENT_DATE, GETDATE() FROM t`,
	`SELECT a FROM t WHERE d > :start_date AND c = :campaign`,
	`SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t`,
	`SELECT a FROM t UNION ALL SELECT a FROM u INTERSECT SELECT a FROM v EXCEPT SELECT a FROM w`,
	`SELECT a FROM (SELECT a FROM t) AS s WHERE EXISTS (SELECT 1 FROM u WHERE u.a = s.a) AND NOT EXISTS (SELECT 1 FROM v)`,
	`SELECT (SELECT MAX(x) FROM u) AS m, TRIM(BOTH ' ' FROM a), SUBSTRING(a FROM 2 FOR 3), SUBSTRING(a, 1, 2) FROM t;`,
	`SELECT "points accumulated", t."my col" FROM "My Table" t CROSS JOIN u NATURAL JOIN v`,
	`SELECT a FROM t JOIN u USING (k) WHERE ts > TIMESTAMP '2020-01-01 00:00:00' - INTERVAL '1' DAY`,
	`SELECT -a + +b * (c - d) / e % 2 || 'x' FROM t WHERE NOT a = 1 OR b <> 2 AND c != 3`,
	`SELECT a FROM db.schema.t OFFSET 5`,
	`SELECT COUNT(a) FILTER (WHERE b > 0), PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY c) FROM t`,
	`((SELECT a FROM t)) ORDER BY a LIMIT ALL`,
	`SELECT LEFT(a, 2), RIGHT(a, 2), POSITION('x' IN a), 1.5e3, .5 FROM t -- comment
	/* block */`,
	`SELECT a FROM ((t JOIN u ON t.k = u.k) JOIN v ON v.k = t.k)`,
	`SELECT a FROM ((SELECT a FROM t) UNION (SELECT a FROM u)) z`,
}

func TestParse(t *testing.T) {
	for _, q := range parses {
		if _, err := Parse(q); err != nil {
			t.Errorf("Parse(%.60q): %v", q, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		q, pos, msg string
	}{
		{"SELECT FROM t", "1:8", "expected expression, found keyword FROM"},
		{"SELECT a\nFROM t WHERE", "2:13", "expected expression, found end of query"},
		{"SELECT 'secret", "1:8", "unterminated string literal"},
		{"SELECT a FROM t JOIN u", "1:23", "expected ON or USING, found end of query"},
		{"SELECT a FROM t WHERE x = 'secret' 'more'", "1:36", "expected end of query, found string literal"},
		{"DELETE FROM t", "1:1", "expected SELECT, found identifier"},
		{"SELECT a /* open", "1:10", "unterminated comment"},
		{"SELECT a FROM t WHERE a = #", "1:27", "invalid character"},
		{"SELECT " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "1:", "nesting too deep"},
		{"SELECT é FROM t WHERE \n  x = ", "2:7", "expected expression"},
	} {
		_, err := Parse(tc.q)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%.40q) = %v, want *Error", tc.q, err)
			continue
		}
		if !strings.HasPrefix(pe.Error(), tc.pos) || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("Parse(%.40q) = %q, want %s … %s", tc.q, pe.Error(), tc.pos, tc.msg)
		}
		if strings.Contains(pe.Error(), "secret") {
			t.Errorf("Parse(%.40q) echoes a literal", tc.q)
		}
	}
}

func TestPositions(t *testing.T) {
	q, err := Parse("SELECT\n  SUM(x.spend) AS s,\n  x.region\nFROM x\n  JOIN y ON x.k = y.k\nWHERE x.é > :p")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	Inspect(q, func(n Node) bool {
		switch n := n.(type) {
		case *ColumnRef:
			got = append(got, n.Name.Name+"@"+pstr(n.Pos))
		case *Param:
			got = append(got, ":"+n.Name+"@"+pstr(n.Pos))
		case *FuncCall:
			got = append(got, n.Name+"@"+pstr(n.Pos))
		case *Join:
			got = append(got, "JOIN@"+pstr(n.Pos))
		case *Binary:
			got = append(got, n.Op+"@"+pstr(n.OpPos))
		}
		return true
	})
	want := "SUM@2:3 spend@2:7 region@3:3 JOIN@5:3 =@5:17 k@5:13 k@5:19 >@6:11 é@6:7 :p@6:13"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("positions\n got %s\nwant %s", s, want)
	}
	sel := q.Body.(*Select)
	if end := sel.ItemsEnd; end != strings.Index("SELECT\n  SUM(x.spend) AS s,\n  x.region\nFROM", "\nFROM") {
		t.Errorf("ItemsEnd = %d", end)
	}
}

func pstr(p Pos) string {
	return itoa(p.Line) + ":" + itoa(p.Col)
}

func itoa(i int) string { return strconv.Itoa(i) }

func FuzzParse(f *testing.F) {
	for _, q := range parses {
		f.Add(q)
	}
	f.Add("SELECT a FROM t WHERE x = 'a''b' AND \"q\"\"x\" = :p")
	f.Add("SELECT ((((1")
	f.Fuzz(func(t *testing.T, q string) {
		tree, err := Parse(q)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !pe.Pos.IsValid() {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		Inspect(tree, func(n Node) bool {
			if !n.Position().IsValid() {
				t.Fatalf("node %T without position", n)
			}
			return true
		})
	})
}
