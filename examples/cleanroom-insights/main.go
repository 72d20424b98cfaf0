// Command cleanroom-insights runs a CDP × publisher insights collaboration
// end to end on embedded defaults — no AWS account, no network:
//
//  1. the CDP creates a collaboration (it can query and receive results),
//     joins it with a default result location, and invites the publisher;
//  2. the publisher, from its own account, accepts by creating its
//     membership;
//  3. each shares a Glue table of hashed emails and attributes under an
//     aggregation rule (validated locally before any call): overlaps are
//     reported only for groups of at least 3 people;
//  4. the CDP checks its overlap-by-segment query against both tables'
//     analysis rules with sqlcheck (a query the service would refuse is
//     never started: the problems are printed with their positions), then
//     runs it as a protected query, waits for it, reads the results back
//     from S3 and prints them;
//  5. the whole setup is applied again to show that a rerun writes nothing.
//
// Clean Rooms is cleanroomtest's fake (one in-process service, two accounts)
// executing the SQL on an embedded engine; results land in its in-memory
// S3. The printed table is also written to <dir>/overlap_by_segment.csv,
// replaced on every run. -query runs another query instead (it is checked
// first, like the default one).
//
// With AWS, the same code takes a *cleanrooms.Client per account (from
// config.LoadDefaultConfig) and an *s3.Client for the results.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
)

const (
	cdpAccount       = "111122223333"
	publisherAccount = "444455556666"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "cleanroom-insights"), "output directory")
	people := flag.Int("people", 500, "number of synthetic people")
	query := flag.String("query", overlapSQL, "the protected query to check and run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *people, *query, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cleanroom-insights:", err)
		os.Exit(1)
	}
}

// world is the two accounts' view of the service and where results land.
type world struct {
	cdp, publisher *cleanroom.Client
	results        cleanroom.ObjectAPI
	fake           *cleanroomtest.CleanRooms
}

func embedded(people int) world {
	f := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.AccountID = cdpAccount
		o.QueryQueued, o.QueryRuns = 20*time.Millisecond, 50*time.Millisecond
	})
	pub := f.As(publisherAccount)
	cdpRows, pubRows := synthetic(people)
	f.SetTableData("cdp_curated", "customers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "hashed_email", Type: "string"}, {Name: "segment", Type: "string"}, {Name: "lifetime_value", Type: "double"}},
		Rows:    cdpRows,
	})
	pub.SetTableData("pub_analytics", "readers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "hashed_email", Type: "string"}, {Name: "section", Type: "string"}, {Name: "visits", Type: "bigint"}},
		Rows:    pubRows,
	})
	fast := func(o *cleanroom.Options) {
		o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 100*time.Millisecond
	}
	return world{cdp: cleanroom.New(f, fast), publisher: cleanroom.New(pub, fast), results: f.S3(), fake: f}
}

func run(ctx context.Context, dir string, people int, query string, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w := embedded(people)
	cdpMembership, tables, err := setup(ctx, w, out)
	if err != nil {
		return err
	}
	// The service refuses a query that breaks a table's analysis rule only
	// after it is started (and billed); check it first, against the rules
	// just applied, as the CDP who runs it.
	if err := check(out, query, tables, cdpAccount); err != nil {
		return err
	}
	q, err := w.cdp.RunQuery(ctx, cleanroom.QueryInput{MembershipID: cdpMembership, SQL: query})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "query %s in %v\n", q.Status, q.Duration)
	f, err := os.Create(filepath.Join(dir, "overlap_by_segment.csv.tmp"))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cw := csv.NewWriter(f)
	_ = cw.Write([]string{"segment", "section", "people"})
	fmt.Fprintf(out, "%-10s %-10s %s\n", "segment", "section", "people")
	n := 0
	for row, err := range cleanroom.ResultRows(ctx, w.results, q.ResultLocation, func(o *cleanroom.ResultOptions) {
		o.Types = map[string]string{"people": "bigint"}
	}) {
		if err != nil {
			return err
		}
		seg, sec, cnt := row.Get("segment"), row.Get("section"), row.Get("people")
		fmt.Fprintf(out, "%-10v %-10v %v\n", seg, sec, cnt)
		_ = cw.Write([]string{fmt.Sprint(seg), fmt.Sprint(sec), fmt.Sprint(cnt)})
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, "overlap_by_segment.csv")); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d groups (groups under 3 people are withheld by the aggregation rule)\n", n)

	// Apply everything again: found by tag, nothing to change.
	before := w.fake.Writes()
	if _, _, err := setup(ctx, w, io.Discard); err != nil {
		return err
	}
	fmt.Fprintf(out, "re-applied the collaboration, both memberships and both tables: %d writes\n", w.fake.Writes()-before)
	return nil
}

const overlapSQL = `SELECT c.segment, r.section, COUNT(DISTINCT c.hashed_email) AS people
FROM customers c JOIN readers r ON c.hashed_email = r.hashed_email
GROUP BY c.segment, r.section
ORDER BY c.segment, r.section`

