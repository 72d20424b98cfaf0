// Command gencustomers writes a synthetic customer CSV in the layout of
// examples/testdata/customers.csv (11 columns: customer_id, e_mail, mobile,
// first_name, last_name, city, state, zip, country, dob, gender) with as many
// rows as asked, for measuring examples/hashcsv on a file of realistic size:
//
//	go run ./examples/hashcsv/gencustomers -n 1000000 -o /tmp/customers-1m.csv
//
// The people are made up the same way as the shipped sample: reserved e-mail
// domains, the fictional US 555-01XX range and Ofcom's drama ranges for UK
// numbers, a third of the rows British, every 9th row with one bad value and
// some messy-but-valid cells (padding, upper case, a byte-order mark). The
// output is deterministic for a given -n and -seed.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

func main() {
	n := flag.Int("n", 1_000_000, "rows to write")
	out := flag.String("o", "customers.csv", "output file")
	seed := flag.Uint64("seed", 42, "random seed")
	flag.Parse()
	if err := write(*out, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gencustomers:", err)
		os.Exit(1)
	}
}

var (
	first = []string{"Ann", "Ben", "Chloé", "Dana", "Émile", "Farah", "Gus", "Hana", "Ivo", "Jo",
		"Kai", "Lena", "Mary-Jane", "Noor", "Otto", "Pía", "Quinn", "Rosa", "Søren", "Tess",
		"Uma", "Vic", "Wren", "Xavi", "Yara", "Zoë", "José", "İlker", "Σοφία", "정민"}
	last = []string{"Abbott", "Brook", "Castle", "Dune", "Elm", "Fable", "Grove", "Hollow", "Isle", "Juniper",
		"Kestrel", "Lark", "Moss", "North", "O'Neil", "Pike", "Quarry", "Reed", "Stone", "Thorne",
		"Müller", "van der Berg", "García", "Øst"}
	usPlaces = [][3]string{{"Springfield", "Illinois", "62701"}, {"Riverton", "WY", "82501"}, {"Fairview", "Texas", "75069"},
		{"Greenville", "SC", "29601"}, {"Madison", "Wisconsin", "53703-1234"}, {"Salem", "OR", "97301"},
		{"Boston", "Massachusetts", "2108"}, {"Portland", "Maine", "04101"}}
	gbPlaces = [][3]string{{"London", "Greater London", "SW1A 1AA"}, {"Manchester", "Greater Manchester", "M1 1AE"},
		{"Leeds", "West Yorkshire", "LS1 4AP"}, {"Bristol", "", "BS1 5TR"}}
	domains = []string{"example.com", "example.org", "example.net", "Example.COM"}
)

func asciiPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func write(path string, n int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	rng := rand.New(rand.NewPCG(seed, 0))
	cols := []string{"customer_id", "e_mail", "mobile", "first_name", "last_name", "city", "state", "zip", "country", "dob", "gender"}
	if err := w.Write(cols); err != nil {
		return err
	}
	row := make([]string, len(cols))
	for i := 1; i <= n; i++ {
		fn := first[i%len(first)]
		ln := last[(i*7)%len(last)]
		local := asciiPart(fn)
		if local == "" {
			local = "user"
		}
		local += "." + asciiPart(ln)
		email := local + strconv.Itoa(i) + "@" + domains[i%len(domains)]
		y, m, d := 1950+rng.IntN(55), 1+rng.IntN(12), 1+rng.IntN(28)
		gender := []string{"F", "M", "female", "male", "f", "m", ""}[i%7]
		var place [3]string
		var country, phone, dob string
		if i%3 == 0 {
			place = gbPlaces[i%len(gbPlaces)]
			country = []string{"GB", "United Kingdom", "UK", "gbr"}[i%4]
			k := i % 1000
			phone = []string{fmt.Sprintf("020 7946 0%03d", k), fmt.Sprintf("07700 900%03d", k),
				fmt.Sprintf("+44 (0)20 7946 0%03d", k), fmt.Sprintf("+44 7700 900%03d", k)}[i%4]
			dob = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		} else {
			place = usPlaces[i%len(usPlaces)]
			country = []string{"US", "USA", "United States", "us", ""}[i%5]
			a, k := 200+i%800, i%100
			phone = []string{fmt.Sprintf("(%03d) 555-01%02d", a, k), fmt.Sprintf("%03d-555-01%02d", a, k),
				fmt.Sprintf("+1 %03d 555 01%02d", a, k), fmt.Sprintf("1-%03d-555-01%02d x%d", a, k, i%1000)}[i%4]
			dob = fmt.Sprintf("%d/%d/%04d", m, d, y)
		}
		row[0] = fmt.Sprintf("CUST-%07d", i)
		row[1], row[2], row[3], row[4] = email, phone, fn, ln
		row[5], row[6], row[7], row[8], row[9], row[10] = place[0], place[1], place[2], country, dob, gender
		if i%10 == 1 {
			row[1] = "  " + strings.ToUpper(email) + "\u00a0"
		}
		if i%13 == 5 {
			row[3] = "\ufeff" + fn + "\t"
		}
		if i%17 == 0 {
			row[2] = ""
		}
		if i%9 == 4 {
			switch (i / 9) % 6 {
			case 0:
				row[1] = "no-at-sign.example.com"
			case 1:
				row[2] = "n/a"
			case 2:
				row[9] = "1990-02-30"
			case 3:
				row[10] = "unknown"
			case 4:
				row[8], row[6] = "Atlantis", "Nowhere"
			default:
				row[1] = "two@@example.com"
			}
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
