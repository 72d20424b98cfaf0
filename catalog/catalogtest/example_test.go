package catalogtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// An ISV test: run the real Registrar on the in-memory Glue, inject a
// throttle, and inspect what was written.
func ExampleNewGlue() {
	ctx := context.Background()
	g := catalogtest.NewGlue()
	g.Inject(catalogtest.FailTimes("CreateTable", 1, &types.ThrottlingException{Message: aws.String("Rate exceeded")}))

	// No backoff waits in unit tests (use testing/synctest to test them).
	r := catalog.New(g, func(o *catalog.Options) { o.Backoff = func(int) time.Duration { return 0 } })
	if _, err := r.EnsureDatabase(ctx, catalog.Database{Name: "cdp"}); err != nil {
		fmt.Println(err)
		return
	}
	ch, err := r.EnsureTable(ctx, "cdp", "hashed_profiles", catalog.Schema{
		Columns:  []catalog.Column{{Name: "person_id", Type: "string"}, {Name: "email_sha256", Type: "string"}},
		Location: "s3://acme-lake/curated/hashed_profiles/",
	})
	fmt.Println(ch.Created, err)
	fmt.Println("CreateTable calls:", g.Count("CreateTable"), "writes:", g.Writes())
	t := g.Table("cdp", "hashed_profiles")
	fmt.Println(*t.StorageDescriptor.Location, len(t.StorageDescriptor.Columns))
	// Output:
	// true <nil>
	// CreateTable calls: 2 writes: 3
	// s3://acme-lake/curated/hashed_profiles/ 2
}

// A real *glue.Client against the Glue-protocol server: SDK serialisation,
// error decoding and paginators run unmodified.
func ExampleNewGlueServer() {
	srv := catalogtest.NewGlueServer(catalogtest.NewGlue())
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	_, err := client.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("missing")})
	var enf *types.EntityNotFoundException
	fmt.Println(errors.As(err, &enf))

	_, err = client.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("cdp")}})
	fmt.Println(err, srv.Glue.Database("cdp") != nil)
	// Output:
	// true
	// <nil> true
}

// The conformance suite outside go test: nil means every behaviour holds.
func ExampleTestGlue() {
	err := catalogtest.TestGlue(context.Background(), catalogtest.NewGlue(), "cdpkit_conformance")
	fmt.Println(err)
	// Output:
	// <nil>
}
