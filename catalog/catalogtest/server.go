package catalogtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/smithy-go"
	"github.com/cdpkit/cdpkit/internal/loopback"
)

// Request is one request the server received: the operation and the raw
// JSON body as the client serialised it.
type Request struct {
	Op   string
	Body []byte
}

// GlueServer is an httptest server speaking Glue's awsJson1_1 protocol (POST /,
// X-Amz-Target: AWSGlue.<Operation>) for the operations Glue implements,
// backed by a *Glue, so a real *glue.Client pointed at it runs unmodified.
// It listens on loopback only. Close it when done.
type GlueServer struct {
	hs *httptest.Server
	// Glue is the model behind the server: inspect it, or inject faults
	// with Glue.Inject (API errors become wire errors; any other error
	// drops the connection, like a network failure).
	Glue *Glue

	ops      map[string]handler
	mu       sync.Mutex
	requests []Request
}

// NewGlueServer starts a server over g (NewGlue() for an empty catalog), so
// one model can be reached both in-process and over HTTP.
func NewGlueServer(g *Glue) *GlueServer {
	s := &GlueServer{Glue: g}
	s.ops = s.handlers()
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *GlueServer) URL() string { return s.hs.URL }

// Close shuts the server down and waits for its requests to finish.
func (s *GlueServer) Close() { s.hs.Close() }

// Config returns an aws.Config for the server: region us-east-1, static
// dummy credentials, BaseEndpoint set to the server and no SDK retries.
// glue.NewFromConfig(srv.Config()) gives the same client as Client.
func (s *GlueServer) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDCATALOGTEST", "catalogtest-secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: loopback.Transport(s.hs.Client().Transport)},
	}
}

// Requests returns copies of the requests received so far.
func (s *GlueServer) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{Op: r.Op, Body: slices.Clone(r.Body)}
	}
	return out
}

// Client returns a real *glue.Client for the server: BaseEndpoint set to
// it, static dummy credentials, region us-east-1, and no SDK retries (so
// injected throttling reaches the caller's own retry logic at once). optFns
// may change any of that.
func (s *GlueServer) Client(optFns ...func(*glue.Options)) *glue.Client {
	return glue.NewFromConfig(s.Config(), optFns...)
}

type handler func(ctx context.Context, body []byte) (any, error)

func op[In, Out any](f func(context.Context, *In, ...func(*glue.Options)) (*Out, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := unmarshalWire(body, in); err != nil {
			return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: "cannot decode request body", Fault: smithy.FaultClient}
		}
		return f(ctx, in)
	}
}

func (s *GlueServer) handlers() map[string]handler {
	g := s.Glue
	return map[string]handler{
		"CreateDatabase":          op(g.CreateDatabase),
		"GetDatabase":             op(g.GetDatabase),
		"GetDatabases":            op(g.GetDatabases),
		"DeleteDatabase":          op(g.DeleteDatabase),
		"UpdateDatabase":          op(g.UpdateDatabase),
		"CreateTable":             op(g.CreateTable),
		"GetTable":                op(g.GetTable),
		"GetTables":               op(g.GetTables),
		"UpdateTable":             op(g.UpdateTable),
		"DeleteTable":             op(g.DeleteTable),
		"GetTableVersions":        op(g.GetTableVersions),
		"BatchDeleteTableVersion": op(g.BatchDeleteTableVersion),
		"BatchCreatePartition":    op(g.BatchCreatePartition),
		"BatchGetPartition":       op(g.BatchGetPartition),
		"BatchUpdatePartition":    op(g.BatchUpdatePartition),
		"BatchDeletePartition":    op(g.BatchDeletePartition),
		"GetPartitions":           op(g.GetPartitions),
	}
}

const maxBody = 16 << 20

func (s *GlueServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, "AWSGlue.")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "expected POST / with X-Amz-Target: AWSGlue.<Operation>")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, http.StatusBadRequest, "SerializationException", "request body unreadable or too large")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Op: name, Body: body})
	s.mu.Unlock()
	h, ok := s.ops[name]
	if !ok {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "operation not supported by catalogtest")
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			// Not a service error (an injected failure or a canceled
			// request): drop the connection like a network fault.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, herr := hj.Hijack(); herr == nil {
					conn.Close()
					return
				}
			}
			writeError(w, http.StatusInternalServerError, "InternalServiceException", "internal failure")
			return
		}
		status := http.StatusBadRequest
		if ae.ErrorFault() == smithy.FaultServer {
			status = http.StatusInternalServerError
		}
		writeError(w, status, ae.ErrorCode(), ae.ErrorMessage())
		return
	}
	b, err := marshalWire(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServiceException", "cannot encode response")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"__type": code, "Message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
