package records_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cdpkit/cdpkit/zones/records"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func benchInput(n int, jsonl bool) []byte {
	var b bytes.Buffer
	if !jsonl {
		b.WriteString("id,email,first_name,last_name,city,country,phone\n")
	}
	for i := range n {
		if jsonl {
			fmt.Fprintf(&b, `{"id":"C%d","email":"u%d@example.com","first_name":"F%d","last_name":"L%d","city":"c%d","country":"FR","phone":"+33 6 %08d"}`+"\n", i, i, i%2000, i%5000, i%300, i)
		} else {
			fmt.Fprintf(&b, "C%d,u%d@example.com,F%d,L%d,c%d,FR,+33 6 %08d\n", i, i, i%2000, i%5000, i%300, i)
		}
	}
	return b.Bytes()
}

// Run: go test -run '^$' -bench . -benchmem ./zones/records/
func BenchmarkCSV(b *testing.B) {
	const n = 100_000
	in := benchInput(n, false)
	s := zonestest.New(b)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for range b.N {
		q, _ := s.NewRejectWriter("bench", "in")
		for _, err := range records.CSV(b.Context(), bytes.NewReader(in), "in", q) {
			if err != nil {
				b.Fatal(err)
			}
		}
		q.Discard()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkJSONLines(b *testing.B) {
	const n = 100_000
	in := benchInput(n, true)
	s := zonestest.New(b)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for range b.N {
		q, _ := s.NewRejectWriter("bench", "in")
		for _, err := range records.JSONLines(b.Context(), bytes.NewReader(in), "in", q) {
			if err != nil {
				b.Fatal(err)
			}
		}
		q.Discard()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// A wide object (one line holding tens of thousands of members, within
// MaxRecordBytes) must cost time linear in its size: duplicate-key
// detection must not compare every key with every other.
func BenchmarkJSONLinesWideObject(b *testing.B) {
	in := wideObject(50_000, false)
	s := zonestest.New(b)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for range b.N {
		q, _ := s.NewRejectWriter("bench", "in")
		for _, err := range records.JSONLines(b.Context(), bytes.NewReader(in), "in", q) {
			if err != nil {
				b.Fatal(err)
			}
		}
		q.Discard()
	}
}

// wideObject is one JSON Lines record with n members; dup repeats the
// first key (as null, then as a value) at the end.
func wideObject(n int, dup bool) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == 0 && dup {
			b.WriteString(`"k0":null`)
			continue
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	if dup {
		b.WriteString(`,"k0":1`)
	}
	b.WriteString("}\n")
	return b.Bytes()
}
