// Command c3r encrypts a customer table for an AWS Clean Rooms
// collaboration with Cryptographic Computing for Clean Rooms (C3R),
// publishes it into a local data lake's clean zone, registers it in a Glue
// catalog, and decrypts a query result, as the result receiver would.
//
// With no arguments it reads the shipped synthetic
// examples/testdata/customers.csv, uses a demo collaboration id and a demo
// shared secret, and writes under examples/out/c3r/:
//
//	go run ./examples/c3r
//	go run ./examples/c3r -in crm.csv -dir /tmp/c3r -collab <collaboration id>
//
// The shared secret is C3R_SHARED_SECRET (Base64, at least 32 bytes) when
// set, else the embedded demo secret (never use it for real data). The
// collaboration settings are given (-cleartext, -duplicates, -joins,
// -nulls); with a real collaboration read them with c3r.ReadSettings.
//
// Output (in -dir):
//
//	lake/clean/c3r/customers/part-<hash>.parquet  the encrypted table
//	lake/clean/c3r/customers/_c3r/manifest-….json what produced it
//	catalog.json                                   the Glue table (from the in-memory Glue)
//	results/result.csv                             a query result (simulated from the table)
//	results/result_decrypted.csv                   the result decrypted
//
// A rerun over the same input, schema, settings and secret writes nothing
// new to the lake; the result files are rewritten with the same content.
// Exit status: 0 on success, 1 on a failure, 2 for bad flags.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/c3r"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/parquet-go/parquet-go"
)

// Demo defaults: a fake collaboration id and a published-nowhere demo
// secret (Base64 of 32 bytes). Real runs pass -collab and set
// C3R_SHARED_SECRET.
const (
	demoCollaboration = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	demoSecret        = "Y2Rwa2l0IGMzciBkZW1vIHNlY3JldCwgbm90IHJlYWwh" // "cdpkit c3r demo secret, not real!"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	In, Dir, Collab string
	Settings        c3r.Settings
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("c3r", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.In, "in", filepath.Join("examples", "testdata", "customers.csv"), "customer CSV with a header row")
	fs.StringVar(&c.Dir, "dir", filepath.Join("examples", "out", "c3r"), "output directory")
	fs.StringVar(&c.Collab, "collab", demoCollaboration, "collaboration id (the key derivation's salt)")
	fs.BoolVar(&c.Settings.AllowCleartext, "cleartext", true, "collaboration allows cleartext columns")
	fs.BoolVar(&c.Settings.AllowDuplicates, "duplicates", true, "collaboration allows duplicate fingerprint values")
	fs.BoolVar(&c.Settings.AllowJoinsOnColumnsWithDifferentNames, "joins", false, "collaboration allows joins on columns with different names")
	fs.BoolVar(&c.Settings.PreserveNulls, "nulls", true, "collaboration preserves NULLs")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "c3r:", err)
		return 2
	}
	if err := runConfig(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "c3r:", err)
		return 1
	}
	return 0
}

// schemaFor protects the customer table: identifiers people join on are
// fingerprints, personal attributes are sealed (padded so lengths do not
// leak), coarse attributes stay in cleartext when the collaboration allows
// it.
func schemaFor(header []string, s c3r.Settings) (c3r.Schema, error) {
	kinds := map[string]c3r.ColumnType{
		"e_mail": c3r.Fingerprint, "mobile": c3r.Fingerprint,
		"city": c3r.Cleartext, "state": c3r.Cleartext, "country": c3r.Cleartext, "gender": c3r.Cleartext,
	}
	return c3r.GenerateSchema(header, kinds, c3r.Pad{Type: c3r.PadMax, Length: 8}, s, false)
}

