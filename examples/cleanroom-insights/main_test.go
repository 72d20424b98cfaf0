package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunTwice(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		var out bytes.Buffer
		if err := run(t.Context(), dir, 300, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{"query SUCCESS", "segment    section    people", "re-applied the collaboration, both memberships and both tables: 0 writes"} {
			if !strings.Contains(s, want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, s)
			}
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
