package meta_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/google/go-cmp/cmp"
)

type captured struct {
	method, path, auth, ctype string
	query                     map[string][]string
	body                      []byte
}

// capture serves status/body (and headers) and records the request.
func capture(t *testing.T, status int, body string, hdr http.Header) (*httptest.Server, *captured) {
	t.Helper()
	c := &captured{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.method, c.path, c.auth, c.ctype = r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		c.query = r.URL.Query()
		c.body, _ = io.ReadAll(r.Body)
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, c
}

func testRequest(t *testing.T) *meta.UsersRequest {
	var cells []hashing.Cell
	for i := range 2 {
		cells = append(cells, row(t, "req", i)...)
	}
	return &meta.UsersRequest{Schema: testSchema, Cells: cells, Session: meta.Session{ID: 77, BatchSeq: 3, Last: true, EstimatedTotal: 1000}}
}

func TestClientRequestShape(t *testing.T) {
	for _, tc := range []struct {
		op         meta.Operation
		method     string
		path       string
		withSecret bool
	}{
		{meta.Add, "POST", "/v25.0/123/users", false},
		{meta.Remove, "DELETE", "/v25.0/123/users", true},
		{meta.Replace, "POST", "/v25.0/123/usersreplace", false},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			srv, c := capture(t, 200, `{"audience_id":"123","session_id":"77","num_received":2,"num_invalid_entries":0,"invalid_entry_samples":{}}`, nil)
			client := meta.NewClient("tok", func(o *meta.ClientOptions) {
				o.BaseURL = srv.URL
				if tc.withSecret {
					o.AppSecret = "shh"
				}
			})
			req := testRequest(t)
			resp, err := client.UpdateUsers(t.Context(), tc.op, "123", req)
			if err != nil {
				t.Fatal(err)
			}
			if c.method != tc.method || c.path != tc.path || c.auth != "Bearer tok" || c.ctype != "application/json" {
				t.Errorf("got %s %s auth=%q type=%q", c.method, c.path, c.auth, c.ctype)
			}
			wantQuery := map[string][]string{}
			if tc.withSecret {
				m := hmac.New(sha256.New, []byte("shh"))
				m.Write([]byte("tok"))
				wantQuery["appsecret_proof"] = []string{hex.EncodeToString(m.Sum(nil))}
			}
			if diff := cmp.Diff(wantQuery, c.query); diff != "" {
				t.Errorf("query string (-want +got):\n%s", diff)
			}
			var body struct {
				Payload struct {
					Schema []string   `json:"schema"`
					IsRaw  bool       `json:"is_raw"`
					Data   [][]string `json:"data"`
				} `json:"payload"`
				Session map[string]any `json:"session"`
			}
			if err := json.Unmarshal(c.body, &body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			wantData := [][]string{}
			for i := range 2 {
				r := []string{}
				for _, cell := range req.Row(i) {
					r = append(r, cell.Value())
				}
				wantData = append(wantData, r)
			}
			if wantData[0][1] != "" {
				t.Fatal("row 0 should have a missing phone")
			}
			if diff := cmp.Diff([]string{"EMAIL", "PHONE", "COUNTRY"}, body.Payload.Schema); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
			if !body.Payload.IsRaw {
				t.Error("is_raw not true")
			}
			if !cmp.Equal(wantData, body.Payload.Data) {
				t.Error("data differs from the request's cells")
			}
			wantSession := map[string]any{"session_id": 77.0, "batch_seq": 3.0, "last_batch_flag": true, "estimated_num_total": 1000.0}
			if diff := cmp.Diff(wantSession, body.Session); diff != "" {
				t.Errorf("session (-want +got):\n%s", diff)
			}
			if resp.NumReceived != 2 || resp.SessionID != "77" || resp.AudienceID != "123" {
				t.Errorf("response %+v", resp)
			}
		})
	}
}

