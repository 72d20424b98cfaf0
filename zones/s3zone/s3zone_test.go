package s3zone_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/s3zone"
	"github.com/cdpkit/cdpkit/zones/s3zone/s3zonetest"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

var _ s3zone.API = (*s3.Client)(nil)

func small(o *s3zone.Options) { o.PartSize = s3zone.MinPartSize; o.Concurrency = 2 }

func TestConformanceGofakes3(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	zonestest.RunBackend(t, func(t *testing.T) zones.Backend { return srv.Backend(t, small) },
		zonestest.Capabilities{LargeObjectSize: 11 << 20})
	// The large-object checks must have gone through multipart uploads
	// completed with If-None-Match.
	if n := srv.ConditionalWrites()["complete"]; n < 3 {
		t.Fatalf("only %d conditional CompleteMultipartUpload requests reached the server; the multipart path was not exercised", n)
	}
}

// TestConformanceRealS3 runs the suite against a real S3-compatible
// endpoint. Set CDPKIT_S3_ENDPOINT (e.g. https://s3.eu-west-1.amazonaws.com
// or http://127.0.0.1:7070 for versitygw), CDPKIT_S3_BUCKET, optionally
// CDPKIT_S3_REGION (default us-east-1), CDPKIT_S3_PATH_STYLE=1 and, for a
// local server, CDPKIT_S3_CREATE_BUCKET=1; the credentials come from the
// default AWS chain (AWS_ACCESS_KEY_ID, …).
// Objects are written under cdpkit-conformance/<run>/ and deleted after.
//
// Last run against versitygw v1.8.0 (go install
// github.com/versity/versitygw/cmd/versitygw@v1.8.0; plain HTTP, posix
// backend): all checks pass, including create-only CompleteMultipartUpload
// races and SHA-256 part checksums validated by the server.
func TestConformanceRealS3(t *testing.T) {
	endpoint, bucket := os.Getenv("CDPKIT_S3_ENDPOINT"), os.Getenv("CDPKIT_S3_BUCKET")
	if endpoint == "" || bucket == "" {
		t.Skip("set CDPKIT_S3_ENDPOINT and CDPKIT_S3_BUCKET to run against a real endpoint")
	}
	region := os.Getenv("CDPKIT_S3_REGION")
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = os.Getenv("CDPKIT_S3_PATH_STYLE") == "1"
	})
	if os.Getenv("CDPKIT_S3_CREATE_BUCKET") == "1" { // local servers (versitygw, MinIO)
		_, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		var owned *types.BucketAlreadyOwnedByYou
		if err != nil && !errors.As(err, &owned) {
			t.Fatal(err)
		}
	}
	run := fmt.Sprintf("cdpkit-conformance/%d-%d/", time.Now().UnixNano(), rand.IntN(1e6))
	var n int
	var mu sync.Mutex
	zonestest.RunBackend(t, func(t *testing.T) zones.Backend {
		mu.Lock()
		n++
		prefix := fmt.Sprintf("%s%d/", run, n)
		mu.Unlock()
		b, err := s3zone.New(client, bucket, small, func(o *s3zone.Options) {
			o.Prefix = prefix
			o.UsePathStyle = os.Getenv("CDPKIT_S3_PATH_STYLE") == "1"
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx := context.Background()
			for a, err := range b.List(ctx, "", "") {
				if err != nil {
					return
				}
				b.Delete(ctx, a.Key)
			}
		})
		return b
	}, zonestest.Capabilities{LargeObjectSize: 11 << 20, SkipLarge: testing.Short()})
}

// recorder forwards to a real client and keeps the inputs.
type recorder struct {
	s3zone.API
	mu       sync.Mutex
	puts     []*s3.PutObjectInput
	creates  []*s3.CreateMultipartUploadInput
	parts    []*s3.UploadPartInput
	complete []*s3.CompleteMultipartUploadInput
	aborts   int
	failPart bool
}

func (r *recorder) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	r.mu.Lock()
	r.puts = append(r.puts, in)
	r.mu.Unlock()
	return r.API.PutObject(ctx, in, o...)
}

func (r *recorder) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, o ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	r.mu.Lock()
	r.creates = append(r.creates, in)
	r.mu.Unlock()
	return r.API.CreateMultipartUpload(ctx, in, o...)
}

func (r *recorder) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	r.mu.Lock()
	r.parts = append(r.parts, in)
	fail := r.failPart && len(r.parts) == 2
	r.mu.Unlock()
	if fail {
		return nil, &smithy.GenericAPIError{Code: "InternalError", Message: "injected"}
	}
	return r.API.UploadPart(ctx, in, o...)
}

func (r *recorder) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, o ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	r.mu.Lock()
	r.complete = append(r.complete, in)
	r.mu.Unlock()
	return r.API.CompleteMultipartUpload(ctx, in, o...)
}

func (r *recorder) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	r.mu.Lock()
	r.aborts++
	r.mu.Unlock()
	return r.API.AbortMultipartUpload(ctx, in, o...)
}

