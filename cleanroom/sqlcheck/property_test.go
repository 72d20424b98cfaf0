package sqlcheck_test

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// literalQueries are query shapes with %s where a literal goes: in SELECT,
// WHERE, ON, HAVING, function arguments, IN lists, CASE, LIMIT, TOP,
// CTEs, subqueries and broken syntax.
var literalQueries = []string{
	`SELECT segment, SUM(spend) FROM cdp WHERE region = %s GROUP BY segment`,
	`SELECT %s, COUNT(DISTINCT hashed_email) FROM cdp`,
	`SELECT COUNT(DISTINCT pub.hashed_email) FROM cdp JOIN pub ON cdp.hashed_email = %s`,
	`SELECT SUM(spend) FROM cdp HAVING SUM(spend) > %s`,
	`SELECT ROUND(AVG(spend), %s) FROM cdp WHERE hashed_email IN (%s, %s)`,
	`SELECT CASE WHEN segment = %s THEN %s END, SUM(spend) FROM cdp LIMIT %s`,
	`SELECT TOP %s DISTINCT crm.city FROM crm WHERE crm.age BETWEEN %s AND %s`,
	`WITH x AS (SELECT hashed_email FROM sales WHERE amount > %s) SELECT %s AS k, hashed_email FROM x`,
	`SELECT MAX(value), %s FROM dp_events WHERE EXISTS (SELECT 1 FROM mine WHERE tier = %s)`,
	`SELECT fp_email FROM enc WHERE sealed_name LIKE %s OR fp_email = %s`,
	`SELECT a FROM norule WHERE a = %s`,
	`SELECT a FROM locked WHERE b = %s AND :p = %s`,
	`SELECT spend FROM cdp WHERE x = %s %s`,
	`SELECT SUM(spend) FROM cdp WHERE region = %s AND`,
	`SELECT SUM(spend) FROM cdp WHERE region = %s`,
	`SELECT COUNT(*) FROM cdp WHERE DATEADD(day, %s, signup_date) > TIMESTAMP %s - INTERVAL %s DAY`,
	`SELECT m.source_id, %s FROM mine x JOIN idmt m ON x.hashed_email = m.source_id AND m.match_type = %s WHERE m.target_id = %s`,
	`SELECT x.tier FROM idmt m LEFT JOIN mine x ON x.hashed_email = %s, sales s WHERE m.confidence > %s`,
	`SELECT COUNT(DISTINCT a.customer_id) FROM adv a JOIN idmt m ON a.customer_id = m.source_id OR m.target_id = %s`,
}

// TestNoLiteralInProblems: whatever literal a query holds and wherever it
// stands, no problem (in any field) contains it.
func TestNoLiteralInProblems(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tables := idMappingTables()
	opts := []func(*sqlcheck.Options){
		func(*sqlcheck.Options) {},
		asRunner,
		func(o *sqlcheck.Options) {
			o.Runner = "999999999999"
			o.AnalysisTemplate = template2
			o.AdditionalAnalysis = true
		},
	}
	n := 600
	if testing.Short() {
		n = 150
	}
	for i := 0; i < n; i++ {
		shape := literalQueries[rng.IntN(len(literalQueries))]
		var secrets []string
		q := shape
		for strings.Contains(q, "%s") {
			secret, lit := randomLiteral(rng)
			secrets = append(secrets, secret)
			q = strings.Replace(q, "%s", lit, 1)
		}
		if rng.IntN(4) == 0 { // sometimes an unterminated string at the end
			secret, _ := randomLiteral(rng)
			secrets = append(secrets, secret)
			q += " '" + secret
		}
		for _, o := range opts {
			rep := sqlcheck.Check(q, tables, o)
			for _, p := range rep.Problems {
				for _, s := range secrets {
					if leaks(p, s) {
						t.Fatalf("problem %v echoes a literal of query %d (shape %q)", p.Reason, i, shape)
					}
				}
			}
			if err := rep.Err(); err != nil {
				for _, s := range secrets {
					if strings.Contains(err.Error(), s) {
						t.Fatalf("error echoes a literal (shape %q)", shape)
					}
				}
			}
		}
	}
}

// randomLiteral returns a marker and a SQL literal holding it: strings,
// numbers, typed and interval literals.
func randomLiteral(rng *rand.Rand) (string, string) {
	n := strconv.Itoa(700000000 + rng.IntN(99999999))
	s := "zq" + n + "x"
	switch rng.IntN(5) {
	case 0:
		return s, "'" + s + "'"
	case 1:
		return n, n
	case 2:
		return n, n + ".25"
	case 3:
		return s, "'" + s + " it''s'"
	default:
		return s, "'" + s + "@example.com'"
	}
}

// leaks reports whether any string field of p contains s.
func leaks(p sqlcheck.Problem, s string) bool {
	v := reflect.ValueOf(p)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.String && strings.Contains(f.String(), s) {
			return true
		}
	}
	return strings.Contains(p.String(), s)
}

func FuzzCheck(f *testing.F) {
	for _, tc := range checkCases {
		f.Add(tc.query)
	}
	for _, tc := range idMappingCases {
		f.Add(tc.query)
	}
	for _, q := range literalQueries {
		f.Add(q)
	}
	tables := idMappingTables()
	f.Fuzz(func(t *testing.T, q string) {
		rep := sqlcheck.Check(q, tables, asRunner)
		for _, p := range rep.Problems {
			if p.Reason == "" || p.Severity == 0 {
				t.Fatalf("incomplete problem %+v", p)
			}
			if p.Pos.Line < 1 || p.Pos.Column < 1 {
				t.Fatalf("problem without position: %v", p)
			}
		}
	})
}
