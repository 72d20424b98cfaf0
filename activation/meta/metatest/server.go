package metatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
)

// GraphServer is a Graph API endpoint on loopback (net/http/httptest)
// over a Graph fake, so meta.Client's real HTTP, encoding and decoding run
// in tests. It serves:
//
//	POST   /{version}/act_{id}/customaudiences
//	GET    /{version}/act_{id}/customaudiences  (paged: limit, after)
//	GET    /{version}/{audience}?fields=operation_status
//	POST   /{version}/{audience}/users          (add; method=DELETE removes)
//	DELETE /{version}/{audience}/users          (remove)
//	POST   /{version}/{audience}/usersreplace   (replace)
//
// Bodies may be JSON ({"payload":{…},"session":{…}}, or payload and
// session as JSON strings) or form-encoded. A payload in the query string
// is rejected. The Graph's faults (SetFaults) apply to users requests only,
// and are shared with the in-process Graph: one plan, one request count.
//
// A GraphServer is safe for concurrent use. Close it when done.
type GraphServer struct {
	g      *Graph
	token  string
	srv    *httptest.Server
	faults *faults
}

// NewGraphServer starts a GraphServer on 127.0.0.1 over f's Model and
// faults.
func NewGraphServer(f *Graph) *GraphServer {
	s := &GraphServer{g: f, token: "test-token", faults: &f.faults}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL to give meta.ClientOptions.BaseURL.
func (s *GraphServer) URL() string { return s.srv.URL }

// Token is the access token the server accepts.
func (s *GraphServer) Token() string { return s.token }

// Graph is the fake the server serves.
func (s *GraphServer) Graph() *Graph { return s.g }

// Close shuts the server down, waiting for outstanding requests.
func (s *GraphServer) Close() { s.srv.Close() }

// Client returns a meta.Client pointed at the server with its token.
func (s *GraphServer) Client(optFns ...func(*meta.ClientOptions)) *meta.Client {
	fns := append([]func(*meta.ClientOptions){func(o *meta.ClientOptions) {
		o.BaseURL = s.srv.URL
		o.HTTPClient = s.srv.Client()
	}}, optFns...)
	return meta.NewClient(s.token, fns...)
}

// SetFaults installs a fault plan for users requests (nil removes it). The
// request counter keeps running.
func (s *GraphServer) SetFaults(p FaultPlan) { s.faults.setPlan(p) }

// SetUsage makes every users response carry u as rate-limit headers (nil
// removes them).
func (s *GraphServer) SetUsage(u *meta.Usage) { s.faults.setUsage(u) }

// Stats returns what the server and its Graph saw.
func (s *GraphServer) Stats() Stats { return s.faults.stats() }

// Server is the former name of GraphServer, with its state as fields.
// Kept for existing callers; new code uses NewGraphServer(NewGraph(...)).
type Server struct {
	*GraphServer
	// URL is the base URL to give meta.ClientOptions.BaseURL.
	URL string
	// Model is the shared state.
	Model *Model
	// Token is the access token the server accepts.
	Token string
}

// NewServer starts a Server over m (a new Model if nil).
// Kept for existing callers; new code uses NewGraphServer(NewGraph(func(o *GraphOptions) { o.Model = m })).
func NewServer(m *Model) *Server {
	gs := NewGraphServer(NewGraph(func(o *GraphOptions) { o.Model = m }))
	return &Server{GraphServer: gs, URL: gs.URL(), Model: gs.g.Model, Token: gs.token}
}

const maxBody = 64 << 20

func (s *GraphServer) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "v") {
		writeError(w, graphErr(400, 2500, 0, "Unknown path components"), nil)
		return
	}
	parts = parts[1:]
	if r.URL.Query().Has("payload") || r.URL.Query().Has("data") {
		writeError(w, invalid("payload must be sent in the request body, not the query string"), nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // client went away
	}
	if len(body) > maxBody {
		writeError(w, graphErr(413, meta.CodeInvalidParameter, 0, "(#100) Request body too large"), nil)
		return
	}
	params, err := readParams(r, body)
	if err != nil {
		writeError(w, invalid("Request body is not valid JSON or form data"), nil)
		return
	}
	if !s.authorized(r, params) {
		writeError(w, graphErr(400, meta.CodeOAuth, 0, "Invalid OAuth access token - Cannot parse access token"), nil)
		return
	}
	method := r.Method
	if m, ok := params["method"].(string); ok && r.Method == http.MethodPost {
		method = strings.ToUpper(m)
	}
	switch {
	case len(parts) == 2 && strings.HasPrefix(parts[0], "act_") && parts[1] == "customaudiences" && method == http.MethodPost:
		s.create(w, strings.TrimPrefix(parts[0], "act_"), params)
	case len(parts) == 2 && strings.HasPrefix(parts[0], "act_") && parts[1] == "customaudiences" && method == http.MethodGet:
		s.list(w, r, strings.TrimPrefix(parts[0], "act_"))
	case len(parts) == 1 && method == http.MethodGet:
		st, ae := s.g.Model.Status(parts[0])
		if ae != nil {
			writeError(w, ae, nil)
			return
		}
		writeJSON(w, 200, map[string]any{"id": parts[0], "operation_status": st}, nil)
	case len(parts) == 2 && parts[1] == "users" && (method == http.MethodPost || method == http.MethodDelete):
		op := meta.Add
		if method == http.MethodDelete {
			op = meta.Remove
		}
		s.users(w, r, op, parts[0], params)
	case len(parts) == 2 && parts[1] == "usersreplace" && method == http.MethodPost:
		s.users(w, r, meta.Replace, parts[0], params)
	default:
		writeError(w, graphErr(400, meta.CodeInvalidParameter, 0, "(#100) Unsupported request - method type: "+strings.ToLower(method)), nil)
	}
}

