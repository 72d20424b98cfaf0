package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestRunTwice(t *testing.T) {
	dir := t.TempDir()
	var first string
	for i := range 2 {
		var out bytes.Buffer
		if err := run(t.Context(), dir, 400, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"advertiser: create collaboration", "publisher: create membership", "match query SUCCESS", "invalid 0"} {
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