// check holds query against the analysis rules of tables, as runner would
// run it directly (no analysis template), prints a one-line summary of the
// report and every problem, and returns an error matching
// sqlcheck.ErrRejected when the service would refuse the query. Problems name tables, columns and positions, never
// a value from the SQL.
func check(out io.Writer, query string, tables []sqlcheck.Table, runner string) error {
	rep := sqlcheck.Check(query, tables, func(o *sqlcheck.Options) { o.Runner = runner })
	constraints := make([]string, len(rep.OutputConstraints))
	for i, c := range rep.OutputConstraints {
		constraints[i] = fmt.Sprintf("%s.%s>=%d", c.Table, c.Column, c.Minimum)
	}
	if len(constraints) == 0 {
		constraints = append(constraints, "none")
	}
	fmt.Fprintf(out, "check: %d error(s), %d warning(s); output constraints: %s\n",
		len(rep.Problems.Errors()), len(rep.Problems.Warnings()), strings.Join(constraints, ", "))
	for _, p := range rep.Problems {
		fmt.Fprintf(out, "  %v\n", p)
	}
	if errs := rep.Problems.Errors(); len(errs) > 0 {
		return fmt.Errorf("query not started: %d problem(s), listed above: %w", len(errs), sqlcheck.ErrRejected)
	}
	return nil
}

// setup ensures the collaboration, both memberships and both tables, and
// returns the CDP's membership and the tables as queries see them.
func setup(ctx context.Context, w world, out io.Writer) (string, []sqlcheck.Table, error) {
	col, err := w.cdp.EnsureCollaboration(ctx, cleanroom.CollaborationSpec{
		Key: "cdp-publisher-insights", Name: "CDP x Publisher insights", Description: "Audience overlap by segment",
		CreatorDisplayName: "CDP", CreatorAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members: []cleanroom.MemberSpec{{AccountID: publisherAccount, DisplayName: "Publisher", Abilities: []types.MemberAbility{}}},
		Membership: &cleanroom.MembershipSpec{Results: &cleanroom.ResultConfiguration{
			Bucket: "cdp-cleanroom-results", KeyPrefix: "insights", Format: types.ResultFormatCsv,
			RoleARN: "arn:aws:iam::" + cdpAccount + ":role/cleanrooms-results-writer"}},
	})
	if err != nil {
		return "", nil, err
	}
	report(out, "CDP", col.Plan)
	join, err := w.publisher.EnsureMembership(ctx, cleanroom.JoinSpec{Key: "cdp-publisher-insights",
		CollaborationName: "CDP x Publisher insights", CreatorAccountID: cdpAccount})
	if err != nil {
		return "", nil, err
	}
	report(out, "publisher", join.Plan)
	rule := func(dimension string) cleanroom.Aggregation {
		return cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			DimensionColumns:  []string{dimension},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 3}},
		}
	}
	tables := []struct {
		c       *cleanroom.Client
		who     string
		account string
		spec    cleanroom.TableSpec
	}{
		{w.cdp, "CDP", cdpAccount, cleanroom.TableSpec{Key: "cdp-customers",
			Table:           cleanroom.Table{Name: "CDP customers", Database: "cdp_curated", Table: "customers", AllowedColumns: []string{"hashed_email", "segment"}},
			Rule:            rule("segment"),
			Association:     &cleanroom.Association{MembershipID: col.MembershipID, Name: "customers", RoleARN: "arn:aws:iam::" + cdpAccount + ":role/cleanrooms-read-customers"},
			AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{cdpAccount}},
			GlueColumns:     []string{"hashed_email", "segment", "lifetime_value"}}},
		{w.publisher, "publisher", publisherAccount, cleanroom.TableSpec{Key: "publisher-readers",
			Table:           cleanroom.Table{Name: "Publisher readers", Database: "pub_analytics", Table: "readers", AllowedColumns: []string{"hashed_email", "section"}},
			Rule:            rule("section"),
			Association:     &cleanroom.Association{MembershipID: join.MembershipID, Name: "readers", RoleARN: "arn:aws:iam::" + publisherAccount + ":role/cleanrooms-read-readers"},
			AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{cdpAccount}},
			GlueColumns:     []string{"hashed_email", "section", "visits"}}},
	}
	var checked []sqlcheck.Table
	for _, t := range tables {
		if ps := t.spec.Validate(); len(ps.Errors()) > 0 {
			return "", nil, fmt.Errorf("%s table spec: %v", t.who, ps.Errors())
		}
		res, err := t.c.Ensure(ctx, t.spec)
		if err != nil {
			return "", nil, err
		}
		for _, ch := range res.Changes {
			fmt.Fprintf(out, "%s: %v\n", t.who, ch)
		}
		checked = append(checked, sqlcheck.FromSpec(t.spec, t.account))
	}
	return col.MembershipID, checked, nil
}

func report(out io.Writer, who string, plan []cleanroom.Change) {
	for _, ch := range plan {
		fmt.Fprintf(out, "%s: %v\n", who, ch)
	}
}

// synthetic makes both parties' rows from one population: the CDP knows
// 70% of it, the publisher 60%, with segments and sections skewed so some
// groups fall under the aggregation threshold.
func synthetic(people int) (cdp, pub [][]any) {
	r := rand.New(rand.NewPCG(7, 11))
	segments := []string{"sports", "travel", "finance", "gaming"}
	sections := []string{"news", "lifestyle", "business"}
	for i := range people {
		sum := sha256.Sum256(fmt.Appendf(nil, "person%d@example.com", i))
		email := hex.EncodeToString(sum[:])
		if r.Float64() < 0.7 {
			seg := segments[min(r.IntN(10), 3)%len(segments)]
			if i%97 == 0 {
				seg = "luxury" // a rare segment: its groups stay under the threshold
			}
			cdp = append(cdp, []any{email, seg, float64(r.IntN(50000)) / 100})
		}
		if r.Float64() < 0.6 {
			pub = append(pub, []any{email, sections[r.IntN(len(sections))], int64(1 + r.IntN(40))})
		}
	}
	return cdp, pub
}