func (s *GraphServer) authorized(r *http.Request, params map[string]any) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		tok, _ = params["access_token"].(string)
	}
	return tok != "" && tok == s.token
}

// list answers GET /act_{id}/customaudiences a page at a time (limit,
// default 25, and the after cursor), as Graph pages edges.
func (s *GraphServer) list(w http.ResponseWriter, r *http.Request, account string) {
	q := r.URL.Query()
	limit := 25
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 500)
	}
	all := s.g.Model.accountAudiences(account)
	start := 0
	if after := q.Get("after"); after != "" {
		start = len(all)
		for i, a := range all {
			if a.id == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(all))
	data := []map[string]any{}
	for _, a := range all[start:end] {
		data = append(data, map[string]any{"id": a.id, "name": a.name, "description": a.description})
	}
	out := map[string]any{"data": data}
	if end > start {
		paging := map[string]any{"cursors": map[string]any{"before": all[start].id, "after": all[end-1].id}}
		if end < len(all) {
			next := *r.URL
			nq := next.Query()
			nq.Set("after", all[end-1].id)
			next.RawQuery = nq.Encode()
			paging["next"] = s.srv.URL + next.RequestURI()
		}
		out["paging"] = paging
	}
	writeJSON(w, 200, out, nil)
}

func (s *GraphServer) create(w http.ResponseWriter, account string, params map[string]any) {
	name, _ := params["name"].(string)
	if name == "" {
		writeError(w, graphErr(400, meta.CodeMissingParameter, 0, "(#194) The parameter name is required"), nil)
		return
	}
	if st, _ := params["subtype"].(string); st != "CUSTOM" {
		writeError(w, invalid("Only subtype CUSTOM is supported by this fake"), nil)
		return
	}
	switch src, _ := params["customer_file_source"].(string); src {
	case meta.UserProvidedOnly, meta.PartnerProvidedOnly, meta.BothUserAndPartnerProvided:
	default:
		writeError(w, invalid("Invalid customer_file_source"), nil)
		return
	}
	vb := false
	switch v := params["is_value_based"].(type) {
	case bool:
		vb = v
	case string:
		vb = v == "1" || v == "true"
	}
	desc, _ := params["description"].(string)
	id := s.g.Model.createAudience(account, name, desc, vb)
	writeJSON(w, 200, map[string]any{"id": id}, nil)
}

