// Command cleanroom-to-meta turns a Clean Rooms match into a Meta Custom
// Audience, on embedded defaults — no AWS account, no Meta token, no
// network beyond loopback:
//
//  1. an advertiser creates a collaboration with a publisher and shares its
//     CRM table (a collaboration-keyed match key and the Meta-ready email
//     digest) under a LIST rule; the publisher joins and shares its
//     subscribers (match key and interest) under a LIST rule whose results
//     only the advertiser may receive;
//  2. the advertiser checks its match query (customers the publisher knows
//     as interested in "outdoors") against both LIST rules with sqlcheck —
//     a query the service would refuse is never started, its problems are
//     printed with their positions — then runs it, with Parquet results;
//  3. the result rows are read back from S3 and uploaded to a Meta Custom
//     Audience through activation/meta, with a checkpoint in the local lake
//     at -dir so an interrupted upload resumes without re-sending batches;
//  4. the counts are printed.
//
// Clean Rooms is cleanroomtest's fake running the SQL; Meta's Graph API is
// metatest's fake served on 127.0.0.1. With real services the same code
// takes *cleanrooms.Client, *s3.Client and a meta.Client with a token.
// -query runs another query instead (checked first, like the default one);
// its result must have an email_sha256 column.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/cleanroom/sqlcheck"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

const (
	advertiserAccount = "111122223333"
	publisherAccount  = "444455556666"
	adAccount         = "act_1234567890"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "cleanroom-to-meta"), "directory of the local lake (upload checkpoints)")
	people := flag.Int("people", 2000, "number of synthetic people")
	query := flag.String("query", matchSQL, "the protected query to check and run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *people, *query, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cleanroom-to-meta:", err)
		os.Exit(1)
	}
}

// matchSQL lists the email digests of the advertiser's customers whom the
// publisher knows as interested in outdoors.
const matchSQL = `SELECT DISTINCT c.email_sha256 FROM crm c JOIN subscribers s ON c.match_key = s.match_key WHERE s.interest = 'outdoors'`

