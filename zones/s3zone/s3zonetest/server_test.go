package s3zonetest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/cdpkit/cdpkit/zones/s3zone/s3zonetest"
)

// completeOver puts key, then tries a create-only multipart upload of the
// same key and returns CompleteMultipartUpload's error.
func completeOver(ctx context.Context, c *s3.Client, bucket, key string) error {
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte("first"))}); err != nil {
		return err
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("second"))})
	if err != nil {
		return err
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId, IfNoneMatch: aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}},
	})
	return err
}

func TestServerEnforcesIfNoneMatchOnComplete(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if err := srv.CreateBucket(t.Context(), "lake"); err != nil {
		t.Fatal(err)
	}
	err := completeOver(t.Context(), srv.Client(), "lake", "k")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "PreconditionFailed" {
		t.Fatalf("create-only CompleteMultipartUpload over an existing key = %v, want 412 PreconditionFailed", err)
	}
	if srv.ConditionalWrites()["complete"] != 1 {
		t.Fatalf("ConditionalWrites = %v", srv.ConditionalWrites())
	}
}

// TestPlainGofakes3IgnoresIfNoneMatchOnComplete documents the gap the
// wrapper closes. If it starts failing, gofakes3 fixed the gap: update the
// package doc.
func TestPlainGofakes3IgnoresIfNoneMatchOnComplete(t *testing.T) {
	hs := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer hs.Close()
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	if err := completeOver(t.Context(), c, "lake", "k"); err != nil {
		t.Fatalf("plain gofakes3 now rejects the overwrite (%v); update the s3zonetest Fidelity notes", err)
	}
}