func TestClientDecodesTolerantly(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       meta.UsersResponse
	}{
		{"strings", `{"audience_id":"9","session_id":"5","num_received":10,"num_invalid_entries":1,"invalid_entry_samples":{"x":"y"}}`,
			meta.UsersResponse{AudienceID: "9", SessionID: "5", NumReceived: 10, NumInvalidEntries: 1, InvalidEntrySamples: 1}},
		{"numbers", `{"audience_id":23840000000000001,"session_id":5,"num_received":"10","num_invalid_entries":"0"}`,
			meta.UsersResponse{AudienceID: "23840000000000001", SessionID: "5", NumReceived: 10}},
		{"sample array", `{"audience_id":"9","num_received":3,"num_invalid_entries":2,"invalid_entry_samples":["a","b"]}`,
			meta.UsersResponse{AudienceID: "9", NumReceived: 3, NumInvalidEntries: 2, InvalidEntrySamples: 2}},
		{"replace shape", `{"account_id":"act_1","session_id":"5","num_received":4,"subscription_info":{"whatsapp":{}},"extra":[1]}`,
			meta.UsersResponse{AudienceID: "act_1", SessionID: "5", NumReceived: 4}},
		{"nulls", `{"audience_id":null,"num_received":null,"invalid_entry_samples":null}`, meta.UsersResponse{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := capture(t, 200, tc.body, nil)
			client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
			got, err := client.UpdateUsers(t.Context(), meta.Add, "9", testRequest(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	buc := http.Header{meta.HeaderBusinessUseCase: {`{"1":[{"type":"custom_audience","call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":7}]}`}}
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		hdr       http.Header
		kinds     []error
		code, sub int
	}{
		{"throttled", 429, `{"error":{"message":"(#80003) too many calls","type":"OAuthException","code":80003,"fbtrace_id":"T1"}}`, buc,
			[]error{meta.ErrThrottled, meta.ErrTransient}, 80003, 0},
		{"html", 502, `<html><body>Bad gateway</body></html>`, nil, []error{meta.ErrTransient}, 0, 0},
		{"empty 503", 503, ``, nil, []error{meta.ErrTransient}, 0, 0},
		{"malformed 200", 200, `{"audience_id":`, nil, []error{meta.ErrTransient}, 0, 0},
		{"is_transient", 500, `{"error":{"message":"x","code":2,"is_transient":true}}`, nil, []error{meta.ErrTransient}, 2, 0},
		{"token", 400, `{"error":{"message":"bad token","type":"OAuthException","code":190,"error_subcode":460}}`, nil,
			[]error{meta.ErrUnauthorized, meta.ErrPermanent}, 190, 460},
		{"not found", 400, `{"error":{"message":"no","code":100,"error_subcode":33}}`, nil, []error{meta.ErrNotFound, meta.ErrPermanent}, 100, 33},
		{"blocked", 400, `{"error":{"message":"blocked","code":100,"error_subcode":1713230}}`, nil, []error{meta.ErrAudienceRestricted}, 100, 1713230},
		{"busy", 400, `{"error":{"message":"busy","code":2650,"error_subcode":1870145}}`, nil, []error{meta.ErrAudienceBusy, meta.ErrTransient}, 2650, 1870145},
		{"replace timed out", 400, `{"error":{"message":"timeout","code":2650,"error_subcode":1870158}}`, nil, []error{meta.ErrReplace, meta.ErrPermanent}, 2650, 1870158},
		{"terms", 400, `{"error":{"message":"terms","code":200,"error_subcode":1870090,"error_user_title":"Accept terms","error_user_msg":"Please accept"}}`, nil,
			[]error{meta.ErrForbidden, meta.ErrPermanent}, 200, 1870090},
		{"invalid", 400, `{"error":{"message":"bad param","code":100}}`, nil, []error{meta.ErrInvalidInput, meta.ErrPermanent}, 100, 0},
		{"code as string", 400, `{"error":{"message":"x","code":"613","error_subcode":"1487742"}}`, nil, []error{meta.ErrThrottled}, 613, 1487742},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := capture(t, tc.status, tc.body, tc.hdr)
			client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
			_, err := client.UpdateUsers(t.Context(), meta.Add, "9", testRequest(t))
			for _, k := range tc.kinds {
				if !errors.Is(err, k) {
					t.Errorf("error %v does not match %v", err, k)
				}
			}
			var me *meta.Error
			if !errors.As(err, &me) || me.Op != "add" || me.Audience != "9" || me.Batch != 3 {
				t.Errorf("*meta.Error %+v", me)
			}
			if !strings.HasPrefix(err.Error(), `meta: add "9" batch 3: `) {
				t.Errorf("message %q", err.Error())
			}
			var ae *meta.APIError
			if tc.name == "malformed 200" {
				return
			}
			if !errors.As(err, &ae) {
				t.Fatalf("no *APIError in %v", err)
			}
			if ae.Code != tc.code || ae.Subcode != tc.sub || ae.HTTPStatus != tc.status {
				t.Errorf("code %d/%d status %d", ae.Code, ae.Subcode, ae.HTTPStatus)
			}
			if tc.name == "throttled" {
				if ae.TraceID != "T1" || ae.Usage.RegainAccess() != 7*time.Minute || ae.Usage.MaxPercent() != 100 {
					t.Errorf("trace %q usage %+v", ae.TraceID, ae.Usage)
				}
			}
			if tc.name == "terms" && (ae.UserTitle != "Accept terms" || ae.UserMessage != "Please accept") {
				t.Errorf("user title/message %q %q", ae.UserTitle, ae.UserMessage)
			}
		})
	}
}

// A connection failure is transient, and the error carries neither the
// URL's appsecret_proof nor any request data.
func TestClientTransportError(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Reset}))
	client := srv.Client(func(o *meta.ClientOptions) { o.AppSecret = "secret" })
	req := testRequest(t)
	_, err := client.UpdateUsers(t.Context(), meta.Add, aud, req)
	if !errors.Is(err, meta.ErrTransient) {
		t.Fatalf("got %v, want ErrTransient", err)
	}
	if strings.Contains(err.Error(), "appsecret_proof") || strings.Contains(err.Error(), srv.URL()) {
		t.Error("error holds the request URL")
	}
	for i, c := range req.Cells {
		if !c.IsMissing() && strings.Contains(err.Error(), c.Value()) {
			t.Errorf("error holds cell %d", i)
		}
	}
}