func run(ctx context.Context, dir string, people int, query string, out io.Writer) error {
	backend, err := filezone.New(dir)
	if err != nil {
		return err
	}
	lake := zones.New(backend)

	// Embedded services: one Clean Rooms fake seen from two accounts, and
	// Meta's Graph API on loopback.
	cr := cleanroomtest.NewCleanRooms(func(o *cleanroomtest.CleanRoomsOptions) {
		o.AccountID = advertiserAccount
		o.QueryQueued, o.QueryRuns = 20*time.Millisecond, 50*time.Millisecond
	})
	pub := cr.As(publisherAccount)
	graph := metatest.NewGraphServer(metatest.NewGraph())
	defer graph.Close()
	audiences := graph.Client()
	fast := func(o *cleanroom.Options) {
		o.PollInterval, o.MaxPollInterval = 10*time.Millisecond, 100*time.Millisecond
	}
	advertiser, publisher := cleanroom.New(cr, fast), cleanroom.New(pub, fast)

	crm, subs, err := synthetic(people)
	if err != nil {
		return err
	}
	cr.SetTableData("ads_curated", "crm", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "match_key", Type: "string"}, {Name: "email_sha256", Type: "string"}, {Name: "country", Type: "string"}},
		Rows:    crm,
	})
	pub.SetTableData("pub_curated", "subscribers", cleanroomtest.TableData{
		Columns: []cleanroomtest.Column{{Name: "match_key", Type: "string"}, {Name: "interest", Type: "string"}},
		Rows:    subs,
	})

	// 1. Collaboration, memberships, tables under LIST rules.
	col, err := advertiser.EnsureCollaboration(ctx, cleanroom.CollaborationSpec{
		Key: "advertiser-publisher-match", Name: "Advertiser x Publisher match", Description: "Match for Meta activation",
		CreatorDisplayName: "Advertiser", CreatorAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Members:    []cleanroom.MemberSpec{{AccountID: publisherAccount, DisplayName: "Publisher", Abilities: []types.MemberAbility{}}},
		Membership: &cleanroom.MembershipSpec{},
	})
	if err != nil {
		return err
	}
	join, err := publisher.EnsureMembership(ctx, cleanroom.JoinSpec{Key: "advertiser-publisher-match", CollaborationID: col.CollaborationID})
	if err != nil {
		return err
	}
	var tables []sqlcheck.Table
	for _, t := range []struct {
		c       *cleanroom.Client
		account string
		spec    cleanroom.TableSpec
	}{
		{advertiser, advertiserAccount, cleanroom.TableSpec{Key: "advertiser-crm",
			Table:           cleanroom.Table{Name: "Advertiser CRM", Database: "ads_curated", Table: "crm", AllowedColumns: []string{"match_key", "email_sha256"}},
			Rule:            cleanroom.List{JoinColumns: []string{"match_key"}, ListColumns: []string{"email_sha256"}},
			Association:     &cleanroom.Association{MembershipID: col.MembershipID, Name: "crm", RoleARN: "arn:aws:iam::" + advertiserAccount + ":role/cleanrooms-read-crm"},
			AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{advertiserAccount}}}},
		{publisher, publisherAccount, cleanroom.TableSpec{Key: "publisher-subscribers",
			Table:           cleanroom.Table{Name: "Publisher subscribers", Database: "pub_curated", Table: "subscribers", AllowedColumns: []string{"match_key", "interest"}},
			Rule:            cleanroom.List{JoinColumns: []string{"match_key"}, ListColumns: []string{"interest"}},
			Association:     &cleanroom.Association{MembershipID: join.MembershipID, Name: "subscribers", RoleARN: "arn:aws:iam::" + publisherAccount + ":role/cleanrooms-read-subscribers"},
			AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{advertiserAccount}}}},
	} {
		if ps := t.spec.Validate(); len(ps.Errors()) > 0 {
			return fmt.Errorf("table spec %s: %v", t.spec.Key, ps.Errors())
		}
		if _, err := t.c.Ensure(ctx, t.spec); err != nil {
			return err
		}
		tables = append(tables, sqlcheck.FromSpec(t.spec, t.account))
	}
	for _, ch := range col.Plan {
		fmt.Fprintf(out, "advertiser: %v\n", ch)
	}
	for _, ch := range join.Plan {
		fmt.Fprintf(out, "publisher: %v\n", ch)
	}

	// 2. The match query, checked against both LIST rules as the advertiser
	// runs it (the service refuses a breaking query only once started),
	// then run with Parquet results in the advertiser's bucket.
	if err := check(out, query, tables, advertiserAccount); err != nil {
		return err
	}
	q, err := advertiser.RunQuery(ctx, cleanroom.QueryInput{MembershipID: col.MembershipID,
		SQL:    query,
		Output: &cleanroom.S3Output{Bucket: "advertiser-cleanroom-results", KeyPrefix: "meta-match", Format: types.ResultFormatParquet}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "match query %s\n", q.Status)

	// 3. Results → Meta, with a checkpoint in the lake.
	var matched int
	var readErr error
	rows := func(yield func([]hashing.Cell, error) bool) {
		for row, err := range cleanroom.ResultRows(ctx, cr.S3(), q.ResultLocation) {
			if err != nil {
				readErr = err
				yield(nil, err)
				return
			}
			digest, _ := row.Get("email_sha256").(string)
			cell, err := hashing.CellFromDigest(hashing.Email, digest)
			if err != nil {
				yield(nil, err)
				return
			}
			matched++
			if !yield([]hashing.Cell{cell}, nil) {
				return
			}
		}
	}
	audience, created, err := audiences.EnsureAudience(ctx, adAccount, meta.AudienceSpec{
		Name: "Publisher outdoors readers (clean room match)", Description: "customers matched in AWS Clean Rooms"})
	if err != nil {
		return err
	}
	res, err := meta.NewUploader(audiences).Add(ctx, audience, meta.Schema{hashing.Email}, iter.Seq2[[]hashing.Cell, error](rows), func(o *meta.Options) {
		o.Checkpoint = meta.NewStoreCheckpoint(lake, zones.Curated, "activation/checkpoints")
		o.CheckpointKey = "cleanroom-to-meta-" + q.ID
	})
	if readErr != nil {
		return readErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audience %s; matched rows %d, sent %d in %d batch(es), received by Meta %d, invalid %d\n",
		map[bool]string{true: "created", false: "found"}[created], matched, res.RowsSent, res.Batches, res.NumReceived, res.NumInvalidEntries)
	return nil
}

// check holds query against the analysis rules of tables, as runner would
// run it directly (no analysis template), prints a one-line summary of the
// report and every problem, and returns an error matching
// sqlcheck.ErrRejected when the service would refuse the query. Problems name
// tables, columns and positions, never a value from the SQL.
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

// synthetic makes the advertiser's CRM (every person, a collaboration-keyed
// match key and the Meta email digest) and the publisher's subscribers
// (half of them, with an interest).
func synthetic(people int) (crm, subs [][]any, err error) {
	secret := []byte("collaboration-match-secret")
	r := rand.New(rand.NewPCG(3, 5))
	interests := []string{"outdoors", "cooking", "tech", "outdoors"}
	for i := range people {
		email := fmt.Sprintf("customer%d@example.com", i)
		key, err := hashing.Hash(hashing.Email, email, hashing.WithHMAC(secret))
		if err != nil {
			return nil, nil, err
		}
		digest, err := hashing.Hash(hashing.Email, email)
		if err != nil {
			return nil, nil, err
		}
		crm = append(crm, []any{key, digest, "us"})
		if r.IntN(2) == 0 {
			subs = append(subs, []any{key, interests[r.IntN(len(interests))]})
		}
	}
	return crm, subs, nil
}
