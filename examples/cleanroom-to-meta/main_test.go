package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

func TestRunTwice(t *testing.T) {
	dir := t.TempDir()
	var first string
	for i := range 2 {
		var out bytes.Buffer
		if err := run(t.Context(), dir, 400, matchSQL, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"advertiser: create collaboration", "publisher: create membership",
			"check: 0 error(s), 0 warning(s); output constraints: none\nmatch query SUCCESS", "invalid 0"} {
			if !strings.Contains(s, want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, s)
			}
		}
		line := s[strings.Index(s, "audience "):]
		if i == 0 {
			first = line
			// matched rows == sent == received, and non-zero.
			var matched, sent, batches, received, invalid int
			if _, err := fmtSscanf(line, &matched, &sent, &batches, &received, &invalid); err != nil || matched == 0 || matched != sent || sent != received {
				t.Errorf("counts %q: %v", line, err)
			}
		} else if line != first {
			t.Errorf("second run differs: %q vs %q", line, first)
		}
	}
}

func fmtSscanf(line string, matched, sent, batches, received, invalid *int) (int, error) {
	return fmt.Sscanf(line, "audience created; matched rows %d, sent %d in %d batch(es), received by Meta %d, invalid %d", matched, sent, batches, received, invalid)
}

// TestRunRefusesBrokenQuery: a LIST query without DISTINCT that outputs the
// join column is never started, nothing reaches Meta, and the problems are
// printed with their positions but without the query's literal.
func TestRunRefusesBrokenQuery(t *testing.T) {
	const bad = "SELECT c.email_sha256, c.match_key\nFROM crm c JOIN subscribers s ON c.match_key = s.match_key WHERE s.interest = 'secret-interest'"
	var out bytes.Buffer
	err := run(t.Context(), t.TempDir(), 50, bad, &out)
	if !errors.Is(err, sqlcheck.ErrRejected) {
		t.Fatalf("run = %v, want sqlcheck.ErrRejected", err)
	}
	s := out.String() + err.Error()
	for _, want := range []string{
		"check: 2 error(s), 0 warning(s); output constraints: none",
		`error 1:1: distinct_required [LIST] "SELECT"`,
		`error 1:24: join_column_outside_on [table "crm" LIST] "match_key"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret-interest") {
		t.Errorf("the output echoes a literal of the query")
	}
	if strings.Contains(s, "match query") || strings.Contains(s, "audience ") {
		t.Errorf("the refused query was started:\n%s", s)
	}
}
