package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every rejected cell names its input column, the birth date's too (the
// schema outputs the birth year, derived from dob).
func TestRejectionsNameTheirColumn(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "customers.csv")
	csv := "customer_id,e_mail,mobile,first_name,last_name,city,state,zip,country,dob,gender\n" +
		"C1,a@example.com,+1 202 555 0101,Ann,Abbott,Salem,OR,97301,US,1990-02-30,F\n" +
		"C2,no-at-sign.example.com,+1 202 555 0102,Ben,Brook,Salem,OR,97301,US,1/2/1980,unknown\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	lake := filepath.Join(dir, "lake")
	n, err := run(t.Context(), in, lake)
	if err != nil || n != 2 {
		t.Fatalf("run = %d, %v; want 2 rows", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(lake, "quarantine", "customers", "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("quarantine files %v, want one", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ Column, Reason string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Column == "" {
			t.Errorf("rejection %q names no column", r.Reason)
		}
		got[r.Reason] = r.Column
	}
	if got["date_impossible"] != "dob" {
		t.Errorf("date_impossible rejected in column %q, want dob (rejections: %v)", got["date_impossible"], got)
	}
}
