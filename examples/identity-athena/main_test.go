package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// Two runs into one lake: the second carries every person id over and the
// curated zone keeps one assignments file.
func TestRunTwice(t *testing.T) {
	dir := t.TempDir()
	people := 200
	if testing.Short() {
		people = 60
	}
	var first, second bytes.Buffer
	if err := run(t.Context(), dir, people, 3, &first); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), dir, people, 3, &second); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"step cc_1", "step changed_1", "scanned=", "temporary tables left: 0", "same persons as identity.Resolve in process: true", "new: 0)"} {
		if !strings.Contains(second.String(), want) {
			t.Errorf("second run's output lacks %q:\n%s", want, second.String())
		}
	}
	if strings.Contains(first.String(), "new: 0)") {
		t.Errorf("first run carried ids over from nothing")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "curated", "identity-athena", "*"))
	if len(files) != 1 {
		t.Errorf("curated zone holds %v, want one assignments file", files)
	}
	if err := run(t.Context(), dir, 0, 1, &first); err == nil {
		t.Error("-people 0 accepted")
	}
}
