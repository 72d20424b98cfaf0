package c3r_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/c3r"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
)

// demoSecret is a fixed 32-byte secret for the examples only.
func demoSecret() c3r.Secret {
	s, err := c3r.NewSecret([]byte("an example secret, 32 bytes long"))
	if err != nil {
		panic(err)
	}
	return s
}

const collabID = "00000000-1111-2222-3333-444444444444"

// Encrypt a CSV for a collaboration, then decrypt it as a result receiver
// would. Rows come out shuffled; fingerprints stay fingerprints.
func Example() {
	ctx := context.Background()
	settings := c3r.Settings{AllowCleartext: true, PreserveNulls: true}
	in := "id,email,city\n1,ann@example.com,Oslo\n2,bob@example.com,\n"
	header := []string{"id", "email", "city"}
	schema, err := c3r.GenerateSchema(header, map[string]c3r.ColumnType{"email": c3r.Fingerprint, "city": c3r.Cleartext},
		c3r.Pad{Type: c3r.PadMax}, settings, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	enc, _ := c3r.NewEncryptor(demoSecret(), collabID, settings)
	var encrypted bytes.Buffer
	st, err := enc.EncryptCSV(ctx, &encrypted, strings.NewReader(in), schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("encrypted rows:", st.Rows, "columns:", schema.Targets())

	dec, _ := c3r.NewDecryptor(demoSecret(), collabID)
	var clear bytes.Buffer
	if _, err := dec.DecryptCSV(ctx, &clear, &encrypted); err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSpace(clear.String()), "\n")
	slices.Sort(lines[1:])
	for _, l := range lines {
		f := strings.Split(l, ",")
		if strings.HasPrefix(f[1], "02:hmac:") {
			f[1] = "02:hmac:…"
		}
		fmt.Println(strings.Join(f, ","))
	}
	// Output:
	// encrypted rows: 2 columns: [id_sealed email_fingerprint city]
	// id_sealed,email_fingerprint,city
	// 1,02:hmac:…,Oslo
	// 2,02:hmac:…,
}

// Validate a schema against the collaboration settings and the configured
// table's analysis rule before encrypting.
func ExampleSchema_Validate() {
	schema := c3r.Schema{Columns: []c3r.Column{
		{Source: "email", Type: c3r.Fingerprint},
		{Source: "name", Type: c3r.Sealed},
	}}
	rule := cleanroom.List{JoinColumns: []string{"name_sealed"}, ListColumns: []string{"email_fingerprint"}}
	err := schema.Validate(c3r.HighAssurance(), rule)
	fmt.Println(errors.Is(err, c3r.ErrNotAllowed))
	fmt.Println(err)
	// Output:
	// true
	// c3r: validate schema column "name_sealed": not allowed by the collaboration: the analysis rule joins on a sealed column; join on a fingerprint column
}

// Publish an encrypted table into the clean zone and register it in Glue.
func ExampleEncryptor_Publish() {
	ctx := context.Background()
	store := zones.New(memzone.New())
	settings := c3r.LowAssurance()
	schema := c3r.Schema{Columns: []c3r.Column{
		{Source: "email", Type: c3r.Fingerprint},
		{Source: "age", Type: c3r.Cleartext},
		{Source: "name", Type: c3r.Sealed, Pad: c3r.Pad{Type: c3r.PadFixed, Length: 32}},
	}}
	data := []byte("email,age,name\nann@example.com,41,Ann\nbob@example.com,37,Bob\n")
	in := c3r.Input{Format: c3r.CSV, R: bytes.NewReader(data), Size: int64(len(data))}
	enc, _ := c3r.NewEncryptor(demoSecret(), collabID, settings)
	for range 2 { // the second run finds the manifest and writes nothing
		pub, err := enc.Publish(ctx, store, "c3r/customers", in, c3r.Parquet, schema)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("rows:", pub.Stats.Rows, "unchanged:", pub.Unchanged)
	}
	pub, _ := enc.Publish(ctx, store, "c3r/customers", in, c3r.Parquet, schema)
	reg := catalog.New(catalogtest.NewGlue())
	reg.EnsureDatabase(ctx, catalog.Database{Name: "collab"})
	if _, err := reg.EnsureTable(ctx, "collab", "customers", c3r.CatalogSchema(pub.Stats.Output, "s3://bucket/clean/c3r/customers")); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range c3r.CatalogSchema(pub.Stats.Output, "").Columns {
		fmt.Println(c.Name, c.Type, c.Comment)
	}
	// Output:
	// rows: 2 unchanged: false
	// rows: 2 unchanged: true
	// email_fingerprint string c3r fingerprint
	// age string c3r cleartext
	// name_sealed string c3r sealed
}
