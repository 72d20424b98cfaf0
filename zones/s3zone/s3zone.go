// Package s3zone is a zones.Backend on Amazon S3 (or any S3-compatible
// endpoint) through aws-sdk-go-v2, behind the narrow [API] seam that
// *s3.Client satisfies.
//
// Every write is create-only: PutObject and CompleteMultipartUpload carry
// If-None-Match: *, so S3 answers 412 instead of overwriting and exactly one
// of several concurrent writers wins. Every write carries an explicit
// checksum (ChecksumSHA256 when the digest is known, ChecksumAlgorithm
// SHA256 otherwise, per part for multipart uploads), which S3 verifies and
// Object Lock buckets require; a known whole-object digest is also stored as
// x-amz-meta-sha256. SSE-KMS settings in Options are passed on every
// PutObject and CreateMultipartUpload.
//
// Bodies are always sent seekable with a known length: bodies up to
// PartSize go in one PutObject from memory or from the caller's seekable
// reader; larger ones use multipart uploads, from sections of the caller's
// io.ReaderAt or from PartSize buffers filled from a stream (memory bounded
// by (Concurrency+1)·PartSize). A failed or cancelled multipart upload is
// aborted, so nothing becomes visible.
//
// A process that dies mid-upload leaves an incomplete multipart upload
// (invisible, but billed): give the bucket a lifecycle rule with
// AbortIncompleteMultipartUpload. Attrs.ModTime returned by Put is the
// client's clock; Stat and List return S3's LastModified.
//
// # Errors
//
// Errors are *zones.Error values: 404/NoSuchKey/NotFound match
// zones.ErrNotFound, 412 PreconditionFailed zones.ErrAlreadyExists, 409
// ConditionalRequestConflict zones.ErrConflict (retry the whole write),
// SlowDown/503 zones.ErrThrottled, 403/AccessDenied zones.ErrAccessDenied.
// A create-only write answered 409 whose key exists by then lost the race
// to a concurrent writer and gets zones.ErrAlreadyExists, as the Backend
// contract says.
// The SDK error stays in the chain (errors.As with smithy.APIError or
// *types.NoSuchKey works).
//
// # Concurrency
//
// A *Backend is safe for concurrent use. Multipart parts are uploaded by at
// most Options.Concurrency goroutines, all joined before Put returns.
//
// # Testing
//
// s3zone/s3zonetest runs an in-process S3 server (gofakes3 on loopback,
// plain HTTP) with If-None-Match enforced on CompleteMultipartUpload, which
// gofakes3 itself ignores. The conformance suite runs against it in every
// go test, and against a real endpoint when CDPKIT_S3_ENDPOINT is set.
package s3zone

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/cdpkit/cdpkit/zones"
)

