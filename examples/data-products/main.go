// Command data-products shares data products through Lake Formation on
// embedded defaults — no AWS account, no network:
//
//  1. two producer domains (sales, marketing) describe their products in
//     their own spec files; the central governance account merges them
//     with its LF-tags and tag-based grants, plans and applies: Glue
//     tables registered without crawlers, S3 locations registered, LF-tags
//     on databases, tables and columns, grants to the consumer's role;
//  2. the consumer account accepts the RAM invitation, creates resource
//     links and lets its analyst role describe them;
//  3. the consumer's effective permissions are printed: tag-based access to
//     the sales product (its PII column tagged away), column- and
//     row-filtered access to the marketing product;
//  4. a query engine's view (the fake's Select) shows the granted columns
//     readable and the excluded ones not;
//  5. both specs are planned and applied again: zero writes;
//  6. the marketing domain retires its product: without it (and without
//     the consumer's link to it) the plans list orphans, found by the
//     ownership mark, and write nothing; with Options.Prune the grants,
//     filter, tag assignments and the link go; with Options.PruneData the
//     table and database too; planned again: zero writes.
//
// The specs are read from -dir (written there from the embedded defaults on
// the first run, so they can be edited), and the effective permissions are
// written to -dir/effective-permissions.json. Lake Formation, RAM and Glue
// are catalogtest's in-process fakes of a central and a consumer account;
// with real clients (lakeformation.NewFromConfig, glue.NewFromConfig,
// ram.NewFromConfig for each account) the same calls run against AWS.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/catalog/govern"
)

//go:embed specs/*.json
var defaults embed.FS

const (
	centralAccount  = "111111111111"
	consumerAccount = "222222222222"
	analyst         = "arn:aws:iam::222222222222:role/insights-analyst"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "data-products"), "directory of the specs and the report")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "data-products:", err)
		os.Exit(1)
	}
}

// specs are the four spec files.
type specs struct {
	central, consumer govern.Spec
	// retired is the marketing product (from marketing.json).
	retired govern.Product
}

// loadSpecs writes the embedded specs into dir where missing (never over an
// edited file) and reads them back: the central spec with the domains'
// products merged in, and the consumer's.
func loadSpecs(dir string) (specs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return specs{}, err
	}
	files, err := fs.Glob(defaults, "specs/*.json")
	if err != nil {
		return specs{}, err
	}
	for _, f := range files {
		dst := filepath.Join(dir, filepath.Base(f))
		if _, err := os.Stat(dst); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return specs{}, err
		}
		b, err := defaults.ReadFile(f)
		if err != nil {
			return specs{}, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return specs{}, err
		}
	}
	read := func(name string, v any) error {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	var s specs
	if err := read("central.json", &s.central); err != nil {
		return specs{}, err
	}
	for _, domain := range []string{"sales.json", "marketing.json"} {
		var p govern.Product
		if err := read(domain, &p); err != nil {
			return specs{}, err
		}
		s.central.Products = append(s.central.Products, p)
		s.retired = p
	}
	if err := read("consumer.json", &s.consumer); err != nil {
		return specs{}, err
	}
	return s, nil
}

// accounts are the two accounts' fakes.
type accounts struct {
	central, consumer *catalogtest.LakeFormation
}

func (a accounts) writes() int {
	return a.central.Writes() + a.central.Glue().Writes() + a.consumer.Glue().Writes()
}

