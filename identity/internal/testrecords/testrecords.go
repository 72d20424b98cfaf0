// Package testrecords generates seeded identity records for the tests of
// identity's SQL packages, so that the in-process SQL tests and the Athena
// runner's tests resolve the same shapes of data.
package testrecords

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"

	"github.com/cdpkit/cdpkit/identity"
)

// Digest is the hex SHA-256 of v, the shape of a hashed identifier.
func Digest(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

// Generate returns n records from seed: sources crm, web, calls and
// partner; hashed EMAIL (two in three records) and PHONE (one in two)
// drawn so that records share them; CUSTOMER_ID (one in four, with a
// quote to exercise escaping); LAST and ZIP on every record (weak keys
// rules must not link on alone); and an empty EMAIL in one in ten.
func Generate(seed uint64, n int) []identity.Record {
	rng := rand.New(rand.NewPCG(seed, 7))
	srcs := []string{"crm", "web", "calls", "partner"}
	var out []identity.Record
	for i := range n {
		r := identity.Record{Source: srcs[rng.IntN(len(srcs))], Key: "k" + strconv.Itoa(i)}
		if rng.IntN(3) > 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "EMAIL", Value: Digest("e" + strconv.Itoa(rng.IntN(n)))})
		}
		if rng.IntN(2) > 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "PHONE", Value: Digest("p" + strconv.Itoa(rng.IntN(n/3+1)))})
		}
		if rng.IntN(4) == 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "CUSTOMER_ID", Value: "c'" + strconv.Itoa(rng.IntN(n/2+1))})
		}
		r.Identifiers = append(r.Identifiers,
			identity.Identifier{Kind: "LAST", Value: "ln" + strconv.Itoa(rng.IntN(5))},
			identity.Identifier{Kind: "ZIP", Value: "z" + strconv.Itoa(rng.IntN(8))})
		if rng.IntN(10) == 0 {
			r.Identifiers = append(r.Identifiers, identity.Identifier{Kind: "EMAIL", Value: ""})
		}
		out = append(out, r)
	}
	return out
}