// API is the part of *s3.Client that s3zone uses, with the SDK's exact
// signatures.
type API interface {
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, params *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, params *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	ListObjectsV2(ctx context.Context, params *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	CreateMultipartUpload(ctx context.Context, params *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, params *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, params *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, params *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// Defaults.
const (
	// DefaultPartSize is the multipart part size and the largest body sent
	// in one PutObject.
	DefaultPartSize = 8 << 20
	// MinPartSize is S3's minimum part size (all parts but the last).
	MinPartSize = 5 << 20
	// MaxParts is S3's maximum number of parts per upload.
	MaxParts = 10000
	// DefaultConcurrency is how many parts upload at once.
	DefaultConcurrency = 4
)

// Options configures a Backend. The zero value means the defaults.
type Options struct {
	// Prefix scopes the backend inside the bucket ("" or ending in '/').
	Prefix string
	// UsePathStyle sends requests as https://host/bucket/key, which
	// S3-compatible servers and test servers need. It is applied per call,
	// so the caller's client is not modified.
	UsePathStyle bool
	// PartSize is the multipart part size. Zero means DefaultPartSize;
	// values below MinPartSize are raised to it.
	PartSize int64
	// Concurrency bounds parallel part uploads. Zero means
	// DefaultConcurrency.
	Concurrency int
	// ServerSideEncryption, e.g. types.ServerSideEncryptionAwsKms or
	// types.ServerSideEncryptionAwsKmsDsse; "" leaves the bucket default.
	ServerSideEncryption types.ServerSideEncryption
	// SSEKMSKeyID is the KMS key for aws:kms encryption.
	SSEKMSKeyID string
	// SSEKMSEncryptionContext is the base64 JSON encryption context.
	SSEKMSEncryptionContext string
	// BucketKeyEnabled asks S3 to use an S3 Bucket Key for SSE-KMS.
	BucketKeyEnabled *bool
	// Logger receives debug events (keys, sizes). Nil discards them.
	Logger *slog.Logger
}

// Backend stores objects in one S3 bucket.
type Backend struct {
	api    API
	bucket string
	opts   Options
	callFn []func(*s3.Options)
}

var (
	_ zones.Backend = (*Backend)(nil)
	_ zones.Locator = (*Backend)(nil)
)

// New returns a Backend for bucket through api (normally an *s3.Client).
func New(api API, bucket string, optFns ...func(*Options)) (*Backend, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if api == nil || bucket == "" {
		return nil, zones.NewError("open", bucket, zones.ErrInvalidInput, errors.New("nil client or empty bucket"))
	}
	if o.Prefix != "" {
		if !strings.HasSuffix(o.Prefix, "/") {
			return nil, zones.NewError("open", o.Prefix, zones.ErrInvalidInput, errors.New("prefix must end in '/'"))
		}
		if err := zones.ValidateKey(strings.TrimSuffix(o.Prefix, "/")); err != nil {
			return nil, err
		}
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultPartSize
	}
	o.PartSize = max(o.PartSize, MinPartSize)
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Backend{api: api, bucket: bucket, opts: o}
	b.callFn = []func(*s3.Options){func(so *s3.Options) {
		// Multipart objects carry composite checksums the SDK cannot
		// validate on GetObject; it would log a warning for each read.
		// The library stays silent (Options.Logger is its only output).
		so.DisableLogOutputChecksumValidationSkipped = true
		if o.UsePathStyle {
			so.UsePathStyle = true
		}
	}}
	return b, nil
}

// Location implements zones.Locator: s3://bucket/prefix/key.
func (b *Backend) Location(key string) string {
	return "s3://" + b.bucket + "/" + b.opts.Prefix + key
}

// classify maps an SDK error to a zones category.
func classify(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return zones.ErrNotFound
		case "PreconditionFailed":
			return zones.ErrAlreadyExists
		case "ConditionalRequestConflict":
			return zones.ErrConflict
		case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable":
			return zones.ErrThrottled
		case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return zones.ErrAccessDenied
		case "KeyTooLongError", "InvalidArgument":
			return zones.ErrInvalidInput
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return zones.ErrNotFound
		case http.StatusPreconditionFailed:
			return zones.ErrAlreadyExists
		case http.StatusConflict:
			return zones.ErrConflict
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			return zones.ErrThrottled
		case http.StatusForbidden:
			return zones.ErrAccessDenied
		}
	}
	return nil
}

func (b *Backend) fail(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = errors.Join(cerr, err)
	}
	return zones.NewError(op, key, classify(err), err)
}

// createFailed classifies the failure of a create-only write. S3 answers
// 409 ConditionalRequestConflict instead of 412 when a concurrent
// conditional write of the key was in flight; if that writer's object is
// there now, this one lost the race, which the Backend contract reports as
// zones.ErrAlreadyExists (the 409 stays in the chain). Otherwise it stays
// zones.ErrConflict: retry the write.
func (b *Backend) createFailed(ctx context.Context, key string, err error) error {
	e := b.fail(ctx, "put", key, err)
	if !errors.Is(e, zones.ErrConflict) || ctx.Err() != nil {
		return e
	}
	if _, serr := b.Stat(ctx, key); serr == nil {
		return zones.NewError("put", key, zones.ErrAlreadyExists, err)
	}
	return e
}

func (b *Backend) check(ctx context.Context, op, key string) error {
	if err := zones.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return zones.NewError(op, key, nil, err)
	}
	return nil
}

// Put implements zones.Backend.
func (b *Backend) Put(ctx context.Context, key string, r io.Reader, opts zones.PutOptions) (zones.Attrs, error) {
	if err := b.check(ctx, "put", key); err != nil {
		return zones.Attrs{}, err
	}
	var meta map[string]string
	if len(opts.SHA256) == sha256.Size {
		meta = map[string]string{"sha256": hex.EncodeToString(opts.SHA256)}
	}
	// Seekable bodies of known (or discoverable) size are sent as they are.
	if rs, ok := r.(io.ReadSeeker); ok {
		size, err := remaining(rs)
		if err != nil {
			return zones.Attrs{}, zones.NewError("put", key, nil, err)
		}
		if size <= b.opts.PartSize {
			return b.putObject(ctx, key, rs, size, opts.SHA256, meta)
		}
		if ra, ok := r.(io.ReaderAt); ok {
			start, _ := rs.Seek(0, io.SeekCurrent)
			return b.multipart(ctx, key, meta, sectionParts(ra, start, size, b.partSize(size)))
		}
	}
	// A stream: read up to one part (the buffer grows with the body, so
	// small bodies stay small); if that is all, one PutObject.
	var first bytes.Buffer
	n, err := first.ReadFrom(io.LimitReader(zones.CtxReader(ctx, r), b.opts.PartSize))
	if err != nil {
		return zones.Attrs{}, b.fail(ctx, "put", key, err)
	}
	if n < b.opts.PartSize {
		return b.putObject(ctx, key, bytes.NewReader(first.Bytes()), n, opts.SHA256, meta)
	}
	return b.multipart(ctx, key, meta, streamParts(ctx, first.Bytes(), r, b.opts.PartSize))
}

