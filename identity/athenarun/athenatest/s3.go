package athenatest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 is the object store behind the fake Athena: CTAS and INSERT INTO
// write their Parquet files here and queries their result files, and the
// runner lists, reads and deletes what it owns through ListObjectsV2,
// GetObject and DeleteObjects, which have the signatures of *s3.Client's
// methods. Buckets spring into existence on
// first write. It is safe for concurrent use.
type S3 struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
}

// NewS3 returns an empty store.
func NewS3() *S3 { return &S3{buckets: map[string]map[string][]byte{}} }

func (s *S3) put(bucket, key string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		b = map[string][]byte{}
		s.buckets[bucket] = b
	}
	b[key] = body
}

// Keys returns the keys in bucket under prefix, sorted.
func (s *S3) Keys(bucket, prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.buckets[bucket] {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Object returns an object's body.
func (s *S3) Object(bucket, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucket][key]
	return slices.Clone(b), ok
}

// splitURI splits s3://bucket/key.
func splitURI(uri string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, bucket != ""
}

func s3Error(op, code, msg string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}}
}

// ListObjectsV2 lists keys in Prefix order, MaxKeys (default and at most
// 1,000) per page, continuing from ContinuationToken.
func (s *S3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "ListObjectsV2", Err: &smithy.CanceledError{Err: err}}
	}
	if in == nil || aws.ToString(in.Bucket) == "" {
		return nil, s3Error("ListObjectsV2", "InvalidRequest", "bucket is required")
	}
	bucket, prefix := aws.ToString(in.Bucket), aws.ToString(in.Prefix)
	limit := int(aws.ToInt32(in.MaxKeys))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	keys := s.Keys(bucket, prefix)
	start := 0
	if tok := aws.ToString(in.ContinuationToken); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(keys) {
			return nil, s3Error("ListObjectsV2", "InvalidArgument", "the continuation token provided is incorrect")
		}
		start = n
	}
	end := min(start+limit, len(keys))
	out := &s3.ListObjectsV2Output{Name: in.Bucket, Prefix: in.Prefix, KeyCount: aws.Int32(int32(end - start))}
	s.mu.Lock()
	for _, k := range keys[start:end] {
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(s.buckets[bucket][k])))})
	}
	s.mu.Unlock()
	out.IsTruncated = aws.Bool(end < len(keys))
	if end < len(keys) {
		out.NextContinuationToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// GetObject returns an object's body; a missing key is NoSuchKey.
func (s *S3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "GetObject", Err: &smithy.CanceledError{Err: err}}
	}
	if in == nil || aws.ToString(in.Bucket) == "" || aws.ToString(in.Key) == "" {
		return nil, s3Error("GetObject", "InvalidRequest", "bucket and key are required")
	}
	b, ok := s.Object(aws.ToString(in.Bucket), aws.ToString(in.Key))
	if !ok {
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "GetObject", Err: &s3types.NoSuchKey{Message: aws.String("The specified key does not exist.")}}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b)), ContentLength: aws.Int64(int64(len(b)))}, nil
}

// DeleteObjects deletes up to 1,000 keys; missing keys count as deleted,
// as on S3.
func (s *S3) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "DeleteObjects", Err: &smithy.CanceledError{Err: err}}
	}
	if in == nil || aws.ToString(in.Bucket) == "" || in.Delete == nil {
		return nil, s3Error("DeleteObjects", "InvalidRequest", "bucket and delete are required")
	}
	if len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > 1000 {
		return nil, s3Error("DeleteObjects", "MalformedXML", "between 1 and 1000 objects per request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &s3.DeleteObjectsOutput{}
	for _, o := range in.Delete.Objects {
		delete(s.buckets[aws.ToString(in.Bucket)], aws.ToString(o.Key))
		out.Deleted = append(out.Deleted, s3types.DeletedObject{Key: o.Key})
	}
	return out, nil
}

func listInput(bucket, prefix string) *s3.ListObjectsV2Input {
	return &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
}

func deleteInput(bucket string, objs *s3.ListObjectsV2Output) *s3.DeleteObjectsInput {
	del := &s3types.Delete{}
	for _, o := range objs.Contents {
		del.Objects = append(del.Objects, s3types.ObjectIdentifier{Key: o.Key})
	}
	return &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: del}
}
