package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// The synthetic inputs: three sources that see overlapping people, as an
// ISV's client would send them. Every value is made up (example.com
// addresses, 555 numbers). The generator is seeded, so a rerun produces the
// same bytes and the raw zone recognises them.

type person struct {
	first, last, email, phone, zip string
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Linus",
		"Margaret", "Niklaus", "Radia", "Ken", "Sophie", "Tim", "Valéry", "José", "Zoë", "Mary-Jane"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson", "Torvalds",
		"Hamilton", "Wirth", "Perlman", "Thompson", "Wilson", "Berners-Lee", "O'Neil", "Núñez", "Smith", "Jones"}
)

// inputs holds one generated file per source.
type inputs struct {
	people   int
	crm      []byte // CSV with a header
	web      []byte // JSON Lines
	callLogs []byte // CSV with a header, national phone formats
	// junk is the shared address many web sign-ups typed; identity's degree
	// cap keeps it from merging them.
	junk string
	// truth maps "source/key" to the index of the person behind the record,
	// or -1 for a junk sign-up: the ground truth tests score linkage against.
	truth map[string]int
	// twinPairs are household pairs that share phone, last name and first
	// name: records no rule can tell apart.
	twinPairs [][2]int
}

func generate(n int, seed uint64) inputs {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	people := make([]person, n)
	for i := range people {
		f := firstNames[rng.IntN(len(firstNames))]
		l := lastNames[rng.IntN(len(lastNames))]
		people[i] = person{
			first: f,
			last:  l,
			email: fmt.Sprintf("%s.%s%d@example.com", asciiFold(f), asciiFold(l), i),
			phone: fmt.Sprintf("650555%04d", i),
			zip:   fmt.Sprintf("%05d", 94000+rng.IntN(999)),
		}
	}
	// Households: every tenth person shares the previous person's phone
	// and last name, so phone alone must not link them.
	for i := 10; i < n; i += 10 {
		people[i].phone = people[i-1].phone
		people[i].last = people[i-1].last
	}
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	in := inputs{people: n, junk: "test@example.com", truth: map[string]int{}}
	for i := 10; i < n; i += 10 {
		if people[i].first == people[i-1].first {
			in.twinPairs = append(in.twinPairs, [2]int{i - 1, i})
		}
	}

	// CRM: 70% of people, clean-ish, with a few bad rows.
	var crm bytes.Buffer
	w := csv.NewWriter(&crm)
	_ = w.Write([]string{"customer_id", "first_name", "last_name", "email", "phone", "zip", "country", "updated_at"})
	for i, p := range people {
		if rng.Float64() >= 0.7 {
			continue
		}
		email := p.email
		if i%97 == 5 {
			email = "not-an-email" // rejected by hashing: the cell goes missing, the row stays
		}
		in.truth[fmt.Sprintf("crm/C%05d", i)] = i
		_ = w.Write([]string{fmt.Sprintf("C%05d", i), p.first, p.last, email,
			fmt.Sprintf("(%s) %s-%s", p.phone[:3], p.phone[3:6], p.phone[6:]), p.zip, "US",
			base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)})
	}
	w.Flush()
	crm.WriteString("C99999,Broken,Row,too,many,fields,US,2026-10-01T00:00:00Z,extra\n") // malformed: quarantined
	in.crm = crm.Bytes()

	// Web sign-ups: 50% of people, emails typed in odd case and spacing.
	var web bytes.Buffer
	enc := json.NewEncoder(&web)
	for i, p := range people {
		if rng.Float64() >= 0.5 {
			continue
		}
		email := p.email
		switch i % 3 {
		case 0:
			email = "  " + upper(email) + "\u00a0"
		case 1:
			email = upper(email[:1]) + email[1:]
		}
		in.truth[fmt.Sprintf("web/u-%d", i)] = i
		_ = enc.Encode(map[string]string{"user_id": fmt.Sprintf("u-%d", i), "email": email,
			"signed_up": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
	}
	for i := range 12 { // different people who all typed the same junk address
		in.truth[fmt.Sprintf("web/u-junk-%d", i)] = -1
		_ = enc.Encode(map[string]string{"user_id": fmt.Sprintf("u-junk-%d", i), "email": in.junk,
			"signed_up": base.Format(time.RFC3339)})
	}
	web.WriteString("{\"user_id\": \"u-bad\", \"email\": \n") // malformed: quarantined
	in.web = web.Bytes()

	// Call center: 30% of people, national phone formats, names only.
	var calls bytes.Buffer
	w = csv.NewWriter(&calls)
	_ = w.Write([]string{"call_id", "caller_first", "caller_last", "caller_phone", "called_at"})
	for i, p := range people {
		if rng.Float64() >= 0.3 {
			continue
		}
		phone := p.phone[:3] + "." + p.phone[3:6] + "." + p.phone[6:]
		if i%2 == 0 {
			phone = "+1 " + phone
		}
		in.truth[fmt.Sprintf("callcenter/call-%d", i)] = i
		_ = w.Write([]string{fmt.Sprintf("call-%d", i), p.first, p.last, phone,
			base.Add(time.Duration(i) * 2 * time.Hour).Format(time.RFC3339)})
	}
	w.Flush()
	in.callLogs = calls.Bytes()
	return in
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// asciiFold keeps the ASCII letters of a name, for made-up email local parts.
func asciiFold(s string) string {
	var b []byte
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			b = append(b, byte(r))
		case r == 'é' || r == 'ë':
			b = append(b, 'e')
		case r == 'ú':
			b = append(b, 'u')
		case r == 'ñ':
			b = append(b, 'n')
		}
	}
	return string(b)
}
