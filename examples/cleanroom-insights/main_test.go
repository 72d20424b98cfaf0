package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

// TestRunTwice runs the example twice on one directory, in a synctest
// bubble: the query's walk through its states and the polling take no real
// time.
func TestRunTwice(t *testing.T) {
	synctest.Test(t, testRunTwice)
}

func testRunTwice(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		var out bytes.Buffer
		if err := run(t.Context(), dir, 300, overlapSQL, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{
			"check: 0 error(s), 0 warning(s); output constraints: customers.hashed_email>=3, readers.hashed_email>=3\n",
			"query SUCCESS", "segment    section    people",
			"re-applied the collaboration, both memberships and both tables: 0 writes",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, s)
			}
		}
		if strings.Index(s, "check: ") > strings.Index(s, "query SUCCESS") {
			t.Errorf("run %d: the check was printed after the query ran:\n%s", i, s)
		}
		if strings.Contains(s, "luxury") {
			t.Errorf("run %d: a group under the threshold was printed:\n%s", i, s)
		}
		b, err := os.ReadFile(filepath.Join(dir, "overlap_by_segment.csv"))
		if err != nil || !strings.HasPrefix(string(b), "segment,section,people\n") || strings.Count(string(b), "\n") < 5 {
			t.Fatalf("run %d: csv %q, %v", i, b, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("output directory holds %d entries after two runs, want 1", len(entries))
	}
}

// TestRunRefusesBrokenQuery: a query that outputs the join column and uses
// LIMIT is never started; every problem is printed with its position, and
// the literal of its WHERE clause appears nowhere.
func TestRunRefusesBrokenQuery(t *testing.T) {
	dir := t.TempDir()
	const bad = "SELECT c.hashed_email, COUNT(DISTINCT r.hashed_email) AS people\n" +
		"FROM customers c JOIN readers r ON c.hashed_email = r.hashed_email\n" +
		"WHERE c.segment = 'secret-segment' GROUP BY c.hashed_email LIMIT 5"
	var out bytes.Buffer
	err := run(t.Context(), dir, 100, bad, &out)
	if !errors.Is(err, sqlcheck.ErrRejected) {
		t.Fatalf("run = %v, want sqlcheck.ErrRejected", err)
	}
	s := out.String() + err.Error()
	for _, want := range []string{
		"check: 3 error(s), 0 warning(s)",
		`error 1:8: join_column_outside_on [table "customers" AGGREGATION] "hashed_email"`,
		`error 3:45: join_column_outside_on [table "customers" AGGREGATION] "hashed_email"`,
		`error 3:60: construct_not_allowed [AGGREGATION] "LIMIT"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret-segment") {
		t.Errorf("the output echoes a literal of the query")
	}
	if strings.Contains(s, "query SUCCESS") || strings.Contains(s, "query FAILED") {
		t.Errorf("the refused query was started:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "overlap_by_segment.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("results written for a refused query: %v", err)
	}
}
