package detect_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/hashing/detect"
	"github.com/cdpkit/cdpkit/zones/records"
)

func ExampleRecords() {
	const file = `Kundennummer,E-Mail,Telefon,Geburtsdatum,Bestellnummer
C100001,anna.schmidt@example.com,+49 30 1234567,12.03.1985,4155550001
C100002,jonas.weber@example.com,+49 151 23456789,01.11.1990,4155550004
C100003,lena.fischer@example.de,+49 89 7654321,23.07.1978,4155550007
C100004,paul.becker@example.org,+49 176 12345678,05.05.1969,4155550010
C100005,mia.wagner@example.com,+49 40 9876543,30.09.2001,4155550013
`
	ctx := context.Background()
	rep, err := detect.Records(ctx, records.CSV(ctx, strings.NewReader(file), "customers.csv", nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Printf("%-13s %-13s key=%s\n", f.Column, f.Class, f.Key)
	}
	fmt.Println(rep.Mapping.Schema())
	// Output:
	// Kundennummer  external_id   key=EXTERN_ID
	// E-Mail        email         key=EMAIL
	// Telefon       phone         key=PHONE
	// Geburtsdatum  date_of_birth key=DOB
	// Bestellnummer not_pii       key=
	// [EXTERN_ID EMAIL PHONE DOB]
}

func ExampleReport_Check() {
	cols := []detect.Column{
		{Name: "email", Values: []string{"ann@example.com", "bo@example.org", "cy@example.net"}},
		{Name: "card", Values: []string{"4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881"}},
	}
	rep, _ := detect.Classify(cols)
	fmt.Println(rep.Check())
	// Output:
	// detect: forbidden pii in column "card" (payment_card)
}

// The mapping feeds hashing.RowsFrom as it is: Schema is the key list,
// Columns the key → column map.
func ExampleMapping() {
	const file = "courriel,portable,ville\n" +
		"Ann@Example.com,+33 6 12 34 56 78,Paris\n" +
		"bo@example.org,+33 6 98 76 54 32,Lyon\n" +
		"cy@example.net,+33 7 11 22 33 44,Marseille\n"
	ctx := context.Background()
	rep, err := detect.Records(ctx, records.CSV(ctx, strings.NewReader(file), "f.csv", nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := hashing.New()
	schema := rep.Mapping.Schema()
	fmt.Println(schema)
	for row, err := range hashing.RowsFrom(ctx, h, schema, rep.Mapping.Columns(), records.CSV(ctx, strings.NewReader(file), "f.csv", nil), 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		// line, cells, rejected values, the email digest's first 8 hex digits
		// (sha256("ann@example.com") starts 71d4f55f)
		fmt.Println(row.Number, len(row.Cells), len(row.Errs), row.Cells[0].Value()[:8])
	}
	// Output:
	// [EMAIL PHONE CT]
	// 2 3 0 71d4f55f
	// 3 3 0 bcab8abd
	// 4 3 0 dd077ed7
}
