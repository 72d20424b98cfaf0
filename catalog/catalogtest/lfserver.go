package catalogtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/ram"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/internal/awsjson"
	"github.com/cdpkit/cdpkit/internal/loopback"
)

// lfJSON is Lake Formation's restJson1 form: member names as in the Go
// shapes (the model's are PascalCase), unset enums left out.
var lfJSON = &awsjson.Codec{OmitEmptyStrings: true}

// ramJSON is RAM's restJson1 form: lowerCamel member names.
var ramJSON = &awsjson.Codec{Member: awsjson.LowerFirst, OmitEmptyStrings: true}

// LakeFormationServer is an httptest server on loopback speaking Lake
// Formation's REST-JSON protocol (POST /<Operation>) and RAM's (POST
// /<operation in lower case>) over a *LakeFormation world, so a real
// *lakeformation.Client and *ram.Client run unmodified. The account a
// request acts as is read from its SigV4 access key: ConfigFor(account)
// gives credentials for any account of the world. Close it when done.
type LakeFormationServer struct {
	// LakeFormation is the model behind the server (the account Client
	// acts as): inspect it, or inject faults with Inject.
	LakeFormation *LakeFormation

	hs       *httptest.Server
	mu       sync.Mutex
	requests []Request
}

type lfHandler func(ctx context.Context, f *LakeFormation, body []byte) (any, *awsjson.Codec, error)

func lfOp[In, Out any](m func(*LakeFormation, context.Context, *In, ...func(*lakeformation.Options)) (*Out, error)) lfHandler {
	return func(ctx context.Context, f *LakeFormation, body []byte) (any, *awsjson.Codec, error) {
		in := new(In)
		if err := decodeBody(lfJSON, body, in); err != nil {
			return nil, lfJSON, err
		}
		out, err := m(f, ctx, in)
		return out, lfJSON, err
	}
}

func ramOp[In, Out any](m func(*RAM, context.Context, *In, ...func(*ram.Options)) (*Out, error)) lfHandler {
	return func(ctx context.Context, f *LakeFormation, body []byte) (any, *awsjson.Codec, error) {
		in := new(In)
		if err := decodeBody(ramJSON, body, in); err != nil {
			return nil, ramJSON, err
		}
		out, err := m(f.RAM(), ctx, in)
		return out, ramJSON, err
	}
}

func decodeBody(c *awsjson.Codec, body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := c.Unmarshal(body, dst); err != nil {
		return &smithy.GenericAPIError{Code: "SerializationException", Message: "cannot decode request body", Fault: smithy.FaultClient}
	}
	return nil
}

var lfRoutes = map[string]lfHandler{
	"/GetDataLakeSettings":           lfOp((*LakeFormation).GetDataLakeSettings),
	"/PutDataLakeSettings":           lfOp((*LakeFormation).PutDataLakeSettings),
	"/RegisterResource":              lfOp((*LakeFormation).RegisterResource),
	"/DescribeResource":              lfOp((*LakeFormation).DescribeResource),
	"/DeregisterResource":            lfOp((*LakeFormation).DeregisterResource),
	"/CreateLFTag":                   lfOp((*LakeFormation).CreateLFTag),
	"/GetLFTag":                      lfOp((*LakeFormation).GetLFTag),
	"/UpdateLFTag":                   lfOp((*LakeFormation).UpdateLFTag),
	"/ListLFTags":                    lfOp((*LakeFormation).ListLFTags),
	"/DeleteLFTag":                   lfOp((*LakeFormation).DeleteLFTag),
	"/AddLFTagsToResource":           lfOp((*LakeFormation).AddLFTagsToResource),
	"/RemoveLFTagsFromResource":      lfOp((*LakeFormation).RemoveLFTagsFromResource),
	"/GetResourceLFTags":             lfOp((*LakeFormation).GetResourceLFTags),
	"/SearchTablesByLFTags":          lfOp((*LakeFormation).SearchTablesByLFTags),
	"/SearchDatabasesByLFTags":       lfOp((*LakeFormation).SearchDatabasesByLFTags),
	"/GrantPermissions":              lfOp((*LakeFormation).GrantPermissions),
	"/RevokePermissions":             lfOp((*LakeFormation).RevokePermissions),
	"/BatchGrantPermissions":         lfOp((*LakeFormation).BatchGrantPermissions),
	"/BatchRevokePermissions":        lfOp((*LakeFormation).BatchRevokePermissions),
	"/ListPermissions":               lfOp((*LakeFormation).ListPermissions),
	"/CreateDataCellsFilter":         lfOp((*LakeFormation).CreateDataCellsFilter),
	"/GetDataCellsFilter":            lfOp((*LakeFormation).GetDataCellsFilter),
	"/UpdateDataCellsFilter":         lfOp((*LakeFormation).UpdateDataCellsFilter),
	"/DeleteDataCellsFilter":         lfOp((*LakeFormation).DeleteDataCellsFilter),
	"/ListDataCellsFilter":           lfOp((*LakeFormation).ListDataCellsFilter),
	"/getresourceshareinvitations":   ramOp((*RAM).GetResourceShareInvitations),
	"/acceptresourceshareinvitation": ramOp((*RAM).AcceptResourceShareInvitation),
}

