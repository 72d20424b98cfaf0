package detect

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus from the generator")

// corpusNow fixes "this year" so that the corpus's birth dates keep their
// ages.
var corpusNow = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

type corpusLabels map[string][]Class

func TestCorpusUpToDate(t *testing.T) {
	if testing.Short() && !*update {
		t.Skip("regenerating the corpus takes a while; run without -short")
	}
	files := generateCorpus()
	labels := corpusLabels{}
	for _, f := range files {
		labels[f.name] = f.labels
	}
	lb, err := json.MarshalIndent(labels, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	lb = append(lb, '\n')
	dir := filepath.Join("testdata", "corpus")
	if *update {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f.name), f.csv(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "labels.json"), lb, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, f.csv()) {
			t.Errorf("%s differs from the generator's output (run with -update)", f.name)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "labels.json")); !bytes.Equal(got, lb) {
		t.Errorf("labels.json differs from the generator's output (run with -update)")
	}
}

func loadCorpus(t testing.TB) (corpusLabels, []string) {
	t.Helper()
	dir := filepath.Join("testdata", "corpus")
	b, err := os.ReadFile(filepath.Join(dir, "labels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var labels corpusLabels
	if err := json.Unmarshal(b, &labels); err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range labels {
		names = append(names, n)
	}
	slices.Sort(names)
	return labels, names
}

// TestCorpusAccuracy classifies every labelled column of the corpus,
// reports precision and recall per class, and requires 97% of the columns
// right.
func TestCorpusAccuracy(t *testing.T) {
	t.Run("stream", func(t *testing.T) { corpusAccuracy(t, streamLimit) })
	// The corpus files are small: force the offset sampling of large files.
	t.Run("offsets", func(t *testing.T) {
		if testing.Short() {
			t.Skip("the stream run covers the classifier; -short skips the second pass")
		}
		corpusAccuracy(t, 0)
	})
}

func corpusAccuracy(t *testing.T, limit int64) {
	labels, names := loadCorpus(t)
	type pr struct{ tp, fp, fn int }
	stats := map[Class]*pr{}
	get := func(c Class) *pr {
		if stats[c] == nil {
			stats[c] = &pr{}
		}
		return stats[c]
	}
	total, right, files := 0, 0, 0
	for i, name := range names {
		if testing.Short() && i%2 == 1 {
			continue // -short: half the corpus
		}
		path := filepath.Join("testdata", "corpus", name)
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		rep, err := sampleCSV(t.Context(), fh, st.Size(), limit, []func(*Options){func(o *Options) {
			o.Now = func() time.Time { return corpusNow }
			o.FirstRows, o.SampleRows = 40, 200
		}})
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files++
		want := labels[name]
		if len(rep.Findings) != len(want) {
			t.Fatalf("%s: %d findings for %d columns", name, len(rep.Findings), len(want))
		}
		for i, f := range rep.Findings {
			total++
			if f.Class == want[i] {
				right++
				get(f.Class).tp++
				continue
			}
			get(f.Class).fp++
			get(want[i]).fn++
			t.Logf("%s column %d %q: got %s (%.2f, %s), want %s", name, i, strings.TrimSpace(f.Column), f.Class, f.Confidence, strings.Join(f.Evidence, " "), want[i])
		}
	}
	if !testing.Short() && (total < 300 || files < 30) {
		t.Fatalf("corpus too small: %d columns in %d files", total, files)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-15s %5s %5s %5s %9s %6s\n", "class", "tp", "fp", "fn", "precision", "recall")
	for _, c := range Classes() {
		s := get(c)
		if s.tp+s.fp+s.fn == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-15s %5d %5d %5d %9.3f %6.3f\n", c, s.tp, s.fp, s.fn, ratio(s.tp, s.tp+s.fp), ratio(s.tp, s.tp+s.fn))
	}
	acc := ratio(right, total)
	t.Logf("corpus: %d files, %d columns, accuracy %.4f\n%s", files, total, acc, b.String())
	if acc < 0.97 {
		t.Errorf("column accuracy %.4f, want at least 0.97", acc)
	}
	for _, c := range Classes() {
		if s := get(c); s.tp+s.fn == 0 && c != NotPII && !testing.Short() {
			t.Errorf("no %s column in the corpus", c)
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
