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
// A Server is safe for concurrent use; it listens on 127.0.0.1 only and
// holds everything in memory.
//
// # Testing
//
// NewServer(t) stops the server with t.Cleanup; Start/Close are for
// examples and tools. Server.Backend(t) gives an s3zone backend on a fresh
// bucket, ready for zonestest.Run.
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

// Server is an in-process S3-compatible endpoint.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port.
	URL string
	// Client is an *s3.Client configured for the server (static test
	// credentials, path-style addressing, us-east-1).
	Client *s3.Client

	srv     *httptest.Server
	backend *s3mem.Backend
	mu      sync.Mutex // serializes conditional writes
	buckets atomic.Int64
	// conditional counts conditional writes seen, by kind ("put",
	// "complete"), so tests can prove which path they exercised.
	condMu      sync.Mutex
	conditional map[string]int
}

// NewServer starts a server that t.Cleanup stops.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := Start()
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (examples, local tools). Call Close
// when done.
func Start() *Server {
	s := &Server{backend: s3mem.New(), conditional: map[string]int{}}
	fake := gofakes3.New(s.backend, gofakes3.WithAutoBucket(false))
	s.srv = httptest.NewServer(s.enforceIfNoneMatch(fake.Server()))
	s.URL = s.srv.URL
	s.Client = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
		HTTPClient:   s.srv.Client(),
	})
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.MakeBucket(context.Background(), name); err != nil {
		t.Fatalf("s3zonetest: %v", err)
	}
}

// MakeBucket creates a bucket, for use outside tests.
func (s *Server) MakeBucket(ctx context.Context, name string) error {
	_, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

// Backend returns an s3zone backend on a fresh bucket of this server.
func (s *Server) Backend(t testing.TB, optFns ...func(*s3zone.Options)) *s3zone.Backend {
	t.Helper()
	name := fmt.Sprintf("bucket-%d", s.buckets.Add(1))
	s.CreateBucket(t, name)
	b, err := s3zone.New(s.Client, name, append([]func(*s3zone.Options){func(o *s3zone.Options) { o.UsePathStyle = true }}, optFns...)...)
	if err != nil {
		t.Fatalf("s3zonetest: %v", err)
	}
	return b
}

// ConditionalWrites reports how many conditional PutObject ("put") and
// CompleteMultipartUpload ("complete") requests the server has handled.
func (s *Server) ConditionalWrites() map[string]int {
	s.condMu.Lock()
	defer s.condMu.Unlock()
	m := make(map[string]int, len(s.conditional))
	for k, v := range s.conditional {
		m[k] = v
	}
	return m
}

// enforceIfNoneMatch makes If-None-Match: * atomic and effective on both
// PutObject and CompleteMultipartUpload.
func (s *Server) enforceIfNoneMatch(next http.Handler) http.Handler {
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
		s.condMu.Lock()
		s.conditional[kind]++
		s.condMu.Unlock()

		s.mu.Lock()
		defer s.mu.Unlock()
		bucket, key := splitPath(r.URL.Path)
		if obj, err := s.backend.HeadObject(bucket, key); err == nil {
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
