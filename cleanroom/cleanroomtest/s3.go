package cleanroomtest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 is a minimal in-memory Amazon S3 holding protected-query results:
// PutObject, GetObject and ListObjectsV2 with the SDK's signatures, so it
// satisfies cleanroom.ObjectAPI (what cleanroom reads results through) and
// ResultSink (what the fake writes them through). Buckets spring into
// existence on first write. It is safe for concurrent use.
type S3 struct {
	mu      sync.Mutex
	objects map[string]map[string]s3obj // bucket → key → object
	now     func() time.Time
	// ownClock is whether S3Options.Now was given; a fake given an S3
	// without one lends it its own clock (see CleanRoomsOptions.Results).
	ownClock bool
}

// S3Options configure an in-memory S3. The zero value is the default.
type S3Options struct {
	// Now stamps LastModified (default time.Now, which inside a
	// testing/synctest bubble is the bubble's clock). Times are kept in
	// UTC to the second, as S3 reports them.
	Now func() time.Time
}

type s3obj struct {
	body []byte
	mod  time.Time
}

// NewS3 returns an empty in-memory S3. Given to a CleanRooms fake as
// CleanRoomsOptions.Results without a clock of its own, it stamps objects
// by the fake's Now.
func NewS3(optFns ...func(*S3Options)) *S3 {
	var o S3Options
	for _, fn := range optFns {
		fn(&o)
	}
	s := &S3{objects: map[string]map[string]s3obj{}, now: o.Now, ownClock: o.Now != nil}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// adoptClock makes now the clock of an S3 created without one.
func (s *S3) adoptClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ownClock {
		s.now, s.ownClock = now, true
	}
}

// ResultSink is where the fake writes protected-query results: *S3 and
// *s3.Client satisfy it.
type ResultSink interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

func noSuchKey() error {
	return &s3types.NoSuchKey{Message: aws.String("The specified key does not exist.")}
}
func noSuchBucket() error {
	return &s3types.NoSuchBucket{Message: aws.String("The specified bucket does not exist.")}
}

// PutObject stores the body (read to the end) under bucket and key.
func (s *S3) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var b []byte
	if in.Body != nil {
		var err error
		if b, err = io.ReadAll(in.Body); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bk := aws.ToString(in.Bucket)
	if s.objects[bk] == nil {
		s.objects[bk] = map[string]s3obj{}
	}
	s.objects[bk][aws.ToString(in.Key)] = s3obj{body: b, mod: s.now().UTC().Truncate(time.Second)}
	return &s3.PutObjectOutput{}, nil
}

// GetObject returns the object (NoSuchBucket, NoSuchKey otherwise).
func (s *S3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	objs, ok := s.objects[aws.ToString(in.Bucket)]
	if !ok {
		return nil, noSuchBucket()
	}
	o, ok := objs[aws.ToString(in.Key)]
	if !ok {
		return nil, noSuchKey()
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(o.body)), ContentLength: aws.Int64(int64(len(o.body))), LastModified: aws.Time(o.mod)}, nil
}

// ListObjectsV2 lists keys with the prefix in lexical order, pages of
// MaxKeys (default and at most 1000) with continuation tokens.
func (s *S3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	objs, ok := s.objects[aws.ToString(in.Bucket)]
	if !ok {
		return nil, noSuchBucket()
	}
	var keys []string
	for k := range objs {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) && k > aws.ToString(in.ContinuationToken) && k > aws.ToString(in.StartAfter) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	max := 1000
	if in.MaxKeys != nil && *in.MaxKeys > 0 && *in.MaxKeys < 1000 {
		max = int(*in.MaxKeys)
	}
	out := &s3.ListObjectsV2Output{Name: in.Bucket, Prefix: in.Prefix, IsTruncated: aws.Bool(false)}
	if len(keys) > max {
		keys = keys[:max]
		out.IsTruncated = aws.Bool(true)
		out.NextContinuationToken = aws.String(keys[max-1])
	}
	for _, k := range keys {
		o := objs[k]
		out.Contents = append(out.Contents, s3types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(o.body))), LastModified: aws.Time(o.mod)})
	}
	out.KeyCount = aws.Int32(int32(len(out.Contents)))
	return out, nil
}

// Keys lists every key of bucket in order (for tests).
func (s *S3) Keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.objects[bucket] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
