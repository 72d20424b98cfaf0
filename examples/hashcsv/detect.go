package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/hashing/detect"
)

// exitForbidden is the exit status of -detect when the file holds a
// payment card, a national id or free text with PII: nothing is written.
const exitForbidden = 3

// detectColumns classifies the input's columns (hashing/detect samples the
// file by offset, so a large file costs a few hundred small reads), prints
// the findings and the mapping, and turns the mapping into cfg.Overrides:
// every key the classifier did not map is dropped, so the header aliases no
// longer decide. Keys given with -map keep the caller's column.
func detectColumns(ctx context.Context, cfg *config, stdout, stderr io.Writer) int {
	f, err := os.Open(cfg.In)
	if err != nil {
		fmt.Fprintln(stderr, "hashcsv: input:", err)
		return exitUsage
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fmt.Fprintln(stderr, "hashcsv: input:", err)
		return exitUsage
	}
	var opts []func(*detect.Options)
	if cfg.Country != "" {
		opts = append(opts, detect.WithCountry(cfg.Country))
	}
	rep, err := detect.CSV(ctx, f, st.Size(), opts...)
	if err != nil {
		fmt.Fprintf(stderr, "hashcsv: -detect %s: %v\n", cfg.In, err)
		return exitUsage
	}
	printFindings(stdout, rep)
	if err := rep.Check(); err != nil {
		fmt.Fprintf(stderr, "hashcsv: %s: %v; nothing written\n", cfg.In, err)
		return exitForbidden
	}
	mapped := rep.Mapping.Columns()
	for _, k := range hashing.Keys() {
		if _, user := cfg.Overrides[k]; user {
			continue
		}
		cfg.Overrides[k] = strings.TrimSpace(mapped[k]) // "" drops the key
	}
	if len(mapped) == 0 && len(cfg.Overrides) == 0 {
		fmt.Fprintf(stderr, "hashcsv: -detect %s: no column holds a key\n", cfg.In)
		return exitUsage
	}
	return exitOK
}

func printFindings(w io.Writer, rep *detect.Report) {
	fmt.Fprintf(w, "hashcsv: -detect sampled %d rows\n", rep.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "column\tclass\tconfidence\tkey\tsampled\tmatched\tempty")
	for _, f := range rep.Findings {
		key := string(f.Key)
		if key == "" {
			key = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%d\t%d\t%d\n", strings.TrimSpace(f.Column), f.Class, f.Confidence, key, f.Counts.Sampled, f.Counts.Matched, f.Counts.Empty)
	}
	tw.Flush()
	var parts []string
	for _, m := range rep.Mapping {
		parts = append(parts, string(m.Key)+"="+strings.TrimSpace(m.Column))
	}
	fmt.Fprintf(w, "mapping: -map %s\n", strings.Join(parts, ","))
}