func (b *Backend) partSize(size int64) int64 {
	ps := b.opts.PartSize
	if need := (size + MaxParts - 1) / MaxParts; need > ps {
		ps = need
	}
	return ps
}

// remaining returns the bytes left in rs from its current offset.
func remaining(rs io.Seeker) (int64, error) {
	cur, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := rs.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

func (b *Backend) putObject(ctx context.Context, key string, body io.ReadSeeker, size int64, sum []byte, meta map[string]string) (zones.Attrs, error) {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(b.bucket),
		Key:           aws.String(b.opts.Prefix + key),
		Body:          body,
		ContentLength: aws.Int64(size),
		IfNoneMatch:   aws.String("*"),
		Metadata:      meta,
	}
	if len(sum) == sha256.Size {
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(sum))
	} else {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmSha256
	}
	b.sse(&in.ServerSideEncryption, &in.SSEKMSKeyId, &in.SSEKMSEncryptionContext, &in.BucketKeyEnabled)
	if _, err := b.api.PutObject(ctx, in, b.callFn...); err != nil {
		return zones.Attrs{}, b.createFailed(ctx, key, err)
	}
	b.opts.Logger.DebugContext(ctx, "s3zone: put", "key", key, "size", size)
	return zones.Attrs{Key: key, Size: size, ModTime: time.Now()}, nil
}

func (b *Backend) sse(sse *types.ServerSideEncryption, kid, kctx **string, bke **bool) {
	*sse = b.opts.ServerSideEncryption
	if b.opts.SSEKMSKeyID != "" {
		*kid = aws.String(b.opts.SSEKMSKeyID)
	}
	if b.opts.SSEKMSEncryptionContext != "" {
		*kctx = aws.String(b.opts.SSEKMSEncryptionContext)
	}
	*bke = b.opts.BucketKeyEnabled
}

// part is one multipart part body.
type part struct {
	num  int32
	body io.ReadSeeker
	size int64
}

// sectionParts cuts [start, start+size) of ra into parts.
func sectionParts(ra io.ReaderAt, start, size, partSize int64) iter.Seq2[part, error] {
	return func(yield func(part, error) bool) {
		var num int32
		for off := int64(0); off < size; off += partSize {
			num++
			n := min(partSize, size-off)
			if !yield(part{num: num, body: io.NewSectionReader(ra, start+off, n), size: n}, nil) {
				return
			}
		}
	}
}

// streamParts reads r into part-size buffers; first is the part already
// read.
func streamParts(ctx context.Context, first []byte, r io.Reader, partSize int64) iter.Seq2[part, error] {
	return func(yield func(part, error) bool) {
		num := int32(1)
		if !yield(part{num: num, body: bytes.NewReader(first), size: int64(len(first))}, nil) {
			return
		}
		cr := zones.CtxReader(ctx, r)
		for {
			// A fresh buffer per part: errgroup's limit blocks this
			// producer until an upload slot frees, so at most
			// Concurrency+1 buffers are live.
			buf := make([]byte, partSize)
			n, err := io.ReadFull(cr, buf)
			if n == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
				return
			}
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				yield(part{}, err)
				return
			}
			num++
			if num > MaxParts {
				yield(part{}, errors.New("stream exceeds 10000 parts; raise PartSize"))
				return
			}
			if !yield(part{num: num, body: bytes.NewReader(buf[:n]), size: int64(n)}, nil) {
				return
			}
			if err != nil { // short final part
				return
			}
		}
	}
}

