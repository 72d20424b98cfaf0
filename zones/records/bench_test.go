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
