package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/identity"
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

// samePersons tells groupings apart by their members, not only by their
// sizes: {a,b}{c,d} is not {a,c}{b,d}.
func TestSamePersons(t *testing.T) {
	rec := func(key, v1, v2 string) identity.Record {
		return identity.Record{Source: "s", Key: key, Identifiers: []identity.Identifier{{Kind: "EMAIL", Value: v1}, {Kind: "PHONE", Value: v2}}}
	}
	recs := []identity.Record{rec("a", "e1", "p1"), rec("b", "e1", "p2"), rec("c", "e2", "p1"), rec("d", "e2", "p2")}
	resolve := func(kind string) *identity.Result {
		res, err := identity.Resolve(t.Context(), records(recs), func(o *identity.Options) {
			o.Rules = []identity.Rule{{Name: kind, Kinds: []string{kind}}}
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	byEmail, byPhone, again := resolve("EMAIL"), resolve("PHONE"), resolve("EMAIL")
	if samePersons(byEmail, byPhone, recs, false) {
		t.Error("two groupings into pairs of different members compare the same")
	}
	if !samePersons(byEmail, again, recs, true) {
		t.Error("the same grouping compares different")
	}
}