func (s *GraphServer) users(w http.ResponseWriter, r *http.Request, op meta.Operation, audience string, params map[string]any) {
	ft := s.faults.next()
	switch ft.Kind {
	case Reset:
		hangUp(w)
		return
	case HTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(502)
		io.WriteString(w, "<!DOCTYPE html><html><head><title>Error</title></head><body>Sorry, something went wrong.</body></html>")
		return
	case Slow:
		t := time.NewTimer(ft.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	case FailAfterApply:
	default:
		if ae := faultError(ft); ae != nil {
			writeError(w, ae, ae.Usage)
			return
		}
	}
	rq, ae := decodeUsers(op, audience, params)
	if ae != nil {
		writeError(w, ae, nil)
		return
	}
	if r.Context().Err() != nil {
		return // the client gave up before we applied anything
	}
	resp, ae := s.g.Model.apply(rq)
	if ft.Kind == LostResponse || ft.Kind == FailAfterApply {
		if ae == nil {
			s.g.Model.dropped(rq)
		}
		if ft.Kind == FailAfterApply {
			writeError(w, faultError(ft), nil)
			return
		}
		hangUp(w)
		return
	}
	usage := s.faults.currentUsage()
	if ae != nil {
		writeError(w, ae, usage)
		return
	}
	out := map[string]any{
		"audience_id":           resp.AudienceID,
		"num_received":          resp.NumReceived,
		"num_invalid_entries":   resp.NumInvalidEntries,
		"invalid_entry_samples": samplesJSON(resp.InvalidEntrySamples),
	}
	if resp.SessionID != "" {
		out["session_id"] = resp.SessionID
	}
	writeJSON(w, 200, out, usage)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// readParams decodes a JSON object or form body into top-level parameters.
// JSON values stay raw (json.RawMessage) except strings and booleans.
func readParams(r *http.Request, body []byte) (map[string]any, error) {
	out := map[string]any{}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k := range v {
			out[k] = v.Get(k)
		}
		return out, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return out, nil
	}
	raw, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	for k, v := range raw {
		// Look at the first byte only: unmarshalling a multi-megabyte
		// payload just to learn it is not a string would scan it again.
		switch v = bytes.TrimSpace(v); {
		case len(v) > 0 && v[0] == '"':
			var str string
			if err := json.Unmarshal(v, &str); err != nil {
				return nil, err
			}
			out[k] = str
		case bytes.Equal(v, []byte("true")), bytes.Equal(v, []byte("false")):
			out[k] = v[0] == 't'
		default:
			out[k] = json.RawMessage(v)
		}
	}
	return out, nil
}

// rawParam returns a parameter's JSON: raw JSON as is, strings parsed as
// JSON text (form encoding and stringified JSON).
func rawParam(params map[string]any, name string) ([]byte, bool) {
	switch v := params[name].(type) {
	case json.RawMessage:
		return v, true
	case string:
		return []byte(v), true
	}
	return nil, false
}

var singleKeySchemas = map[string]string{
	"EMAIL_SHA256": "EMAIL", "PHONE_SHA256": "PHONE", "MOBILE_ADVERTISER_ID": "MADID", "EXTERN_ID": "EXTERN_ID",
}

func decodeUsers(op meta.Operation, audience string, params map[string]any) (*request, *meta.APIError) {
	rq := &request{op: op, audience: audience}
	pj, ok := rawParam(params, "payload")
	if !ok {
		return nil, graphErr(400, meta.CodeMissingParameter, 0, "(#194) The parameter payload is required")
	}
	fields, err := parseObject(pj)
	if err != nil {
		return nil, invalid("Param payload must be a JSON object")
	}
	var p struct{ Schema, Data []byte }
	p.Schema, p.Data = fields["schema"], fields["data"]
	if v, ok := fields["is_raw"]; ok && json.Unmarshal(v, &rq.isRaw) != nil {
		return nil, invalid("Param payload[is_raw] must be a boolean")
	}
	var one string
	single := false
	if json.Unmarshal(p.Schema, &one) == nil {
		k, ok := singleKeySchemas[one]
		if !ok {
			return nil, invalid("Invalid schema")
		}
		rq.schema, single = []string{k}, true
	} else if err := json.Unmarshal(p.Schema, &rq.schema); err != nil {
		return nil, invalid("Param payload[schema] must be a string or an array of strings")
	}
	cells, width, err := parseData(p.Data, single)
	if err != nil {
		return nil, invalid("Param payload[data] must be an array of rows of strings or numbers")
	}
	rq.cells, rq.width = cells, width
	if width == 0 && len(rq.schema) > 0 {
		rq.width = len(rq.schema) // empty data: reported as such by apply
	}
	if sj, ok := rawParam(params, "session"); ok {
		var sess struct {
			ID   json.Number `json:"session_id"`
			Seq  json.Number `json:"batch_seq"`
			Last bool        `json:"last_batch_flag"`
		}
		if err := json.Unmarshal(sj, &sess); err != nil {
			return nil, invalid("Param session must be a JSON object")
		}
		id, err1 := sess.ID.Int64()
		seq, err2 := sess.Seq.Int64()
		if err1 != nil || err2 != nil {
			return nil, invalid("session_id and batch_seq must be integers")
		}
		rq.hasSession, rq.sessionID, rq.seq, rq.last = true, id, int(seq), sess.Last
	}
	return rq, nil
}

var errData = errors.New("bad data")

// parseObject splits a JSON object into its members' raw values (sub-slices
// of b, not copies). It scans b once, which matters for multi-megabyte
// payloads; it checks structure, not the syntax of every scalar.
func parseObject(b []byte) (map[string][]byte, error) {
	p := &scanner{b: b}
	p.ws()
	if !p.eat('{') {
		return nil, errData
	}
	out := map[string][]byte{}
	p.ws()
	if p.eat('}') {
		p.ws()
		if p.i != len(p.b) {
			return nil, errData
		}
		return out, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, errData
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.ws()
		if !p.eat(':') {
			return nil, errData
		}
		p.ws()
		start := p.i
		if err := p.skip(); err != nil {
			return nil, err
		}
		out[k] = p.b[start:p.i]
		p.ws()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return nil, errData
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, errData
	}
	return out, nil
}

// skip moves past one JSON value.
func (p *scanner) skip() error {
	if p.i >= len(p.b) {
		return errData
	}
	switch c := p.b[p.i]; c {
	case '"':
		return p.skipString()
	case '{', '[':
		var stack []byte
		for p.i < len(p.b) {
			switch c := p.b[p.i]; c {
			case '"':
				if err := p.skipString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				stack = append(stack, c)
			case '}', ']':
				if len(stack) == 0 || (c == '}') != (stack[len(stack)-1] == '{') {
					return errData
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					p.i++
					return nil
				}
			}
			p.i++
		}
		return errData
	default:
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-.0123456789aeflnrstuE", p.b[p.i]) >= 0 {
			p.i++
		}
		if p.i == start {
			return errData
		}
		return nil
	}
}

