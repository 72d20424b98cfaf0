package meta

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for ClientOptions.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v25.0"
)

// ClientOptions configures a Client. The zero value means every default.
type ClientOptions struct {
	// BaseURL is the Graph host, without the version. Zero means
	// DefaultBaseURL. Tests point it at metatest.Server.
	BaseURL string
	// APIVersion is the Graph version path element, e.g. "v25.0". Zero
	// means DefaultAPIVersion.
	APIVersion string
	// HTTPClient sends the requests. Nil means a client with no overall
	// timeout (the Uploader sets a per-attempt deadline on the context)
	// that does not follow redirects (a 3xx is a permanent error). With
	// a client that follows them, a redirect that turns the request into
	// another method (a POST into a GET without its payload) is an error,
	// never an acknowledgement.
	HTTPClient *http.Client
	// AppSecret, when set, adds appsecret_proof (HMAC-SHA256 of the token
	// keyed by the secret) to every request.
	AppSecret string
	// DeleteViaPost sends removals as POST /{audience}/users with
	// "method":"DELETE" in the JSON body instead of an HTTP DELETE with a
	// body, for proxies that drop DELETE bodies. Graph accepts both.
	DeleteViaPost bool
	// Logger receives one debug record per request (operation, audience,
	// batch, status, duration; never data). Nil discards.
	Logger *slog.Logger
}

// Client is a Graph API client for Custom Audience calls. The token goes in
// the Authorization header; request bodies are JSON for POST and DELETE, so
// payloads never go in the query string. Client makes exactly one HTTP
// request per call: retries belong to the Uploader.
//
// A Client is safe for concurrent use.
type Client struct {
	token string
	proof string
	opts  ClientOptions
	bufs  sync.Pool
}

var _ AudienceAPI = (*Client)(nil)

