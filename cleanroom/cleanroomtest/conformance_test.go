package cleanroomtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

var (
	_ cleanroom.CleanRoomsAPI           = (*cleanrooms.Client)(nil)
	_ cleanroomtest.API                 = (*cleanrooms.Client)(nil)
	_ cleanroomtest.API                 = (*cleanroomtest.CleanRooms)(nil)
	_ cleanroomtest.IDMappingTableAdder = (*cleanroomtest.CleanRooms)(nil)
)

const testRole = "arn:aws:iam::111122223333:role/cleanrooms-read"

// sdkClient is a real SDK client pointed at a test server.
func sdkClient(t *testing.T, url string) *cleanrooms.Client {
	t.Helper()
	return cleanrooms.New(cleanrooms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
	})
}

var fakeConfig = cleanroomtest.Config{RoleARN: testRole, Database: "cdp", Table: "customers", Name: "cdpkit-conformance", PollInterval: time.Millisecond}

// quick makes the fake's queries end within milliseconds, as the suite
// runs on the real clock here.
func quick(o *cleanroomtest.CleanRoomsOptions) {
	o.QueryQueued, o.QueryRuns = time.Millisecond, time.Millisecond
}

func TestConformanceFake(t *testing.T) {
	cleanroomtest.RunCleanRooms(t, func(*testing.T) cleanroomtest.API { return cleanroomtest.NewCleanRooms(quick) }, fakeConfig)
}

// wireAPI is a real SDK client of a server that can also add ID mapping
// tables to the fake behind it (the service makes them from Entity
// Resolution resources the fake does not have).
type wireAPI struct {
	*cleanrooms.Client
	fake *cleanroomtest.CleanRooms
}

func (w wireAPI) AddIDMappingTable(ctx context.Context, membershipID string, t cleanroomtest.IDMappingTable) (*types.IdMappingTable, error) {
	return w.fake.AddIDMappingTable(ctx, membershipID, t)
}

func TestConformanceServer(t *testing.T) {
	cleanroomtest.RunCleanRooms(t, func(t *testing.T) cleanroomtest.API {
		f := cleanroomtest.NewCleanRooms(quick)
		srv := cleanroomtest.NewCleanRoomsServer(f)
		t.Cleanup(srv.Close)
		return wireAPI{srv.Client(), f}
	}, fakeConfig)
}

// TestConformanceAWS runs the suite against the real service when
// CDPKIT_CLEANROOMS_LIVE=1, with CDPKIT_CLEANROOMS_MEMBERSHIP,
// CDPKIT_CLEANROOMS_ROLE_ARN, CDPKIT_CLEANROOMS_GLUE_DATABASE and
// CDPKIT_CLEANROOMS_GLUE_TABLE naming existing resources (the Glue table
// needs columns hashed_email, segment, spend) and credentials from the
// default chain. It creates and deletes configured tables and associations.
func TestConformanceAWS(t *testing.T) {
	if os.Getenv("CDPKIT_CLEANROOMS_LIVE") != "1" {
		t.Skip("set CDPKIT_CLEANROOMS_LIVE=1 to run against AWS Clean Rooms")
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	api := cleanrooms.NewFromConfig(cfg)
	cleanroomtest.RunCleanRooms(t, func(*testing.T) cleanroomtest.API { return api }, cleanroomtest.Config{
		MembershipID:   os.Getenv("CDPKIT_CLEANROOMS_MEMBERSHIP"),
		RoleARN:        os.Getenv("CDPKIT_CLEANROOMS_ROLE_ARN"),
		Database:       os.Getenv("CDPKIT_CLEANROOMS_GLUE_DATABASE"),
		Table:          os.Getenv("CDPKIT_CLEANROOMS_GLUE_TABLE"),
		ResultBucket:   os.Getenv("CDPKIT_CLEANROOMS_RESULT_BUCKET"),
		IDMappingTable: os.Getenv("CDPKIT_CLEANROOMS_ID_MAPPING_TABLE"),
		Name:           "cdpkit-conformance",
	})
}
