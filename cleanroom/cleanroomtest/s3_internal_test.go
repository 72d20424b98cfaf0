package cleanroomtest

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// runToEnd starts SELECT 1 in a new membership of f, moves the clock past
// its run and reads it once (which runs it). It returns the query id.
func runToEnd(t *testing.T, f *CleanRooms, advance func(time.Duration)) string {
	t.Helper()
	ctx := t.Context()
	m, err := NewMembership(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql,
		SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1 AS n")},
		ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
			Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("out"), ResultFormat: types.ResultFormatCsv}}}})
	if err != nil {
		t.Fatal(err)
	}
	advance(time.Minute)
	got, err := f.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(m), ProtectedQueryIdentifier: out.ProtectedQuery.Id})
	if err != nil || got.ProtectedQuery.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("query: %v %+v", err, got)
	}
	return *out.ProtectedQuery.Id
}

// modTimes is the LastModified of every object of bucket, by listing and
// by GetObject.
func modTimes(t *testing.T, s *S3, bucket string) []time.Time {
	t.Helper()
	list, err := s.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil || len(list.Contents) == 0 {
		t.Fatalf("list: %v, %d objects", err, len(list.Contents))
	}
	var out []time.Time
	for _, o := range list.Contents {
		obj, err := s.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *o.LastModified, *obj.LastModified)
	}
	return out
}

// TestResultS3UsesTheFakesClock: result objects carry the fake's time
// (to the second, in UTC, as S3 reports it), whether the S3 is the
// fake's own, one made by NewS3 and handed to the fake, or one with its
// own clock.
func TestResultS3UsesTheFakesClock(t *testing.T) {
	start := time.Date(2031, 5, 17, 8, 30, 15, 0, time.FixedZone("x", 3600))
	t.Run("own S3", func(t *testing.T) {
		clock := &manualClock{now: start}
		f := NewCleanRooms(func(o *CleanRoomsOptions) { o.Now = clock.Now })
		runToEnd(t, f, clock.add)
		for _, mod := range modTimes(t, f.S3(), "out") {
			if want := start.Add(time.Minute).UTC(); !mod.Equal(want) || mod.Location() != time.UTC {
				t.Errorf("LastModified %v, want %v", mod, want)
			}
		}
	})
	t.Run("NewS3 given to the fake", func(t *testing.T) {
		clock := &manualClock{now: start.Add(500 * time.Millisecond)}
		s := NewS3()
		f := NewCleanRooms(func(o *CleanRoomsOptions) { o.Now, o.Results = clock.Now, s })
		runToEnd(t, f, clock.add)
		for _, mod := range modTimes(t, s, "out") {
			if want := start.Add(time.Minute).UTC(); !mod.Equal(want) {
				t.Errorf("LastModified %v, want %v (the fake's clock to the second)", mod, want)
			}
		}
	})
	t.Run("S3 with its own clock", func(t *testing.T) {
		clock := &manualClock{now: start}
		own := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
		s := NewS3(func(o *S3Options) { o.Now = func() time.Time { return own } })
		f := NewCleanRooms(func(o *CleanRoomsOptions) { o.Now, o.Results = clock.Now, s })
		runToEnd(t, f, clock.add)
		for _, mod := range modTimes(t, s, "out") {
			if !mod.Equal(own) {
				t.Errorf("LastModified %v, want the S3's own %v", mod, own)
			}
		}
	})
	t.Run("synctest bubble", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			begin := time.Now()
			f := NewCleanRooms()
			runToEnd(t, f, time.Sleep)
			for _, mod := range modTimes(t, f.S3(), "out") {
				if want := begin.Add(time.Minute).UTC(); !mod.Equal(want) {
					t.Errorf("LastModified %v, want the bubble's %v", mod, want)
				}
			}
		})
	})
}
