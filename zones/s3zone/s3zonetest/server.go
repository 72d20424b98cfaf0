// Package s3zonetest runs an in-process S3 endpoint for tests of code that
// uses s3zone: github.com/johannesboyne/gofakes3 with its in-memory backend
// on an httptest server (loopback, plain HTTP), plus a ready *s3.Client and
// s3zone backends on fresh buckets.
//
// # Fidelity
//
// gofakes3 v1.2.0 honours If-None-Match: * on PutObject (atomically, under
// its backend lock) but ignores it on CompleteMultipartUpload, where it
// silently overwrites. Server closes that gap: it serializes every
// conditional write (PutObject or CompleteMultipartUpload carrying
// If-None-Match) through one lock and answers 412 PreconditionFailed, as S3
// does, when the key already exists. Create-only multipart semantics in
// tests are therefore those of this wrapper, checked against gofakes3's
// stored state; against real S3 they are S3's own (run the conformance
// suite with CDPKIT_S3_ENDPOINT to check them).
//
// Not modelled: TLS and aws-chunked trailer checksums (gofakes3 stores the
// chunk framing when it sees them, so the server is plain HTTP and s3zone
// always sends seekable, signed bodies), checksum verification, SSE-KMS
// encryption (headers are accepted and echoed, nothing is encrypted), 409
// ConditionalRequestConflict, throttling (use zonestest.NewFaulty),
// Object Lock, versioning.
//
// # Errors
//
// Responses are gofakes3's S3 XML errors (NoSuchKey, NotFound,
// PreconditionFailed, …), so the SDK returns the same smithy API error
// types as against S3 and s3zone maps them to the zones categories.
//
// # Concurrency
//
// S3 and S3Server are safe for concurrent use; it listens on 127.0.0.1 only and
// holds everything in memory.
//
// # Testing
//
// NewS3 is the in-memory fake and NewS3Server(f) serves it on loopback,
// with URL, Config (an aws.Config), Client (an *s3.Client) and Close, as
// every cdpkit fake. NewServer(t) is the shorthand that t.Cleanup closes;
// S3Server.Backend(t) gives an s3zone backend on a fresh bucket, ready for
// zonestest.RunBackend. (Server and Start are the former shape, kept for
// existing callers.)
package s3zonetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/cdpkit/cdpkit/zones/s3zone"
)

// S3 is the in-memory S3 fake: gofakes3's in-memory backend plus the
// create-only (If-None-Match) serialization described in the package
// documentation. Serve it with NewS3Server.
type S3 struct {
	backend *s3mem.Backend
	mu      sync.Mutex // serializes conditional writes
	buckets atomic.Int64
	// conditional counts conditional writes seen, by kind ("put",
	// "complete"), so tests can prove which path they exercised.
	condMu      sync.Mutex
	conditional map[string]int
}

// S3Options configures an S3 fake. There is nothing to configure yet; the
// type keeps NewS3's signature the shape of every cdpkit fake.
type S3Options struct{}

// NewS3 returns an empty in-memory S3.
func NewS3(optFns ...func(*S3Options)) *S3 {
	var o S3Options
	for _, fn := range optFns {
		fn(&o)
	}
	return &S3{backend: s3mem.New(), conditional: map[string]int{}}
}

// ConditionalWrites reports how many conditional PutObject ("put") and
// CompleteMultipartUpload ("complete") requests the fake has handled.
func (f *S3) ConditionalWrites() map[string]int {
	f.condMu.Lock()
	defer f.condMu.Unlock()
	m := make(map[string]int, len(f.conditional))
	for k, v := range f.conditional {
		m[k] = v
	}
	return m
}

// S3Server serves an S3 fake on 127.0.0.1 (plain HTTP, path-style), so a
// real *s3.Client runs against it unmodified.
type S3Server struct {
	f   *S3
	srv *httptest.Server
}

