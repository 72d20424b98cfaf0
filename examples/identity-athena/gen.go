package main

import (
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"math/rand/v2"
	"strconv"

	"github.com/cdpkit/cdpkit/identity"
)

func digest(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

// generate makes 1–3 records per person across three sources; a record
// carries the person's email digest, phone digest, both or (rarely) a
// shared household phone, so some persons link only through a chain.
func generate(people int, seed uint64) []identity.Record {
	rng := rand.New(rand.NewPCG(seed, 19))
	sources := []string{"crm", "web", "calls"}
	var out []identity.Record
	for p := range people {
		email, phone := digest("email-"+strconv.Itoa(p)), digest("phone-"+strconv.Itoa(p))
		n := 1 + rng.IntN(3)
		for j := range n {
			src := sources[(p+j)%len(sources)]
			rec := identity.Record{Source: src, Key: src + "-" + strconv.Itoa(p) + "-" + strconv.Itoa(j)}
			switch rng.IntN(4) {
			case 0:
				rec.Identifiers = []identity.Identifier{{Kind: "EMAIL", Value: email}}
			case 1:
				rec.Identifiers = []identity.Identifier{{Kind: "PHONE", Value: phone}}
			default:
				rec.Identifiers = []identity.Identifier{{Kind: "EMAIL", Value: email}, {Kind: "PHONE", Value: phone}}
			}
			if rng.IntN(50) == 0 { // a household phone shared by a few people
				rec.Identifiers = append(rec.Identifiers, identity.Identifier{Kind: "PHONE", Value: digest("household-" + strconv.Itoa(p/4))})
			}
			out = append(out, rec)
		}
	}
	return out
}

func records(recs []identity.Record) iter.Seq2[identity.Record, error] {
	return func(yield func(identity.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}