func runConfig(ctx context.Context, cfg config, stdout io.Writer) error {
	secretText := os.Getenv("C3R_SHARED_SECRET")
	if secretText == "" {
		secretText = demoSecret
	}
	secret, err := c3r.SecretFromBase64(secretText)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(cfg.In)
	if err != nil {
		return err
	}
	header, err := csvHeader(data)
	if err != nil {
		return err
	}
	schema, err := schemaFor(header, cfg.Settings)
	if err != nil {
		return err
	}
	// The configured table's analysis rule: members join on e-mail and
	// list coarse attributes.
	rule := cleanroom.List{JoinColumns: []string{"e_mail_fingerprint"}, ListColumns: []string{"city", "state", "customer_id_sealed"}}
	if err := schema.Validate(cfg.Settings, rule); err != nil {
		return err
	}

	// 1. Encrypt into the lake's clean zone.
	lake, err := filezone.New(filepath.Join(cfg.Dir, "lake"))
	if err != nil {
		return err
	}
	store := zones.New(lake)
	enc, err := c3r.NewEncryptor(secret, cfg.Collab, cfg.Settings)
	if err != nil {
		return err
	}
	in := c3r.Input{Format: c3r.CSV, R: bytes.NewReader(data), Size: int64(len(data))}
	pub, err := enc.Publish(ctx, store, "c3r/customers", in, c3r.Parquet, schema)
	if err != nil {
		return err
	}
	state := "written"
	if pub.Unchanged {
		state = "unchanged, nothing written"
	}
	fmt.Fprintf(stdout, "encrypted %d rows × %d columns → clean/%s (%s)\n", pub.Stats.Rows, pub.Stats.Columns, pub.Object.Key, state)
	for _, r := range pub.Removed {
		fmt.Fprintf(stdout, "  replaced clean/%s\n", r)
	}

	// 2. Register it in Glue (catalogtest's in-memory Glue here; a
	// *glue.Client in production).
	glue := catalogtest.NewGlue()
	reg := catalog.New(glue)
	if _, err := reg.EnsureDatabase(ctx, catalog.Database{Name: "collaboration"}); err != nil {
		return err
	}
	tableSchema := c3r.CatalogSchema(pub.Stats.Output, pub.Location)
	if tableSchema.Location == "" {
		tableSchema.Location = "s3://example-bucket/clean/c3r/customers"
	}
	if _, err := reg.EnsureTable(ctx, "collaboration", "customers", tableSchema); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(cfg.Dir, "catalog.json"), tableSchema.TableInput("customers")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "registered collaboration.customers with %d columns\n", len(tableSchema.Columns))

	// 3. A query result as Clean Rooms would deliver it: the first rows of
	// the table, some columns (simulated: we read the encrypted table).
	result, err := simulateResult(ctx, store, pub.Object.Key, []string{"customer_id_sealed", "e_mail_fingerprint", "first_name_sealed", "city"}, 10)
	if err != nil {
		return err
	}
	resDir := filepath.Join(cfg.Dir, "results")
	if err := os.MkdirAll(resDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(resDir, "result.csv"), result, 0o644); err != nil {
		return err
	}

	// 4. Decrypt it.
	dec, err := c3r.NewDecryptor(secret, cfg.Collab)
	if err != nil {
		return err
	}
	var clear bytes.Buffer
	st, err := dec.DecryptCSV(ctx, &clear, bytes.NewReader(result))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(resDir, "result_decrypted.csv"), clear.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "decrypted a %d-row result → %s\n", st.Rows, filepath.Join(resDir, "result_decrypted.csv"))
	return nil
}

func csvHeader(data []byte) ([]string, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	r := bytes.TrimRight(line, "\r")
	if len(r) == 0 {
		return nil, errors.New("the input has no header row")
	}
	var out []string
	for _, f := range bytes.Split(r, []byte(",")) {
		out = append(out, string(bytes.Trim(f, ` "`)))
	}
	return out, nil
}

// simulateResult reads n rows of the published Parquet table and writes
// the chosen columns as CSV, the shape of a Clean Rooms query result.
func simulateResult(ctx context.Context, store *zones.Store, key string, cols []string, n int) ([]byte, error) {
	rc, err := store.Get(ctx, zones.Clean, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	leaf := make([]int, len(cols))
	for i, c := range cols {
		lc, ok := f.Schema().Lookup(c)
		if !ok {
			return nil, fmt.Errorf("the table has no column %q", c)
		}
		leaf[i] = lc.ColumnIndex
	}
	var out bytes.Buffer
	rows := make([]parquet.Row, n)
	r := parquet.NewReader(f)
	defer r.Close()
	got, err := r.ReadRows(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	w := csv.NewWriter(&out)
	w.Write(cols)
	rec := make([]string, len(cols))
	for _, row := range rows[:got] {
		for i := range rec {
			rec[i] = ""
		}
		for _, v := range row {
			for i, l := range leaf {
				if v.Column() == l && !v.IsNull() {
					rec[i] = string(v.ByteArray())
				}
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