// NewS3Server starts serving f on loopback. Call Close when done.
func NewS3Server(f *S3) *S3Server {
	s := &S3Server{f: f}
	fake := gofakes3.New(f.backend, gofakes3.WithAutoBucket(false))
	s.srv = httptest.NewServer(f.enforceIfNoneMatch(fake.Server()))
	return s
}

// URL is the endpoint, http://127.0.0.1:port.
func (s *S3Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *S3Server) Close() { s.srv.Close() }

// S3 is the fake the server serves.
func (s *S3Server) S3() *S3 { return s.f }

// Config is an aws.Config for the server: static test credentials,
// us-east-1, BaseEndpoint set, the server's HTTP client. S3 clients made
// from it need path-style addressing (Client sets it).
func (s *S3Server) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
		HTTPClient:   s.srv.Client(),
	}
}

// Client returns an *s3.Client for the server (Config, path-style).
func (s *S3Server) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config(), append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)...)
}

// CreateBucket creates a bucket.
func (s *S3Server) CreateBucket(ctx context.Context, name string) error {
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

// Backend returns an s3zone backend on a fresh bucket of this server.
func (s *S3Server) Backend(t testing.TB, optFns ...func(*s3zone.Options)) *s3zone.Backend {
	t.Helper()
	name := fmt.Sprintf("bucket-%d", s.f.buckets.Add(1))
	if err := s.CreateBucket(t.Context(), name); err != nil {
		t.Fatalf("s3zonetest: %v", err)
	}
	b, err := s3zone.New(s.Client(), name, append([]func(*s3zone.Options){func(o *s3zone.Options) { o.UsePathStyle = true }}, optFns...)...)
	if err != nil {
		t.Fatalf("s3zonetest: %v", err)
	}
	return b
}

// ConditionalWrites reports the fake's conditional writes (see
// S3.ConditionalWrites).
func (s *S3Server) ConditionalWrites() map[string]int { return s.f.ConditionalWrites() }

// NewServer starts a server over a new S3 that t.Cleanup stops: the
// shorthand for NewS3Server(NewS3()) in tests.
func NewServer(t testing.TB) *S3Server {
	t.Helper()
	s := NewS3Server(NewS3())
	t.Cleanup(s.Close)
	return s
}

// Server is the former shape of S3Server, with the URL and a client as
// fields. Kept for existing callers; new code uses NewS3Server(NewS3()).
type Server struct {
	*S3Server
	// URL is the endpoint, http://127.0.0.1:port.
	URL string
	// Client is an *s3.Client configured for the server.
	Client *s3.Client
}

// Start starts a server outside a test. Kept for existing callers; new
// code uses NewS3Server(NewS3()).
func Start() *Server {
	s := NewS3Server(NewS3())
	return &Server{S3Server: s, URL: s.URL(), Client: s.Client()}
}

// MakeBucket creates a bucket. Kept for existing callers; new code uses
// S3Server.CreateBucket.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	return s.S3Server.CreateBucket(ctx, name)
}

// enforceIfNoneMatch makes If-None-Match: * atomic and effective on both
// PutObject and CompleteMultipartUpload.
func (f *S3) enforceIfNoneMatch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inm := r.Header.Get("If-None-Match")
		q := r.URL.Query()
		isPut := r.Method == http.MethodPut && !q.Has("uploadId") && r.Header.Get("X-Amz-Copy-Source") == ""
		isComplete := r.Method == http.MethodPost && q.Has("uploadId")
		if inm != "*" || !(isPut || isComplete) {
			next.ServeHTTP(w, r)
			return
		}
		kind := "put"
		if isComplete {
			kind = "complete"
		}
		f.condMu.Lock()
		f.conditional[kind]++
		f.condMu.Unlock()

		f.mu.Lock()
		defer f.mu.Unlock()
		bucket, key := splitPath(r.URL.Path)
		if obj, err := f.backend.HeadObject(bucket, key); err == nil {
			if obj.Contents != nil {
				obj.Contents.Close()
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusPreconditionFailed)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func splitPath(p string) (bucket, key string) {
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			return p[:i], p[i+1:]
		}
	}
	return p, ""
}
