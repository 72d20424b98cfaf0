package identity_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/identity"
)

// digest stands in for the hashing package: identity only sees digests.
func digest(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

func seq(recs []identity.Record) iter.Seq2[identity.Record, error] {
	return func(yield func(identity.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func Example() {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	email := func(v string) identity.Identifier { return identity.Identifier{Kind: "EMAIL", Value: digest(v)} }
	phone := func(v string) identity.Identifier { return identity.Identifier{Kind: "PHONE", Value: digest(v)} }
	records := []identity.Record{
		{Source: "crm", Key: "c1", Time: day(1), Identifiers: []identity.Identifier{email("ann@example.com"), phone("15550001")}},
		{Source: "web", Key: "w7", Time: day(3), Identifiers: []identity.Identifier{email("ann@example.com")}},
		{Source: "calls", Key: "k2", Time: day(5), Identifiers: []identity.Identifier{phone("15550001")}},
		{Source: "crm", Key: "c2", Time: day(2), Identifiers: []identity.Identifier{email("bob@example.com")}},
		// A junk phone shared by unrelated people: blocked, so it links nobody.
		{Source: "partner", Key: "p9", Time: day(4), Identifiers: []identity.Identifier{email("bob@example.com"), phone("0000000000")}},
		{Source: "partner", Key: "p10", Time: day(4), Identifiers: []identity.Identifier{phone("0000000000")}},
	}
	res, err := identity.Resolve(context.Background(), seq(records), func(o *identity.Options) {
		o.Rules = []identity.Rule{
			{Name: "same-email", Kinds: []string{"EMAIL"}},
			{Name: "same-phone", Kinds: []string{"PHONE"}},
		}
		o.Blocked = map[string][]string{"PHONE": {digest("0000000000")}}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var lines []string
	for _, recs := range res.Clusters() {
		var keys []string
		for _, r := range recs {
			keys = append(keys, r.String())
		}
		slices.Sort(keys)
		lines = append(lines, strings.Join(keys, " "))
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	st := res.Stats()
	fmt.Println("persons:", st.Persons, "largest:", st.LargestCluster, "blocked phones:", st.Kinds["PHONE"].Blocked)
	for l := range res.Links() {
		if l.A.Source == "crm" && l.A.Key == "c1" || l.B.Source == "crm" && l.B.Key == "c1" {
			fmt.Println("c1 linked by", l.Rule)
		}
	}
	// Output:
	// calls/k2 crm/c1 web/w7
	// crm/c2 partner/p9
	// partner/p10
	// persons: 3 largest: 3 blocked phones: 2
	// c1 linked by same-email
	// c1 linked by same-phone
}
