package main

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// FuzzCSVWriterMatchesEncodingCSV checks that the writer's output is
// byte-identical to encoding/csv's for any fields.
func FuzzCSVWriterMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{"", "a", " a", "\ta", "\u00a0x", `\.`, `a"b`, "a,b", "a\r\nb", "\u2003", "é"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want, got bytes.Buffer
		w := csv.NewWriter(&want)
		if err := w.Write([]string{a, b}); err != nil {
			t.Skip()
		}
		w.Flush()
		c := newCSVWriter(&got)
		c.writeRow([]string{a, b})
		if err := c.flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Fatalf("output differs from encoding/csv (%d vs %d bytes)", got.Len(), want.Len())
		}
	})
}