func TestRequestsCarryConditionsChecksumsAndSSE(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if err := srv.CreateBucket(t.Context(), "lake"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{API: srv.Client()}
	b, err := s3zone.New(rec, "lake", small, func(o *s3zone.Options) {
		o.UsePathStyle = true
		o.Prefix = "tenant-a/"
		o.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		o.SSEKMSKeyID = "arn:aws:kms:us-east-1:111122223333:key/test"
		o.BucketKeyEnabled = aws.Bool(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	sum := sha256.Sum256([]byte("a,b\n"))
	if _, err := b.Put(ctx, "raw/a.csv", strings.NewReader("a,b\n"), zones.PutOptions{SHA256: sum[:]}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(ctx, "raw/b.csv", strings.NewReader("a,b\n"), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("z"), 11<<20)
	if _, err := b.Put(ctx, "raw/big.bin", io.MultiReader(bytes.NewReader(big)), zones.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, in := range rec.puts {
		if aws.ToString(in.IfNoneMatch) != "*" {
			t.Errorf("PutObject %d without If-None-Match: *", i)
		}
		if in.ChecksumSHA256 == nil && in.ChecksumAlgorithm != types.ChecksumAlgorithmSha256 {
			t.Errorf("PutObject %d without an explicit checksum", i)
		}
		if in.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(in.SSEKMSKeyId) == "" || !aws.ToBool(in.BucketKeyEnabled) {
			t.Errorf("PutObject %d without the SSE-KMS settings", i)
		}
		if !strings.HasPrefix(aws.ToString(in.Key), "tenant-a/") {
			t.Errorf("PutObject %d key outside the prefix", i)
		}
	}
	if len(rec.puts) != 2 || rec.puts[0].ChecksumSHA256 == nil || rec.puts[0].Metadata["sha256"] == "" {
		t.Fatalf("want 2 PutObject calls, the first with ChecksumSHA256 and x-amz-meta-sha256 from the known digest")
	}
	if len(rec.creates) != 1 || rec.creates[0].ChecksumAlgorithm != types.ChecksumAlgorithmSha256 || rec.creates[0].ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Fatalf("CreateMultipartUpload: %d calls, want 1 with SHA256 checksums and SSE-KMS", len(rec.creates))
	}
	if len(rec.parts) != 3 {
		t.Fatalf("%d parts for 11 MiB at 5 MiB, want 3", len(rec.parts))
	}
	for i, p := range rec.parts {
		if p.ChecksumAlgorithm != types.ChecksumAlgorithmSha256 {
			t.Errorf("UploadPart %d without a checksum", i)
		}
	}
	if len(rec.complete) != 1 || aws.ToString(rec.complete[0].IfNoneMatch) != "*" || len(rec.complete[0].MultipartUpload.Parts) != 3 {
		t.Fatal("CompleteMultipartUpload must carry If-None-Match: * and all parts")
	}
	if loc := b.Location("clean/ds/"); loc != "s3://lake/tenant-a/clean/ds/" {
		t.Fatalf("Location = %q", loc)
	}
}

func TestFailedMultipartIsAborted(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if err := srv.CreateBucket(t.Context(), "lake"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{API: srv.Client(), failPart: true}
	b, err := s3zone.New(rec, "lake", small, func(o *s3zone.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Put(t.Context(), "k", bytes.NewReader(make([]byte, 11<<20)), zones.PutOptions{})
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" {
		t.Fatalf("Put with a failing part = %v, want the SDK error in the chain", err)
	}
	if rec.aborts != 1 || len(rec.complete) != 0 {
		t.Fatalf("aborts %d completes %d, want 1 and 0", rec.aborts, len(rec.complete))
	}
	if _, err := b.Stat(t.Context(), "k"); !errors.Is(err, zones.ErrNotFound) {
		t.Fatalf("after a failed multipart upload Stat = %v, want ErrNotFound", err)
	}
}

// stub answers every call with one error.
type stub struct {
	s3zone.API
	err error
}

func (s stub) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, s.err
}

func TestErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		code string
		want error
	}{
		{"NotFound", zones.ErrNotFound},
		{"NoSuchKey", zones.ErrNotFound},
		{"PreconditionFailed", zones.ErrAlreadyExists},
		{"ConditionalRequestConflict", zones.ErrConflict},
		{"SlowDown", zones.ErrThrottled},
		{"AccessDenied", zones.ErrAccessDenied},
	} {
		cause := &smithy.OperationError{ServiceID: "S3", OperationName: "HeadObject", Err: &smithy.GenericAPIError{Code: tc.code}}
		b, _ := s3zone.New(stub{err: cause}, "b")
		_, err := b.Stat(t.Context(), "k")
		if !errors.Is(err, tc.want) {
			t.Errorf("code %s: %v, want %v", tc.code, err, tc.want)
		}
		var oe *smithy.OperationError
		if !errors.As(err, &oe) {
			t.Errorf("code %s: SDK error not in the chain", tc.code)
		}
	}
}

func TestNewValidates(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if _, err := s3zone.New(srv.Client(), ""); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("empty bucket = %v", err)
	}
	if _, err := s3zone.New(srv.Client(), "b", func(o *s3zone.Options) { o.Prefix = "no-slash" }); !errors.Is(err, zones.ErrInvalidInput) {
		t.Fatalf("prefix without '/' = %v", err)
	}
}

// Raw ingest on S3 spools to a temp file and uploads it from sections of
// that file (multipart above PartSize), with the digest in x-amz-meta-sha256.
func TestPutRawLargeOnS3(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if err := srv.CreateBucket(t.Context(), "lake"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{API: srv.Client()}
	b, err := s3zone.New(rec, "lake", small, func(o *s3zone.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	s := zones.New(b, func(o *zones.Options) { o.TempDir = t.TempDir() })
	body := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16)
	obj, err := s.PutRaw(t.Context(), "crm", "big.csv", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if obj.Manifest.SHA256 != fmt.Sprintf("%x", sum) || obj.Size != int64(len(body)) {
		t.Fatal("manifest digest or size differs from the body's")
	}
	if len(rec.creates) != 1 || len(rec.parts) != 3 || rec.creates[0].Metadata["sha256"] != obj.Manifest.SHA256 {
		t.Fatalf("want one 3-part multipart upload carrying the digest, got %d creates, %d parts", len(rec.creates), len(rec.parts))
	}
	rc, err := s.Get(t.Context(), zones.Raw, obj.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if sha256.Sum256(got) != sum {
		t.Fatal("object read back differs")
	}
	again, err := s.PutRaw(t.Context(), "crm", "big.csv", bytes.NewReader(body))
	if err != nil || !again.Existing {
		t.Fatalf("re-ingest: existing %v, %v", again.Existing, err)
	}
}

// stopAfter serves n bytes of r, then either cancels (cancel set) and keeps
// serving, or fails.
type stopAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

var errStop = errors.New("body failed")

func (s *stopAfter) Read(p []byte) (int, error) {
	if s.n <= 0 {
		if s.cancel == nil {
			return 0, errStop
		}
		s.cancel()
	}
	n, err := s.r.Read(p)
	s.n -= n
	return n, err
}

// A multipart upload cancelled or failed after some parts went up is
// aborted: the server holds no incomplete upload (which S3 would bill)
// and no object.
func TestInterruptedMultipartLeavesNoUpload(t *testing.T) {
	srv := s3zonetest.NewServer(t)
	if err := srv.CreateBucket(t.Context(), "lake"); err != nil {
		t.Fatal(err)
	}
	b, err := s3zone.New(srv.Client(), "lake", small, func(o *s3zone.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	body := func() io.Reader { return bytes.NewReader(make([]byte, 20<<20)) }
	if _, err := b.Put(ctx, "cancelled", &stopAfter{r: body(), n: 12 << 20, cancel: cancel}, zones.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled multipart Put = %v, want context.Canceled", err)
	}
	if _, err := b.Put(t.Context(), "failed", &stopAfter{r: body(), n: 12 << 20}, zones.PutOptions{}); !errors.Is(err, errStop) {
		t.Fatalf("failed multipart Put = %v, want the body's error", err)
	}
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String("lake")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Fatalf("%d incomplete multipart uploads left", len(out.Uploads))
	}
	for _, k := range []string{"cancelled", "failed"} {
		if _, err := b.Stat(t.Context(), k); !errors.Is(err, zones.ErrNotFound) {
			t.Fatalf("Stat %q after an interrupted upload = %v, want ErrNotFound", k, err)
		}
	}
	// The check can fail: an upload that is not aborted is listed.
	if _, err := srv.Client().CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String("lake"), Key: aws.String("open")}); err != nil {
		t.Fatal(err)
	}
	if out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String("lake")}); err != nil || len(out.Uploads) != 1 {
		t.Fatalf("the server does not list an open upload (%v)", err)
	}
}

// conflicted answers PutObject with S3's 409 ConditionalRequestConflict
// (a concurrent conditional write was in flight) and HeadObject with
// headErr (nil: the concurrent writer's object is now there).
type conflicted struct {
	s3zone.API
	headErr error
}

func (c conflicted) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: &smithy.GenericAPIError{Code: "ConditionalRequestConflict"}}
}

func (c conflicted) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if c.headErr != nil {
		return nil, c.headErr
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(1)}, nil
}

// The loser of a create-only race gets ErrAlreadyExists (the Backend
// contract) also when S3 answers 409 rather than 412, as long as the
// winner's object is there by then; otherwise ErrConflict (retry).
func TestConflictOnCreateOnlyPut(t *testing.T) {
	notFound := &smithy.OperationError{ServiceID: "S3", OperationName: "HeadObject", Err: &smithy.GenericAPIError{Code: "NotFound"}}
	for _, tc := range []struct {
		name    string
		headErr error
		want    error
	}{
		{"winner done", nil, zones.ErrAlreadyExists},
		{"winner in flight", notFound, zones.ErrConflict},
	} {
		b, err := s3zone.New(conflicted{headErr: tc.headErr}, "b")
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.Put(t.Context(), "k", strings.NewReader("x"), zones.PutOptions{})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ConditionalRequestConflict" {
			t.Errorf("%s: the 409 is not in the chain: %v", tc.name, err)
		}
	}
}
