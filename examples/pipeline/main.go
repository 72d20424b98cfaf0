// Command pipeline runs cdpkit's whole flow. On embedded defaults it needs no
// AWS account and no network:
//
//  1. three synthetic sources (a CRM export, web sign-ups, call-center logs)
//     land unchanged in the raw zone of a local-directory lake;
//  2. each is parsed, normalized and hashed per field into a Parquet dataset
//     in the clean zone, with malformed lines, rejected cells and unreadable
//     times quarantined with their reasons;
//  3. the dataset is registered in the Glue Data Catalog, partitions taken
//     from the files written;
//  4. identity links the records into persons (outputs in the curated zone);
//  5. profile builds the profiles and the multi_source segment in the
//     curated zone, registered in Glue;
//  6. the hashed identifiers table is shared through Clean Rooms under an
//     aggregation rule validated locally;
//  7. the segment replaces the members of a Meta Custom Audience, found again
//     by name on a rerun.
//
// Run it twice: the raw zone recognises the same bytes, datasets are
// replaced rather than duplicated, and the lake does not change.
//
// With -live it talks to real services instead: AWS through the default
// credential chain (config.LoadDefaultConfig), the lake in the S3 bucket
// CDPKIT_BUCKET, Clean Rooms membership CDPKIT_CLEANROOMS_MEMBERSHIP with
// the table read by role CDPKIT_CLEANROOMS_ROLE_ARN and results for account
// CDPKIT_CLEANROOMS_RECEIVER, and Meta with the token META_TOKEN on the ad
// account META_AD_ACCOUNT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
	"github.com/cdpkit/cdpkit/zones/s3zone"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "pipeline"), "directory of the local lake")
	people := flag.Int("people", 2000, "number of synthetic people behind the inputs")
	seed := flag.Uint64("seed", 1, "seed of the synthetic inputs")
	live := flag.Bool("live", false, "use real AWS and Meta (see the package documentation for the variables)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := main1(ctx, *dir, *people, *seed, *live, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func main1(ctx context.Context, dir string, people int, seed uint64, live bool, out io.Writer) error {
	if people < 1 {
		return fmt.Errorf("-people must be at least 1")
	}
	setup := func(ctx context.Context) (services, func(), error) { return embedded(ctx, dir) }
	if live {
		setup = real
	}
	svc, closeAll, err := setup(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	sum, err := run(ctx, svc, generate(people, seed), out)
	fmt.Fprintf(out, "== summary\n%+v\n", sum)
	if !live {
		fmt.Fprintln(out, "(Glue, Clean Rooms and Meta are in-process fakes here: they start empty on every run, the lake does not.)")
	}
	return err
}

// embedded wires the pipeline to a local-directory lake and in-process fakes
// of Glue, Clean Rooms and the Graph API.
func embedded(ctx context.Context, dir string) (services, func(), error) {
	backend, err := filezone.New(dir)
	if err != nil {
		return services{}, nil, err
	}
	cr := cleanroomtest.NewCleanRooms()
	col, err := cleanroom.New(cr).EnsureCollaboration(ctx, cleanroom.CollaborationSpec{
		Key: "cdpkit-pipeline", Name: "cdpkit pipeline", Description: "profiles shared for overlap analysis",
		CreatorDisplayName: "cdp", CreatorAbilities: []types.MemberAbility{types.MemberAbilityCanQuery, types.MemberAbilityCanReceiveResults},
		Membership: &cleanroom.MembershipSpec{},
	})
	if err != nil {
		return services{}, nil, err
	}
	membership := col.MembershipID
	graph := metatest.NewGraphServer(metatest.NewGraph())
	return services{
		store: zones.New(backend), glue: catalogtest.NewGlue(), cleanrooms: cr, membership: membership,
		receiver: cr.AccountID(), roleARN: "arn:aws:iam::" + cr.AccountID() + ":role/cdpkit-cleanrooms-read",
		audiences: graph.Client(), adAccount: "act_1234567890",
		runAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}, graph.Close, nil
}

// real wires the pipeline to AWS (default credential chain) and Meta.
func real(ctx context.Context) (services, func(), error) {
	env := map[string]string{}
	var missing []error
	for _, k := range []string{"CDPKIT_BUCKET", "CDPKIT_CLEANROOMS_MEMBERSHIP", "CDPKIT_CLEANROOMS_ROLE_ARN",
		"CDPKIT_CLEANROOMS_RECEIVER", "META_TOKEN", "META_AD_ACCOUNT"} {
		if env[k] = os.Getenv(k); env[k] == "" {
			missing = append(missing, fmt.Errorf("%s is not set", k))
		}
	}
	if len(missing) > 0 {
		return services{}, nil, errors.Join(missing...)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return services{}, nil, err
	}
	backend, err := s3zone.New(s3.NewFromConfig(cfg), env["CDPKIT_BUCKET"])
	if err != nil {
		return services{}, nil, err
	}
	return services{
		store: zones.New(backend), glue: glue.NewFromConfig(cfg), cleanrooms: cleanrooms.NewFromConfig(cfg),
		membership: env["CDPKIT_CLEANROOMS_MEMBERSHIP"], receiver: env["CDPKIT_CLEANROOMS_RECEIVER"],
		roleARN: env["CDPKIT_CLEANROOMS_ROLE_ARN"], audiences: meta.NewClient(env["META_TOKEN"]),
		adAccount: env["META_AD_ACCOUNT"], runAt: time.Now().UTC(),
	}, func() {}, nil
}
