package metatest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
)

func h(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

type graphReply struct {
	status int
	body   map[string]any
}

func (g graphReply) code() int {
	e, _ := g.body["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

func (g graphReply) num(k string) int {
	v, _ := g.body[k].(float64)
	return int(v)
}

func post(t *testing.T, srv *metatest.GraphServer, method, path, ctype, body string) graphReply {
	t.Helper()
	r, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+srv.Token())
	r.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("response is not JSON (status %d)", resp.StatusCode)
	}
	return graphReply{resp.StatusCode, out}
}

func usersBody(schema string, data string, session string) string {
	return `{"payload":{"schema":` + schema + `,"is_raw":true,"data":` + data + `},"session":` + session + `}`
}

func TestServerValidates(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	path := "/v25.0/" + aud + "/users"
	sess := `{"session_id":1,"batch_seq":1,"last_batch_flag":false}`
	good := `["` + h("a") + `","` + h("b") + `"]`

	many := make([]string, 10001)
	for i := range many {
		many[i] = `["` + h(strconv.Itoa(i)) + `"]`
	}
	for _, tc := range []struct {
		name, schema, data string
		code               int
	}{
		{"unknown key", `["EMAIL","SSN"]`, `[` + good + `]`, 100},
		{"duplicate key", `["EMAIL","EMAIL"]`, `[` + good + `]`, 100},
		{"narrow row", `["EMAIL","PHONE","FN"]`, `[` + good + `]`, 100},
		{"ragged rows", `["EMAIL","PHONE"]`, `[` + good + `,["` + h("c") + `"]]`, 100},
		{"no rows", `["EMAIL","PHONE"]`, `[]`, 100},
		{"over cap", `["EMAIL"]`, `[` + strings.Join(many, ",") + `]`, 100},
		{"not json rows", `["EMAIL"]`, `"x"`, 100},
	} {
		if got := post(t, srv, "POST", path, "application/json", usersBody(tc.schema, tc.data, sess)); got.code() != tc.code || got.status != 400 {
			t.Errorf("%s: status %d code %d, want 400 and %d", tc.name, got.status, got.code(), tc.code)
		}
	}
	if n := srv.Graph().Model.Size(aud); n != 0 {
		t.Fatalf("%d members after rejected requests", n)
	}

	// Cells must be "" or 64 lowercase hex digits; other rows are invalid
	// entries, counted and not added.
	data := `[` + good + `,["` + strings.ToUpper(h("c")) + `",""],["not-a-hash",""],["",""],["` + h("d") + `",""]]`
	got := post(t, srv, "POST", path, "application/json", usersBody(`["EMAIL","PHONE"]`, data, sess))
	if got.status != 200 || got.num("num_received") != 5 || got.num("num_invalid_entries") != 3 {
		t.Errorf("status %d received %d invalid %d, want 200, 5, 3", got.status, got.num("num_received"), got.num("num_invalid_entries"))
	}
	if samples, _ := got.body["invalid_entry_samples"].(map[string]any); len(samples) != 3 {
		t.Errorf("%d invalid entry samples, want 3", len(samples))
	}
	if n := srv.Graph().Model.Size(aud); n != 2 {
		t.Errorf("%d members, want 2", n)
	}
	if !srv.Graph().Model.Contains(aud, []hashing.Cell{mustCell(t, hashing.Email, h("d"))}) {
		t.Error("valid row missing")
	}

	// A payload in the query string is refused.
	q := url.Values{"payload": {`{"schema":["EMAIL"],"data":[["` + h("e") + `"]]}`}}
	if got := post(t, srv, "POST", path+"?"+q.Encode(), "application/json", ""); got.code() != 100 {
		t.Errorf("query-string payload: code %d, want 100", got.code())
	}
	// Multi-key without is_raw is refused.
	nr := `{"payload":{"schema":["EMAIL","PHONE"],"data":[` + good + `]}}`
	if got := post(t, srv, "POST", path, "application/json", nr); got.code() != 100 {
		t.Errorf("is_raw missing: code %d, want 100", got.code())
	}
	// Replace needs a session.
	nosess := `{"payload":{"schema":["EMAIL"],"is_raw":true,"data":[["` + h("f") + `"]]}}`
	if got := post(t, srv, "POST", "/v25.0/"+aud+"/usersreplace", "application/json", nosess); got.code() != 194 {
		t.Errorf("replace without session: code %d, want 194", got.code())
	}
}

// Form bodies, stringified JSON, POST with method=DELETE and single-key
// schemas work as on Graph.
func TestServerEncodings(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	path := "/v25.0/" + aud + "/users"
	form := url.Values{
		"payload": {`{"schema":["EMAIL","PHONE"],"is_raw":true,"data":[["` + h("a") + `",""],["` + h("b") + `","` + h("p") + `"]]}`},
		"session": {`{"session_id":"9","batch_seq":"1","last_batch_flag":true}`},
	}
	if got := post(t, srv, "POST", path, "application/x-www-form-urlencoded", form.Encode()); got.status != 200 || got.num("num_received") != 2 {
		t.Fatalf("form add: %d %v", got.status, got.body)
	}
	single := `{"payload":"{\"schema\":\"EMAIL_SHA256\",\"data\":[\"` + h("c") + `\"]}"}`
	if got := post(t, srv, "POST", path, "application/json", single); got.status != 200 {
		t.Fatalf("single-key add: %d %v", got.status, got.body)
	}
	if n := srv.Graph().Model.Size(aud); n != 3 {
		t.Fatalf("%d members, want 3", n)
	}
	del := url.Values{"method": {"DELETE"}, "payload": {`{"schema":["EMAIL"],"is_raw":true,"data":[["` + h("c") + `"]]}`}}
	if got := post(t, srv, "POST", path, "application/x-www-form-urlencoded", del.Encode()); got.status != 200 {
		t.Fatalf("method=DELETE: %d %v", got.status, got.body)
	}
	if n := srv.Graph().Model.Size(aud); n != 2 {
		t.Errorf("%d members after delete, want 2", n)
	}
}

func mustCell(t *testing.T, k hashing.Key, d string) hashing.Cell {
	c, err := hashing.CellFromDigest(k, d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
