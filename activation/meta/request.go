package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/hashing"
)

// Operation is what a users request does to an audience.
type Operation string

// The three member operations.
const (
	// Add is POST /{audience}/users.
	Add Operation = "add"
	// Remove is DELETE /{audience}/users.
	Remove Operation = "remove"
	// Replace is POST /{audience}/usersreplace.
	Replace Operation = "replace"
)

// Valid reports whether op is Add, Remove or Replace.
func (op Operation) Valid() bool { return op == Add || op == Remove || op == Replace }

// MaxBatchSize is Meta's cap on rows per request.
const MaxBatchSize = 10000

// Schema is the ordered column list of a multi-key customer-file upload, e.g.
// {hashing.Email, hashing.Phone, hashing.Country}. Keep it stable per
// audience: Meta rejects a later upload whose data source differs.
type Schema []hashing.Key

// Validate checks that s is non-empty, has no duplicates, and holds only
// Custom Audience keys (not hashing.DOB).
func (s Schema) Validate() error {
	if len(s) == 0 {
		return errors.New("empty schema")
	}
	for i, k := range s {
		if !k.Valid() || k == hashing.DOB {
			return fmt.Errorf("schema column %d: %q is not a custom audience key", i, string(k))
		}
		for _, o := range s[:i] {
			if o == k {
				return fmt.Errorf("schema column %d: duplicate key %s", i, k)
			}
		}
	}
	return nil
}

// Session is the session object sent with every users request.
type Session struct {
	// ID is session_id: a positive int64, unique within the ad account.
	ID int64
	// BatchSeq is batch_seq, 1-based. For replace, batch 1 starts the
	// replace.
	BatchSeq int
	// Last is last_batch_flag; no batch is accepted for the session after it.
	Last bool
	// EstimatedTotal is estimated_num_total (0 = not sent).
	EstimatedTotal int64
}

// UsersRequest is one add, remove or replace request. Its cells can only
// be made by package hashing, so no unhashed PII reaches a payload.
type UsersRequest struct {
	// Schema is the column list; is_raw is always sent as true.
	Schema Schema
	// Cells holds the rows, row-major: row i is
	// Cells[i*len(Schema):(i+1)*len(Schema)], each cell's key equal to its
	// column's key.
	Cells []hashing.Cell
	// Session is the session object.
	Session Session
}

// Rows returns the number of rows in r.
func (r *UsersRequest) Rows() int {
	if len(r.Schema) == 0 {
		return 0
	}
	return len(r.Cells) / len(r.Schema)
}

// Row returns row i of r (a sub-slice of Cells).
func (r *UsersRequest) Row(i int) []hashing.Cell {
	w := len(r.Schema)
	return r.Cells[i*w : (i+1)*w : (i+1)*w]
}

// Validate checks what the client can check before sending: a valid schema,
// a whole number of rows that fit the 10,000 cap, cells in schema order, no
// keyed (HMAC) digests, and a session with a positive id and batch_seq.
func (r *UsersRequest) Validate() error {
	if err := r.Schema.Validate(); err != nil {
		return err
	}
	w := len(r.Schema)
	if len(r.Cells)%w != 0 {
		return fmt.Errorf("%d cells is not a whole number of %d-column rows", len(r.Cells), w)
	}
	n := len(r.Cells) / w
	if n == 0 {
		return errors.New("no rows")
	}
	if n > MaxBatchSize {
		return fmt.Errorf("%d rows exceeds the %d-row cap", n, MaxBatchSize)
	}
	for i, c := range r.Cells {
		if c.Key() != r.Schema[i%w] {
			return fmt.Errorf("row %d column %d: cell key %s does not match schema key %s", i/w, i%w, c.Key(), r.Schema[i%w])
		}
		if c.Keyed() {
			return fmt.Errorf("row %d column %d: cell holds a keyed (hmac) digest, which Meta cannot match", i/w, i%w)
		}
	}
	if r.Session.ID <= 0 {
		return errors.New("session id must be positive")
	}
	if r.Session.BatchSeq < 1 {
		return errors.New("batch_seq must be at least 1")
	}
	return nil
}

