package athenatest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/internal/awsjson"
	"github.com/cdpkit/cdpkit/internal/loopback"
)

// AthenaServer serves an *Athena over Athena's awsJson1_1 protocol (POST /,
// X-Amz-Target: AmazonAthena.<Operation>) on 127.0.0.1, so a real
// *athena.Client runs against it unmodified. Close it when done.
type AthenaServer struct {
	srv *httptest.Server
	// Athena is the model behind the server.
	Athena *Athena
	ops    map[string]handler
}

// athenaJSON is the awsJson1_1 form of Athena shapes: Go field names,
// epoch-second timestamps, unset enums left out.
var athenaJSON = &awsjson.Codec{OmitEmptyStrings: true}

type handler func(ctx context.Context, body []byte) (any, error)

func op[In, Out any](f func(context.Context, *In, ...func(*athena.Options)) (*Out, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := athenaJSON.Unmarshal(body, in); err != nil {
				return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: "cannot decode request body", Fault: smithy.FaultClient}
			}
		}
		return f(ctx, in)
	}
}

// NewAthenaServer starts a server over f.
func NewAthenaServer(f *Athena) *AthenaServer {
	s := &AthenaServer{Athena: f}
	s.ops = map[string]handler{
		"StartQueryExecution": op(f.StartQueryExecution),
		"GetQueryExecution":   op(f.GetQueryExecution),
		"GetQueryResults":     op(f.GetQueryResults),
		"StopQueryExecution":  op(f.StopQueryExecution),
		"ListQueryExecutions": op(f.ListQueryExecutions),
		"GetTableMetadata":    op(f.GetTableMetadata),
		"ListTableMetadata":   op(f.ListTableMetadata),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP)) // httptest listens on 127.0.0.1
	return s
}

// URL is the server's base URL.
func (s *AthenaServer) URL() string { return s.srv.URL }

// Close shuts the server down; it does not close the Athena behind it.
func (s *AthenaServer) Close() { s.srv.Close() }

// Config returns an aws.Config for the server: region us-east-1, static
// dummy credentials, BaseEndpoint set to the server, and no SDK retries
// (injected throttling reaches the caller's own retry logic at once).
func (s *AthenaServer) Config() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDATHENATEST", "athenatest-secret", ""),
		BaseEndpoint: aws.String(s.srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: loopback.Transport(s.srv.Client().Transport)},
	}
}

// Client returns a real *athena.Client for the server; optFns may change
// any of Config's settings.
func (s *AthenaServer) Client(optFns ...func(*athena.Options)) *athena.Client {
	return athena.NewFromConfig(s.Config(), optFns...)
}

const maxBody = 1 << 20

func (s *AthenaServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena.")
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "expected POST / with X-Amz-Target: AmazonAthena.<Operation>", nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, http.StatusBadRequest, "SerializationException", "request body unreadable or too large", nil)
		return
	}
	h, ok := s.ops[name]
	if !ok {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "operation not served by athenatest", nil)
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			if hj, ok := w.(http.Hijacker); ok { // a network fault
				if conn, _, herr := hj.Hijack(); herr == nil {
					conn.Close()
					return
				}
			}
			writeError(w, http.StatusInternalServerError, "InternalServerException", "internal failure", nil)
			return
		}
		status := http.StatusBadRequest
		if ae.ErrorFault() == smithy.FaultServer {
			status = http.StatusInternalServerError
		}
		// The exception's own members (Reason, AthenaErrorCode) go on the
		// wire too.
		var extra map[string]any
		if b, merr := athenaJSON.Marshal(ae); merr == nil {
			_ = json.Unmarshal(b, &extra)
		}
		writeError(w, status, ae.ErrorCode(), ae.ErrorMessage(), extra)
		return
	}
	b, err := athenaJSON.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerException", "cannot encode response", nil)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	m := map[string]any{}
	for k, v := range extra {
		if k != "ErrorCodeOverride" {
			m[k] = v
		}
	}
	m["__type"], m["Message"] = code, msg
	b, _ := json.Marshal(m)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