func (p *scanner) skipString() error {
	p.i++ // opening quote
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return nil
		}
		p.i++
	}
	return errData
}

// parseData parses [[v,…],…] (or [v,…] when single) into row-major cells.
// Strings, numbers and null are accepted; width is -1 if rows differ in
// length.
func parseData(b []byte, single bool) ([]string, int, error) {
	p := &scanner{b: b}
	p.ws()
	if !p.eat('[') {
		return nil, 0, errData
	}
	var cells []string
	width := 0
	rows := 0
	p.ws()
	if p.eat(']') {
		return nil, 0, nil
	}
	for {
		p.ws()
		if single {
			v, err := p.value()
			if err != nil {
				return nil, 0, err
			}
			cells = append(cells, v)
			width = 1
		} else {
			if !p.eat('[') {
				return nil, 0, errData
			}
			n := 0
			p.ws()
			if !p.eat(']') {
				for {
					p.ws()
					v, err := p.value()
					if err != nil {
						return nil, 0, err
					}
					cells = append(cells, v)
					n++
					p.ws()
					if p.eat(']') {
						break
					}
					if !p.eat(',') {
						return nil, 0, errData
					}
				}
			}
			if rows == 0 {
				width = n
			} else if n != width {
				width = -1
			}
		}
		rows++
		p.ws()
		if p.eat(']') {
			break
		}
		if !p.eat(',') {
			return nil, 0, errData
		}
	}
	if width == -1 {
		return cells, -1, nil
	}
	return cells, width, nil
}

type scanner struct {
	b []byte
	i int
}

func (p *scanner) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\t' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *scanner) value() (string, error) {
	if p.i >= len(p.b) {
		return "", errData
	}
	switch c := p.b[p.i]; {
	case c == '"':
		start := p.i
		p.i++
		escaped := false
		for p.i < len(p.b) && p.b[p.i] != '"' {
			if p.b[p.i] == '\\' {
				escaped = true
				p.i++
			}
			p.i++
		}
		if p.i >= len(p.b) {
			return "", errData
		}
		p.i++
		if !escaped {
			return string(p.b[start+1 : p.i-1]), nil
		}
		var s string
		if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
			return "", err
		}
		return s, nil
	case c == 'n':
		if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
			p.i += 4
			return "", nil
		}
	case c == '-' || ('0' <= c && c <= '9'):
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-.eE0123456789", p.b[p.i]) >= 0 {
			p.i++
		}
		if _, err := strconv.ParseFloat(string(p.b[start:p.i]), 64); err != nil {
			return "", err
		}
		return string(p.b[start:p.i]), nil
	}
	return "", errData
}

func writeJSON(w http.ResponseWriter, status int, v any, usage *meta.Usage) {
	for k, vs := range usage.Header() {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *meta.APIError, usage *meta.Usage) {
	env := map[string]any{"error": map[string]any{
		"message": e.Message, "type": e.Type, "code": e.Code, "error_subcode": e.Subcode,
		"is_transient": e.Transient, "error_user_title": e.UserTitle, "error_user_msg": e.UserMessage,
		"fbtrace_id": e.TraceID,
	}}
	writeJSON(w, e.HTTPStatus, env, usage)
}