// AppendJSON appends the JSON request body
// {"payload":{"schema":[…],"is_raw":true,"data":[[…],…]},"session":{…}} to b.
func (r *UsersRequest) AppendJSON(b []byte) ([]byte, error) {
	w := len(r.Schema)
	b = append(b, `{"payload":{"schema":[`...)
	for i, k := range r.Schema {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, string(k))
	}
	b = append(b, `],"is_raw":true,"data":[`...)
	for i, c := range r.Cells {
		col := i % w
		if col == 0 {
			if i > 0 {
				b = append(b, "],"...)
			}
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		v := c.Value()
		switch {
		case v == "":
			b = append(b, `""`...)
		case c.Key() == hashing.LookalikeValue:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return b, fmt.Errorf("row %d: %s is not a number >= 0", i/w, hashing.LookalikeValue)
			}
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
		case c.Key().Hashed():
			// 64 lowercase hex digits: nothing to escape.
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		default:
			b = appendJSONString(b, v)
		}
	}
	if len(r.Cells) > 0 {
		b = append(b, ']')
	}
	b = append(b, `]},"session":{"session_id":`...)
	b = strconv.AppendInt(b, r.Session.ID, 10)
	b = append(b, `,"batch_seq":`...)
	b = strconv.AppendInt(b, int64(r.Session.BatchSeq), 10)
	b = append(b, `,"last_batch_flag":`...)
	b = strconv.AppendBool(b, r.Session.Last)
	if r.Session.EstimatedTotal > 0 {
		b = append(b, `,"estimated_num_total":`...)
		b = strconv.AppendInt(b, r.Session.EstimatedTotal, 10)
	}
	b = append(b, "}}"...)
	return b, nil
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// UsersResponse is Graph's answer to a users or usersreplace request. It
// deliberately keeps only the number of invalid_entry_samples: the samples
// can echo customer data.
type UsersResponse struct {
	// AudienceID is audience_id (account_id for replace), as a string.
	AudienceID string
	// SessionID is session_id, as a string.
	SessionID string
	// NumReceived is num_received: rows received in the session so far.
	NumReceived int64
	// NumInvalidEntries is num_invalid_entries.
	NumInvalidEntries int64
	// InvalidEntrySamples is how many invalid_entry_samples Meta returned.
	InvalidEntrySamples int
	// Usage holds the rate-limit headers of the response, if any.
	Usage *Usage
}

// flexString decodes a JSON string or number into a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// flexInt decodes a JSON number or numeric string into an int64.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	n, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// sampleCount decodes invalid_entry_samples (an object or an array) into the
// number of samples, discarding the samples themselves.
type sampleCount int

func (c *sampleCount) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case map[string]any:
		*c = sampleCount(len(x))
	case []any:
		*c = sampleCount(len(x))
	}
	return nil
}

type usersResponseJSON struct {
	AudienceID          flexString  `json:"audience_id"`
	AccountID           flexString  `json:"account_id"`
	SessionID           flexString  `json:"session_id"`
	NumReceived         flexInt     `json:"num_received"`
	NumInvalidEntries   flexInt     `json:"num_invalid_entries"`
	InvalidEntrySamples sampleCount `json:"invalid_entry_samples"`
}

// UnmarshalJSON decodes Graph's response tolerantly: ids as strings or
// numbers, samples as an object or an array, unknown fields ignored.
func (r *UsersResponse) UnmarshalJSON(b []byte) error {
	var j usersResponseJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	id := j.AudienceID
	if id == "" {
		id = j.AccountID
	}
	*r = UsersResponse{
		AudienceID:          string(id),
		SessionID:           string(j.SessionID),
		NumReceived:         int64(j.NumReceived),
		NumInvalidEntries:   int64(j.NumInvalidEntries),
		InvalidEntrySamples: int(j.InvalidEntrySamples),
		Usage:               r.Usage,
	}
	return nil
}

// errorEnvelope is Graph's {"error":{…}}.
type errorEnvelope struct {
	Error *struct {
		Message      string  `json:"message"`
		Type         string  `json:"type"`
		Code         flexInt `json:"code"`
		ErrorSubcode flexInt `json:"error_subcode"`
		IsTransient  bool    `json:"is_transient"`
		UserTitle    string  `json:"error_user_title"`
		UserMsg      string  `json:"error_user_msg"`
		TraceID      string  `json:"fbtrace_id"`
	} `json:"error"`
}

// decodeAPIError builds an *APIError from an HTTP status, body and headers.
// A body that is not a Graph envelope (HTML, empty, truncated) gives an
// APIError with Code 0, classified by the status alone.
func decodeAPIError(status int, body []byte, usage *Usage) *APIError {
	e := &APIError{HTTPStatus: status, Usage: usage}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		g := env.Error
		e.Code, e.Subcode = int(g.Code), int(g.ErrorSubcode)
		e.Type, e.Message, e.Transient = g.Type, redact(g.Message), g.IsTransient
		e.UserTitle, e.UserMessage, e.TraceID = redact(g.UserTitle), redact(g.UserMsg), g.TraceID
		return e
	}
	if status < 500 && status != 429 {
		// A 2xx/4xx without an envelope: still a failure; keep the status.
		e.Message = "response is not a graph error envelope"
	} else {
		e.Message = "non-json error body"
	}
	return e
}