func (b *Backend) multipart(ctx context.Context, key string, meta map[string]string, parts iter.Seq2[part, error]) (zones.Attrs, error) {
	full := b.opts.Prefix + key
	cin := &s3.CreateMultipartUploadInput{
		Bucket:            aws.String(b.bucket),
		Key:               aws.String(full),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		Metadata:          meta,
	}
	b.sse(&cin.ServerSideEncryption, &cin.SSEKMSKeyId, &cin.SSEKMSEncryptionContext, &cin.BucketKeyEnabled)
	created, err := b.api.CreateMultipartUpload(ctx, cin, b.callFn...)
	if err != nil {
		return zones.Attrs{}, b.fail(ctx, "put", key, err)
	}
	uploadID := created.UploadId
	abort := func(cause error) (zones.Attrs, error) {
		// Abort even when ctx is done, so no parts linger.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, aerr := b.api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b.bucket), Key: aws.String(full), UploadId: uploadID}, b.callFn...)
		if aerr != nil {
			b.opts.Logger.WarnContext(ctx, "s3zone: abort multipart upload failed", "key", key, "err", aerr)
		}
		return zones.Attrs{}, b.fail(ctx, "put", key, cause)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(b.opts.Concurrency)
	var (
		mu        sync.Mutex
		completed []types.CompletedPart
		total     int64
		readErr   error
	)
	for p, err := range parts {
		if err != nil {
			readErr = err
			break
		}
		if gctx.Err() != nil {
			break
		}
		total += p.size
		g.Go(func() error {
			out, err := b.api.UploadPart(gctx, &s3.UploadPartInput{
				Bucket:            aws.String(b.bucket),
				Key:               aws.String(full),
				UploadId:          uploadID,
				PartNumber:        aws.Int32(p.num),
				Body:              p.body,
				ContentLength:     aws.Int64(p.size),
				ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
			}, b.callFn...)
			if err != nil {
				return err
			}
			mu.Lock()
			completed = append(completed, types.CompletedPart{PartNumber: aws.Int32(p.num), ETag: out.ETag, ChecksumSHA256: out.ChecksumSHA256})
			mu.Unlock()
			return nil
		})
	}
	gerr := g.Wait()
	if readErr != nil {
		return abort(readErr)
	}
	if gerr != nil {
		return abort(gerr)
	}
	if err := ctx.Err(); err != nil {
		return abort(err)
	}
	slices.SortFunc(completed, func(x, y types.CompletedPart) int { return int(*x.PartNumber - *y.PartNumber) })
	_, err = b.api.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(b.bucket),
		Key:             aws.String(full),
		UploadId:        uploadID,
		IfNoneMatch:     aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	}, b.callFn...)
	if err != nil {
		// A lost race is reported like PutObject's (see createFailed);
		// the upload is aborted either way.
		abort(err)
		return zones.Attrs{}, b.createFailed(ctx, key, err)
	}
	b.opts.Logger.DebugContext(ctx, "s3zone: multipart put", "key", key, "size", total, "parts", len(completed))
	return zones.Attrs{Key: key, Size: total, ModTime: time.Now()}, nil
}

// Get implements zones.Backend.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.check(ctx, "get", key); err != nil {
		return nil, err
	}
	out, err := b.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.opts.Prefix + key)}, b.callFn...)
	if err != nil {
		return nil, b.fail(ctx, "get", key, err)
	}
	return out.Body, nil
}

// Stat implements zones.Backend.
func (b *Backend) Stat(ctx context.Context, key string) (zones.Attrs, error) {
	if err := b.check(ctx, "stat", key); err != nil {
		return zones.Attrs{}, err
	}
	out, err := b.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.opts.Prefix + key)}, b.callFn...)
	if err != nil {
		return zones.Attrs{}, b.fail(ctx, "stat", key, err)
	}
	return zones.Attrs{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Delete implements zones.Backend. S3 deletes of missing keys succeed, so
// Delete checks existence first to return zones.ErrNotFound like the other
// backends (a concurrent delete between the two calls is reported as
// success).
func (b *Backend) Delete(ctx context.Context, key string) error {
	if _, err := b.Stat(ctx, key); err != nil {
		var ze *zones.Error
		if errors.As(err, &ze) {
			ze.Op = "delete"
		}
		return err
	}
	_, err := b.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.opts.Prefix + key)}, b.callFn...)
	if err != nil {
		return b.fail(ctx, "delete", key, err)
	}
	return nil
}

// List implements zones.Backend with ListObjectsV2 (S3 lists in UTF-8
// binary order, which is lexical byte order).
func (b *Backend) List(ctx context.Context, prefix, startAfter string) iter.Seq2[zones.Attrs, error] {
	return func(yield func(zones.Attrs, error) bool) {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(b.opts.Prefix + prefix)}
		if startAfter > prefix {
			in.StartAfter = aws.String(b.opts.Prefix + startAfter)
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(zones.Attrs{}, zones.NewError("list", prefix, nil, err))
				return
			}
			out, err := b.api.ListObjectsV2(ctx, in, b.callFn...)
			if err != nil {
				yield(zones.Attrs{}, b.fail(ctx, "list", prefix, err))
				return
			}
			for _, o := range out.Contents {
				k := strings.TrimPrefix(aws.ToString(o.Key), b.opts.Prefix)
				if !yield(zones.Attrs{Key: k, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}, nil) {
					return
				}
			}
			if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
				return
			}
			in.ContinuationToken = out.NextContinuationToken
			in.StartAfter = nil
		}
	}
}