// NewClient returns a Client that authenticates with accessToken.
func NewClient(accessToken string, optFns ...func(*ClientOptions)) *Client {
	var o ClientOptions
	for _, f := range optFns {
		f(&o)
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.APIVersion == "" {
		o.APIVersion = DefaultAPIVersion
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{CheckRedirect: noRedirects}
	}
	c := &Client{token: accessToken, opts: o}
	if o.AppSecret != "" {
		m := hmac.New(sha256.New, []byte(o.AppSecret))
		m.Write([]byte(accessToken))
		c.proof = hex.EncodeToString(m.Sum(nil))
	}
	return c
}

// validID reports whether id is a Graph object id: digits, optionally
// prefixed by "act_" when act is true. It keeps ids from altering the path.
func validID(id string, act bool) bool {
	if act {
		id = strings.TrimPrefix(id, "act_")
	}
	if id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

func (c *Client) url(path string, query url.Values) string {
	if c.proof != "" {
		if query == nil {
			query = url.Values{}
		}
		query.Set("appsecret_proof", c.proof)
	}
	u := c.opts.BaseURL + "/" + c.opts.APIVersion + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// UpdateUsers sends one add (POST /{audience}/users), remove
// (DELETE /{audience}/users) or replace (POST /{audience}/usersreplace)
// request. Errors are *Error values wrapping an *APIError (Graph error
// envelopes, non-JSON error bodies) or the transport error.
func (c *Client) UpdateUsers(ctx context.Context, op Operation, audienceID string, req *UsersRequest) (*UsersResponse, error) {
	fail := func(kind, err error) error {
		return &Error{Op: string(op), Audience: audienceID, Batch: req.Session.BatchSeq, Kind: kind, Err: err}
	}
	if !op.Valid() {
		return nil, fail(ErrInvalidInput, fmt.Errorf("unknown operation %q", string(op)))
	}
	if !validID(audienceID, false) {
		return nil, fail(ErrInvalidInput, errors.New("audience id must be numeric"))
	}
	if err := req.Validate(); err != nil {
		return nil, fail(ErrInvalidInput, err)
	}
	buf, _ := c.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer c.bufs.Put(buf)
	body, err := req.AppendJSON((*buf)[:0])
	*buf = body
	if err != nil {
		return nil, fail(ErrInvalidInput, err)
	}
	method, edge := http.MethodPost, "users"
	switch op {
	case Remove:
		if c.opts.DeleteViaPost {
			// {"payload":…,"session":…} becomes {"method":"DELETE","payload":…}.
			body = append(body[:1], append([]byte(`"method":"DELETE",`), body[1:]...)...)
			*buf = body
		} else {
			method = http.MethodDelete
		}
	case Replace:
		edge = "usersreplace"
	}
	var resp UsersResponse
	if err := c.do(ctx, method, c.url(audienceID+"/"+edge, nil), body, &resp, &resp.Usage, string(op), audienceID, req.Session.BatchSeq); err != nil {
		return nil, err
	}
	return &resp, nil
}

// OperationStatus is an audience's operation_status.
type OperationStatus struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// Busy reports whether an update or replace is running on the audience.
func (s OperationStatus) Busy() bool {
	d := strings.ToLower(s.Description)
	return s.Code == statusCodeReplaceInProgress || strings.Contains(d, "in_progress") || strings.Contains(d, "in progress")
}

// Restricted reports whether the audience is flagged (code 471) and rejects
// member edits.
func (s OperationStatus) Restricted() bool { return s.Code == StatusCodeRestricted }

// OperationStatus reads GET /{audience}?fields=operation_status.
func (c *Client) OperationStatus(ctx context.Context, audienceID string) (OperationStatus, error) {
	if !validID(audienceID, false) {
		return OperationStatus{}, &Error{Op: "status", Audience: audienceID, Kind: ErrInvalidInput, Err: errors.New("audience id must be numeric")}
	}
	var out struct {
		Status OperationStatus `json:"operation_status"`
	}
	var usage *Usage
	err := c.do(ctx, http.MethodGet, c.url(audienceID, url.Values{"fields": {"operation_status"}}), nil, &out, &usage, "status", audienceID, 0)
	return out.Status, err
}

// CustomerFileSource values for AudienceSpec.
const (
	UserProvidedOnly           = "USER_PROVIDED_ONLY"
	PartnerProvidedOnly        = "PARTNER_PROVIDED_ONLY"
	BothUserAndPartnerProvided = "BOTH_USER_AND_PARTNER_PROVIDED"
)

// AudienceSpec describes a customer-file Custom Audience to create.
type AudienceSpec struct {
	Name        string
	Description string
	// CustomerFileSource is one of the constants above. Zero means
	// UserProvidedOnly.
	CustomerFileSource string
	// ValueBased makes a value-based audience (uploads need a
	// LOOKALIKE_VALUE column).
	ValueBased bool
}

// CreateAudience creates a customer-file Custom Audience in the ad account
// (POST /act_{id}/customaudiences, subtype CUSTOM) and returns its id. Each
// call creates another audience, even with the same name: a program that
// runs again should call EnsureAudience.
func (c *Client) CreateAudience(ctx context.Context, adAccountID string, spec AudienceSpec) (string, error) {
	fail := func(kind, err error) error {
		return &Error{Op: "create audience", Audience: adAccountID, Kind: kind, Err: err}
	}
	if !validID(adAccountID, true) {
		return "", fail(ErrInvalidInput, errors.New("ad account id must be numeric, optionally prefixed act_"))
	}
	if spec.Name == "" {
		return "", fail(ErrInvalidInput, errors.New("audience name is required"))
	}
	src := spec.CustomerFileSource
	if src == "" {
		src = UserProvidedOnly
	}
	switch src {
	case UserProvidedOnly, PartnerProvidedOnly, BothUserAndPartnerProvided:
	default:
		return "", fail(ErrInvalidInput, fmt.Errorf("unknown customer_file_source %q", src))
	}
	body, _ := json.Marshal(map[string]any{
		"name":                 spec.Name,
		"description":          spec.Description,
		"subtype":              "CUSTOM",
		"customer_file_source": src,
		"is_value_based":       spec.ValueBased,
	})
	var out struct {
		ID flexString `json:"id"`
	}
	var usage *Usage
	acct := "act_" + strings.TrimPrefix(adAccountID, "act_")
	if err := c.do(ctx, http.MethodPost, c.url(acct+"/customaudiences", nil), body, &out, &usage, "create audience", adAccountID, 0); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fail(ErrTransient, errors.New("response has no id"))
	}
	return string(out.ID), nil
}

// noRedirects makes an http.Client return a 3xx response as it is.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

var errRedirected = errors.New("request was redirected")

// maxResponse caps how much of a response body is read.
const maxResponse = 1 << 20

// do sends one request and decodes a 2xx body into out.
func (c *Client) do(ctx context.Context, method, u string, body []byte, out any, usage **Usage, op, audience string, batch int) error {
	fail := func(kind, err error) error {
		return &Error{Op: op, Audience: audience, Batch: batch, Kind: kind, Err: err}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fail(ErrInvalidInput, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		// Strip the URL (it may hold appsecret_proof) from *url.Error,
		// before logging too.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		c.log(ctx, op, audience, batch, 0, start, err)
		if ctx.Err() != nil {
			return fail(nil, ctx.Err())
		}
		return fail(ErrTransient, err)
	}
	defer resp.Body.Close()
	if resp.Request != nil && resp.Request.Method != method {
		c.log(ctx, op, audience, batch, resp.StatusCode, start, errRedirected)
		return fail(ErrPermanent, fmt.Errorf("%w: %s became %s", errRedirected, method, resp.Request.Method))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	c.log(ctx, op, audience, batch, resp.StatusCode, start, err)
	if err != nil {
		if ctx.Err() != nil {
			return fail(nil, ctx.Err())
		}
		return fail(ErrTransient, err)
	}
	*usage = ParseUsage(resp.Header)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || bytes.HasPrefix(bytes.TrimSpace(data), []byte(`{"error"`)) {
		ae := decodeAPIError(resp.StatusCode, data, *usage)
		return fail(ae.Kind(), ae)
	}
	if err := json.Unmarshal(data, out); err != nil {
		// A 2xx we cannot read may still have been applied; the operations
		// are safe to repeat, so it is transient.
		return fail(ErrTransient, fmt.Errorf("malformed response body: %w", err))
	}
	return nil
}

func (c *Client) log(ctx context.Context, op, audience string, batch, status int, start time.Time, err error) {
	if c.opts.Logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", op), slog.String("audience", audience),
		slog.Int("status", status), slog.Duration("elapsed", time.Since(start)),
	}
	if batch > 0 {
		attrs = append(attrs, slog.Int("batch", batch))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "meta: graph request", attrs...)
}