func TestClientRejectsBadInput(t *testing.T) {
	srv, c := capture(t, 200, `{}`, nil)
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
	for name, call := range map[string]func() error{
		"path in audience id": func() error {
			_, err := client.UpdateUsers(t.Context(), meta.Add, "123/../../me", testRequest(t))
			return err
		},
		"unknown op": func() error { _, err := client.UpdateUsers(t.Context(), "upsert", "123", testRequest(t)); return err },
		"no session": func() error {
			r := testRequest(t)
			r.Session = meta.Session{}
			_, err := client.UpdateUsers(t.Context(), meta.Add, "123", r)
			return err
		},
		"status id": func() error { _, err := client.OperationStatus(t.Context(), "me"); return err },
		"account id": func() error {
			_, err := client.CreateAudience(t.Context(), "act_x", meta.AudienceSpec{Name: "a"})
			return err
		},
		"no name": func() error { _, err := client.CreateAudience(t.Context(), "act_1", meta.AudienceSpec{}); return err },
		"file source": func() error {
			_, err := client.CreateAudience(t.Context(), "1", meta.AudienceSpec{Name: "a", CustomerFileSource: "X"})
			return err
		},
	} {
		if err := call(); !errors.Is(err, meta.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if c.method != "" {
		t.Errorf("a request was sent: %s %s", c.method, c.path)
	}
}

func TestCreateAudienceAndStatus(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	client := srv.Client()
	id, err := client.CreateAudience(t.Context(), "act_1234", meta.AudienceSpec{Name: "high value", CustomerFileSource: meta.PartnerProvidedOnly})
	if err != nil {
		t.Fatal(err)
	}
	st, err := client.OperationStatus(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Code != meta.StatusCodeNormal || st.Busy() || st.Restricted() {
		t.Errorf("new audience status %+v", st)
	}
	res, err := meta.NewUploader(client).Add(t.Context(), id, testSchema, rows(t, "c", 25))
	if err != nil || res.RowsSent != 25 || srv.Graph().Model.Size(id) != 25 {
		t.Fatalf("upload to created audience: %v", err)
	}
	if _, err := srv.Client(func(o *meta.ClientOptions) { o.APIVersion = "v24.0" }).OperationStatus(t.Context(), id); err != nil {
		t.Errorf("other API version: %v", err)
	}
	bad := meta.NewClient("wrong", func(o *meta.ClientOptions) { o.BaseURL = srv.URL() })
	if _, err := bad.OperationStatus(t.Context(), id); !errors.Is(err, meta.ErrUnauthorized) {
		t.Errorf("wrong token: got %v, want ErrUnauthorized", err)
	}
}

func TestParseUsage(t *testing.T) {
	h := http.Header{}
	h.Set(meta.HeaderAppUsage, `{"call_count":12,"total_cputime":40,"total_time":3}`)
	h.Set(meta.HeaderAdAccountUsage, `{"acc_id_util_pct":91.5,"reset_time_duration":30,"ads_api_access_tier":"standard_access"}`)
	h.Set(meta.HeaderBusinessUseCase, `{"act_9":[{"type":"custom_audience","call_count":20,"total_cputime":1,"total_time":2,"estimated_time_to_regain_access":0}]}`)
	u := meta.ParseUsage(h)
	want := &meta.Usage{
		App:       &meta.AppUsage{CallCount: 12, TotalCPUTime: 40, TotalTime: 3},
		AdAccount: &meta.AdAccountUsage{UtilPercent: 91.5, ResetTimeDuration: 30, AccessTier: "standard_access"},
		Business:  []meta.BusinessUseCaseUsage{{ObjectID: "act_9", Type: "custom_audience", CallCount: 20, TotalCPUTime: 1, TotalTime: 2}},
	}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if u.MaxPercent() != 91.5 || u.RegainAccess() != 0 {
		t.Errorf("max %v regain %v", u.MaxPercent(), u.RegainAccess())
	}
	if diff := cmp.Diff(u, meta.ParseUsage(u.Header())); diff != "" {
		t.Errorf("Header round trip (-want +got):\n%s", diff)
	}
	if meta.ParseUsage(http.Header{meta.HeaderAppUsage: {"not json"}}) != nil {
		t.Error("malformed header parsed")
	}
}

func TestDeleteViaPost(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	up := meta.NewUploader(srv.Client(func(o *meta.ClientOptions) { o.DeleteViaPost = true }))
	if _, err := up.Add(t.Context(), aud, testSchema, rows(t, "d", 30)); err != nil {
		t.Fatal(err)
	}
	if _, err := up.Remove(t.Context(), aud, testSchema, rows(t, "d", 10)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Graph().Model.Size(aud); got != 20 {
		t.Errorf("audience has %d members, want 20", got)
	}
	c2, cap := capture(t, 200, `{}`, nil)
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = c2.URL; o.DeleteViaPost = true })
	if _, err := client.UpdateUsers(t.Context(), meta.Remove, "5", testRequest(t)); err != nil {
		t.Fatal(err)
	}
	var body map[string]json.RawMessage
	if cap.method != "POST" || json.Unmarshal(cap.body, &body) != nil || string(body["method"]) != `"DELETE"` || body["payload"] == nil {
		t.Errorf("got %s with keys %v", cap.method, len(body))
	}
}

// Usage headers of successful responses reach the caller (and the
// Uploader's pacing).
func TestClientResponseUsage(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	u := &meta.Usage{Business: []meta.BusinessUseCaseUsage{{ObjectID: "act_1", Type: "custom_audience", CallCount: 97, RegainAccessMinutes: 2}}}
	srv.SetUsage(u)
	resp, err := srv.Client().UpdateUsers(t.Context(), meta.Add, aud, testRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, resp.Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if resp.NumReceived != 2 {
		t.Errorf("num_received %d", resp.NumReceived)
	}
}