// NewLakeFormationServer starts a server over f's world.
func NewLakeFormationServer(f *LakeFormation) *LakeFormationServer {
	s := &LakeFormationServer{LakeFormation: f}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *LakeFormationServer) URL() string { return s.hs.URL }

// Close shuts the server down and waits for its requests to finish.
func (s *LakeFormationServer) Close() { s.hs.Close() }

// Config returns an aws.Config acting as the account of s.LakeFormation:
// region us-east-1, static dummy credentials naming the account,
// BaseEndpoint set to the server, no SDK retries.
func (s *LakeFormationServer) Config() aws.Config { return s.ConfigFor(s.LakeFormation.Account()) }

// ConfigFor is Config acting as another account of the world.
func (s *LakeFormationServer) ConfigFor(account string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLF"+account, "catalogtest-secret", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   &http.Client{Transport: loopback.Transport(s.hs.Client().Transport)},
	}
}

// Client returns a real *lakeformation.Client for the server, acting as
// the account of s.LakeFormation.
func (s *LakeFormationServer) Client(optFns ...func(*lakeformation.Options)) *lakeformation.Client {
	return lakeformation.NewFromConfig(s.Config(), optFns...)
}

// ClientFor returns a *lakeformation.Client acting as account.
func (s *LakeFormationServer) ClientFor(account string, optFns ...func(*lakeformation.Options)) *lakeformation.Client {
	return lakeformation.NewFromConfig(s.ConfigFor(account), optFns...)
}

// RAMClient returns a real *ram.Client for the server acting as account.
func (s *LakeFormationServer) RAMClient(account string, optFns ...func(*ram.Options)) *ram.Client {
	return ram.NewFromConfig(s.ConfigFor(account), optFns...)
}

// Requests returns copies of the requests received so far (Op is the
// operation name as in the URL path).
func (s *LakeFormationServer) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{Op: r.Op, Body: slices.Clone(r.Body)}
	}
	return out
}

// accountOf reads the access key of a SigV4 Authorization header.
func accountOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(cred, "/")
	return strings.TrimPrefix(key, "AKIDLF")
}

func (s *LakeFormationServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h, ok := lfRoutes[r.URL.Path]
	if r.Method != http.MethodPost || !ok {
		writeRESTError(w, http.StatusNotFound, "UnknownOperationException", "operation not supported by catalogtest")
		return
	}
	f := s.LakeFormation.As(accountOf(r))
	if f == nil {
		writeRESTError(w, http.StatusForbidden, "UnrecognizedClientException", "the access key names no account of the world")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeRESTError(w, http.StatusBadRequest, "SerializationException", "request body unreadable or too large")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Op: strings.TrimPrefix(r.URL.Path, "/"), Body: body})
	s.mu.Unlock()
	out, codec, err := h(r.Context(), f, body)
	if err != nil {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, herr := hj.Hijack(); herr == nil {
					conn.Close()
					return
				}
			}
			writeRESTError(w, http.StatusInternalServerError, "InternalServiceException", "internal failure")
			return
		}
		status := http.StatusBadRequest
		switch {
		case ae.ErrorFault() == smithy.FaultServer:
			status = http.StatusInternalServerError
		case strings.Contains(ae.ErrorCode(), "AccessDenied"):
			status = http.StatusForbidden
		}
		writeRESTError(w, status, ae.ErrorCode(), ae.ErrorMessage())
		return
	}
	var b []byte
	if out == nil || isNilPointer(out) {
		b = []byte("{}")
	} else if b, err = codec.Marshal(out); err != nil {
		writeRESTError(w, http.StatusInternalServerError, "InternalServiceException", "cannot encode response")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func writeRESTError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