func run(ctx context.Context, dir string, out io.Writer) error {
	s, err := loadSpecs(dir)
	if err != nil {
		return err
	}
	lf := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) { o.Account = centralAccount })
	acc := accounts{central: lf, consumer: lf.AddAccount(consumerAccount, nil)}
	central := govern.New(acc.central, acc.central.Glue())
	consumer := govern.New(acc.consumer, acc.consumer.Glue(), func(o *govern.Options) { o.RAM = acc.consumer.RAM() })

	fmt.Fprintf(out, "specs: %s\n\n", dir)
	for _, step := range []struct {
		name string
		g    *govern.Governor
		spec govern.Spec
	}{{"central catalog (sales and marketing products)", central, s.central}, {"consumer account", consumer, s.consumer}} {
		plan, err := step.g.Plan(ctx, step.spec)
		if err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		fmt.Fprintf(out, "== plan: %s\n%s", step.name, plan)
		res, err := step.g.Apply(ctx, plan)
		if err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		fmt.Fprintf(out, "applied %d actions with %d writes\n\n", res.Applied, res.Writes)
	}

	access, err := central.Effective(ctx, centralAccount, analyst)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "== effective permissions of %s\n", analyst)
	for _, d := range access.Databases {
		fmt.Fprintf(out, "database %s: %v (via %s)\n", d.Database, d.Permissions, vias(d.Via))
	}
	for _, t := range access.Tables {
		rows := "all rows"
		if len(t.RowFilters) > 0 {
			rows = "rows where " + strings.Join(t.RowFilters, " or ")
		}
		fmt.Fprintf(out, "table %s.%s: %v columns %s, %s (via %s)\n", t.Database, t.Table, t.Permissions, strings.Join(t.Columns, ","), rows, vias(t.Via))
	}
	b, err := json.MarshalIndent(access, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "effective-permissions.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n== what the analyst's queries can read (through the consumer's resource links)")
	for _, q := range []struct{ link, column string }{
		{"sales_orders", "amount"}, {"sales_orders", "customer_email_sha256"},
		{"marketing_campaigns", "clicks"}, {"marketing_campaigns", "budget"},
	} {
		sel, err := acc.consumer.Select(ctx, analyst, "shared", q.link, q.column)
		switch {
		case err == nil && len(sel.RowFilters) > 0:
			fmt.Fprintf(out, "shared.%s.%s: readable, rows where %s\n", q.link, q.column, strings.Join(sel.RowFilters, " or "))
		case err == nil:
			fmt.Fprintf(out, "shared.%s.%s: readable\n", q.link, q.column)
		case strings.Contains(err.Error(), "AccessDenied"):
			fmt.Fprintf(out, "shared.%s.%s: not readable (access denied)\n", q.link, q.column)
		default:
			return err
		}
	}

	before := acc.writes()
	total := 0
	for _, step := range []struct {
		g    *govern.Governor
		spec govern.Spec
	}{{central, s.central}, {consumer, s.consumer}} {
		plan, err := step.g.Plan(ctx, step.spec)
		if err != nil {
			return err
		}
		res, err := step.g.Apply(ctx, plan)
		if err != nil {
			return err
		}
		total += res.Writes
	}
	fmt.Fprintln(out, "\n== rerun of both specs, unchanged (the services here are in-process fakes that start empty on every run of the command)")
	fmt.Fprintf(out, "rerun writes: %d (services counted %d)\n", total, acc.writes()-before)
	if total != 0 || acc.writes() != before {
		return errors.New("a rerun of unchanged specs wrote")
	}
	return retire(ctx, s, acc, central, consumer, out)
}

// retire drops the marketing product from the central spec and its link
// from the consumer's, then plans without an opt-in, with Prune, and with
// PruneData.
func retire(ctx context.Context, s specs, acc accounts, central, consumer *govern.Governor, out io.Writer) error {
	cs, ls := s.central, s.consumer
	cs.Products = slices.DeleteFunc(slices.Clone(cs.Products), func(p govern.Product) bool { return p.Name == s.retired.Name })
	ls.Links = slices.DeleteFunc(slices.Clone(ls.Links), func(l govern.Link) bool {
		return l.Target.CatalogID == cs.CatalogID && strings.EqualFold(l.Target.Database, s.retired.Database)
	})
	var (
		prune     = func(o *govern.Options) { o.Prune = true }
		pruneData = func(o *govern.Options) { o.Prune, o.PruneData = true, true }
	)
	for _, stage := range []struct {
		title       string
		centralOpts []func(*govern.Options)
		consOpts    []func(*govern.Options)
	}{
		{"no opt-in: orphans listed, nothing removed", nil, nil},
		{"Options.Prune: access removed, metadata kept", []func(*govern.Options){prune}, []func(*govern.Options){prune}},
		{"Options.PruneData: the product's tables and database deleted", []func(*govern.Options){pruneData}, []func(*govern.Options){prune}},
	} {
		fmt.Fprintf(out, "\n== product %s retired; %s\n", s.retired.Name, stage.title)
		writes := 0
		for _, step := range []struct {
			g    *govern.Governor
			spec govern.Spec
			opts []func(*govern.Options)
		}{{central, cs, stage.centralOpts}, {consumer, ls, stage.consOpts}} {
			plan, err := step.g.Plan(ctx, step.spec, step.opts...)
			if err != nil {
				return err
			}
			fmt.Fprint(out, plan)
			res, err := step.g.Apply(ctx, plan)
			if err != nil {
				return err
			}
			writes += res.Writes
		}
		fmt.Fprintf(out, "writes: %d\n", writes)
		access, err := central.Effective(ctx, centralAccount, analyst)
		if err != nil {
			return err
		}
		var tables []string
		for _, t := range access.Tables {
			tables = append(tables, t.Database+"."+t.Table)
		}
		fmt.Fprintf(out, "the analyst reads: %s\n", strings.Join(tables, ", "))
	}

	before := acc.writes()
	total := 0
	for _, step := range []struct {
		g    *govern.Governor
		spec govern.Spec
	}{{central, cs}, {consumer, ls}} {
		plan, err := step.g.Plan(ctx, step.spec, pruneData)
		if err != nil {
			return err
		}
		res, err := step.g.Apply(ctx, plan)
		if err != nil {
			return err
		}
		total += res.Writes + len(plan.Orphans)
	}
	fmt.Fprintf(out, "\n== rerun after pruning\nrerun writes: %d (services counted %d)\n", total, acc.writes()-before)
	if total != 0 || acc.writes() != before {
		return errors.New("a rerun after pruning wrote or found orphans")
	}
	return nil
}

func vias(vs []govern.Via) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Grant
	}
	return strings.Join(out, "; ")
}
