// Command pipeline runs cdpkit's whole flow on embedded defaults — no AWS
// account, no network:
//
//  1. three synthetic sources (a CRM export, web sign-ups, call-center logs)
//     land unchanged in the raw zone of a local-directory lake;
//  2. each is parsed, normalized and hashed per field into a Parquet dataset
//     in the clean zone, with malformed lines and rejected cells quarantined
//     with their reasons;
//  3. the dataset is registered in a Glue Data Catalog (catalogtest's
//     in-memory Glue);
//  4. identity links the records into persons;
//  5. profiles (survivorship: latest value per key) and a segment go to the
//     curated zone;
//  6. the profiles table is shared through Clean Rooms (cleanroomtest's fake)
//     under an aggregation rule validated locally;
//  7. the segment is uploaded as a Meta Custom Audience (metatest's Graph
//     server on loopback).
//
// Run it twice: the raw zone recognises the same bytes, the datasets are
// replaced rather than duplicated, and the lake does not grow.
//
// The services are plain values (see the services struct): a real service
// takes a *glue.Client, a *cleanrooms.Client (from config.LoadDefaultConfig),
// an s3zone backend and a meta.Client with a real token in their place.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

func main() {
	dir := flag.String("dir", filepath.Join("examples", "out", "pipeline"), "directory of the local lake")
	people := flag.Int("people", 2000, "number of synthetic people behind the inputs")
	seed := flag.Uint64("seed", 1, "seed of the synthetic inputs")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := main1(ctx, *dir, *people, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func main1(ctx context.Context, dir string, people int, seed uint64, out io.Writer) error {
	if people < 1 {
		return fmt.Errorf("-people must be at least 1")
	}
	svc, closeAll, err := embedded(ctx, dir)
	if err != nil {
		return err
	}
	defer closeAll()
	fmt.Fprintf(out, "lake: %s\n", dir)
	if _, err = run(ctx, svc, generate(people, seed), out); err != nil {
		return err
	}
	fmt.Fprintln(out, "Run it again: the raw zone recognises the same bytes and the datasets are replaced, not duplicated.")
	fmt.Fprintln(out, "(Glue, Clean Rooms and Meta are in-process fakes here, so they start empty on every run.)")
	return nil
}

// embedded wires the pipeline to a local-directory lake and in-process fakes
// of Glue, Clean Rooms and the Graph API.
func embedded(ctx context.Context, dir string) (services, func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return services{}, nil, err
	}
	backend, err := filezone.New(dir)
	if err != nil {
		return services{}, nil, err
	}
	cr := cleanroomtest.NewCleanRooms()
	membership, err := cleanroomtest.NewMembership(ctx, cr)
	if err != nil {
		return services{}, nil, err
	}
	graph := metatest.NewServer(metatest.NewModel())
	svc := services{
		store:      zones.New(backend),
		glue:       catalogtest.NewGlue(),
		cleanrooms: cr,
		membership: membership,
		receiver:   cr.AccountID(),
		roleARN:    "arn:aws:iam::" + cr.AccountID() + ":role/cdpkit-cleanrooms-read",
		audiences:  graph.Client(),
		adAccount:  "act_1234567890",
	}
	return svc, graph.Close, nil
}
