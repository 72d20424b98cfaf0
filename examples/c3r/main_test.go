package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRunTwice(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-in", "../testdata/customers.csv", "-dir", dir}
	var out1, out2, errs bytes.Buffer
	if code := run(t.Context(), args, &out1, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	first := readCSV(t, filepath.Join(dir, "results", "result_decrypted.csv"))
	if code := run(t.Context(), args, &out2, &errs); code != 0 {
		t.Fatalf("rerun exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out2.String(), "unchanged, nothing written") {
		t.Errorf("rerun wrote again:\n%s", out2.String())
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "lake", "clean", "c3r", "customers", "part-*.parquet"))
	if len(parts) != 1 {
		t.Errorf("%d table files after two runs", len(parts))
	}
	second := readCSV(t, filepath.Join(dir, "results", "result_decrypted.csv"))
	if len(first) != 11 || len(second) != len(first) {
		t.Fatalf("result rows %d then %d, want 11 (header + 10)", len(first), len(second))
	}
	// Every decrypted row is a customer of the input: id, first name and
	// city agree with the source.
	src := readCSV(t, "../testdata/customers.csv")
	byID := map[string][]string{}
	for _, r := range src[1:] {
		byID[r[0]] = r
	}
	for i, r := range first[1:] {
		s, ok := byID[r[0]]
		if !ok {
			t.Errorf("row %d: decrypted customer_id is not in the input", i+1)
			continue
		}
		if r[2] != strings.TrimSpace(s[3]) || r[3] != strings.TrimSpace(s[5]) {
			t.Errorf("row %d: first_name or city differs from the input", i+1)
		}
		if !strings.HasPrefix(r[1], "02:hmac:") && r[1] != "" {
			t.Errorf("row %d: fingerprint not passed through", i+1)
		}
	}
}

func TestBadFlags(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(t.Context(), []string{"-nope"}, &out, &errs); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	t.Setenv("C3R_SHARED_SECRET", "c2hvcnQ=") // "short"
	if code := run(t.Context(), []string{"-in", "../testdata/customers.csv", "-dir", t.TempDir()}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "shared secret") {
		t.Errorf("short secret: exit %d, %s", code, errs.String())
	}
}
