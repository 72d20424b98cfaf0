package metatest

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/hashing"
)

// Model is the in-memory Custom Audience state that Server and Recorder
// share: audiences, their members, sessions and every batch applied. It
// enforces what Graph enforces for customer-file uploads (see the package
// documentation). A Model is safe for concurrent use.
type Model struct {
	// CountOnly, when set before use, keeps member counts but not members
	// (for benchmarks with millions of rows): Contains always reports false
	// and removals do not shrink the count.
	CountOnly bool

	mu        sync.Mutex
	seed1     maphash.Seed
	seed2     maphash.Seed
	nextID    int64
	audiences map[string]*audience
	batches   []*Batch
	byBatch   map[batchKey]*Batch
}

type memberKey [2]uint64

type audience struct {
	id          string
	account     string
	name        string
	description string
	status      meta.OperationStatus
	valueBased  bool
	members     map[memberKey]struct{}
	count       int64
	sessions    map[int64]*session
	replacing   *session
}

type session struct {
	id       int64
	op       meta.Operation
	started  time.Time
	closed   bool
	received int64
	seen1    bool
	pending  map[memberKey]struct{}
	pcount   int64
}

type batchKey struct {
	audience string
	session  int64
	seq      int
}

// Batch is one batch as the model saw it.
type Batch struct {
	Audience string
	Op       meta.Operation
	Session  int64
	Seq      int
	Rows     int
	Last     bool
	// Applied counts how many times the model applied the batch; Dropped
	// how many of those answers a fault threw away (the client never saw
	// them). Applied-Dropped is the number of acknowledgements the client
	// received, which is 1 for a correct uploader.
	Applied int
	Dropped int
}

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{
		seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(), nextID: 23840000000000000,
		audiences: map[string]*audience{}, byBatch: map[batchKey]*Batch{},
	}
}

// AddAudience creates an empty audience and returns its id.
func (m *Model) AddAudience() string {
	return m.createAudience("", "", "", false)
}

// Audiences returns the number of audiences in the model.
func (m *Model) Audiences() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.audiences)
}

func (m *Model) createAudience(account, name, description string, valueBased bool) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	id := strconv.FormatInt(m.nextID, 10)
	m.audiences[id] = &audience{id: id, account: account, name: name, description: description, valueBased: valueBased,
		status:   meta.OperationStatus{Code: meta.StatusCodeNormal, Description: "Normal"},
		members:  map[memberKey]struct{}{},
		sessions: map[int64]*session{}}
	return id
}

// SetStatus sets an audience's operation_status (e.g. code 471 to flag it;
// member edits are then rejected with 100/1713230).
func (m *Model) SetStatus(audienceID string, st meta.OperationStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.audiences[audienceID]; a != nil {
		a.status = st
	}
}

// Size returns the number of members of an audience.
func (m *Model) Size(audienceID string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.audiences[audienceID]; a != nil {
		if m.CountOnly {
			return a.count
		}
		return int64(len(a.members))
	}
	return 0
}

// Contains reports whether the row (cells for some of the keys, any order)
// is a member of the audience.
func (m *Model) Contains(audienceID string, row []hashing.Cell) bool {
	schema := make([]string, len(row))
	vals := make([]string, len(row))
	for i, c := range row {
		schema[i], vals[i] = string(c.Key()), c.Value()
	}
	k := m.rowKey(schema, order(schema), vals)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.audiences[audienceID]
	if a == nil {
		return false
	}
	_, ok := a.members[k]
	return ok
}

// Batches returns a copy of every batch the model applied, in the order
// first applied.
func (m *Model) Batches() []Batch {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Batch, len(m.batches))
	for i, b := range m.batches {
		out[i] = *b
	}
	return out
}

// Status returns an audience's operation_status, finishing an expired
// replace first.
func (m *Model) Status(audienceID string) (meta.OperationStatus, *meta.APIError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.audiences[audienceID]
	if a == nil {
		return meta.OperationStatus{}, notFound()
	}
	m.expire(a)
	if a.replacing != nil {
		return meta.OperationStatus{Code: 300, Description: "replace_in_progress"}, nil
	}
	return a.status, nil
}

// order returns the column indexes of schema sorted by key name, so that a
// member's identity does not depend on column order.
func order(schema []string) []int {
	idx := make([]int, len(schema))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if schema[a] < schema[b] {
			return -1
		}
		if schema[a] > schema[b] {
			return 1
		}
		return 0
	})
	return idx
}

// rowKey identifies a member by its non-empty cells (128-bit hash).
func (m *Model) rowKey(schema []string, ord []int, row []string) memberKey {
	var h1, h2 maphash.Hash
	h1.SetSeed(m.seed1)
	h2.SetSeed(m.seed2)
	for _, j := range ord {
		if row[j] == "" {
			continue
		}
		for _, h := range [...]*maphash.Hash{&h1, &h2} {
			h.WriteString(schema[j])
			h.WriteByte('=')
			h.WriteString(row[j])
			h.WriteByte(0)
		}
	}
	return memberKey{h1.Sum64(), h2.Sum64()}
}

// request is one decoded users request.
type request struct {
	op       meta.Operation
	audience string
	schema   []string
	isRaw    bool
	width    int
	cells    []string // row-major
	// session fields; hasSession false when no session was sent
	hasSession bool
	sessionID  int64
	seq        int
	last       bool
}

func graphErr(status, code, sub int, msg string) *meta.APIError {
	return &meta.APIError{HTTPStatus: status, Code: code, Subcode: sub, Type: "OAuthException",
		Message: msg, TraceID: "AfakeTrace"}
}

func notFound() *meta.APIError {
	return graphErr(400, meta.CodeInvalidParameter, meta.SubcodeNotFound,
		"Unsupported post request. Object does not exist, cannot be loaded due to missing permissions, or does not support this operation")
}

func invalid(msg string) *meta.APIError {
	return graphErr(400, meta.CodeInvalidParameter, 0, "(#100) "+msg)
}

func replaceErr(sub int, msg string) *meta.APIError {
	return graphErr(400, meta.CodeAudienceUpdate, sub, "(#2650) "+msg)
}

// lowerHex marks the bytes 0-9 and a-f.
var lowerHex = [256]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true,
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	ok := true
	for i := 0; i < 64; i++ {
		ok = ok && lowerHex[s[i]]
	}
	return ok
}

// validCell reports whether a non-empty value is acceptable for key k.
func validCell(k hashing.Key, v string) bool {
	switch {
	case k.Hashed():
		return isHex64(v)
	case k == hashing.LookalikeValue:
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && f >= 0
	}
	return true
}

// expire ends a replace session older than meta.ReplaceLimit: Meta replaces
// the audience with what arrived.
func (m *Model) expire(a *audience) {
	s := a.replacing
	if s == nil || time.Since(s.started) < meta.ReplaceLimit {
		return
	}
	m.finishReplace(a, s)
}

func (m *Model) finishReplace(a *audience, s *session) {
	s.closed = true
	a.replacing = nil
	if m.CountOnly {
		a.count = s.pcount
	} else {
		a.members = s.pending
	}
	s.pending = nil
}

// apply validates and applies one request, as Graph would.
func (m *Model) apply(rq *request) (*meta.UsersResponse, *meta.APIError) {
	// Validation that needs no state, outside the lock.
	if len(rq.schema) == 0 {
		return nil, invalid("Param payload[schema] must be non-empty")
	}
	keys := make([]hashing.Key, len(rq.schema))
	for i, s := range rq.schema {
		k := hashing.Key(s)
		if !k.Valid() || k == hashing.DOB {
			return nil, invalid(fmt.Sprintf("Invalid schema column %d", i))
		}
		if slices.Contains(keys[:i], k) {
			return nil, invalid(fmt.Sprintf("Duplicate schema column %d", i))
		}
		keys[i] = k
	}
	if len(rq.schema) > 1 && !rq.isRaw {
		return nil, invalid("Multi-key uploads must set is_raw to true")
	}
	if rq.width != len(rq.schema) {
		return nil, invalid("Each row of payload[data] must have as many values as payload[schema]")
	}
	rows := 0
	if rq.width > 0 {
		rows = len(rq.cells) / rq.width
	}
	if rows == 0 {
		return nil, invalid("Param payload[data] must be non-empty")
	}
	if rows > meta.MaxBatchSize {
		return nil, invalid(fmt.Sprintf("Too many rows: a request may carry at most %d", meta.MaxBatchSize))
	}
	if rq.op == meta.Replace && !rq.hasSession {
		return nil, graphErr(400, meta.CodeMissingParameter, 0, "(#194) The parameter session is required")
	}
	if rq.hasSession && (rq.sessionID <= 0 || rq.seq < 1) {
		return nil, invalid("session_id must be a positive integer and batch_seq at least 1")
	}
	ord := order(rq.schema)
	memberKeys := make([]memberKey, 0, rows)
	invalidRows := 0
	samples := map[string]string{}
	for i := 0; i < rows; i++ {
		row := rq.cells[i*rq.width : (i+1)*rq.width]
		ok, empty := true, true
		for j, v := range row {
			if v == "" {
				continue
			}
			empty = false
			if !validCell(keys[j], v) {
				ok = false
				break
			}
		}
		if !ok || empty {
			invalidRows++
			if len(samples) < 100 {
				// Meta echoes the value; the fake names the row instead.
				samples["row "+strconv.Itoa(i)] = "invalid entry"
			}
			continue
		}
		if !m.CountOnly {
			memberKeys = append(memberKeys, m.rowKey(rq.schema, ord, row))
		} else {
			memberKeys = append(memberKeys, memberKey{})
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.audiences[rq.audience]
	if a == nil {
		return nil, notFound()
	}
	if a.status.Code == meta.StatusCodeRestricted {
		return nil, graphErr(400, meta.CodeInvalidParameter, meta.SubcodeUploadBlocked, "(#100) Audience Upload Blocked")
	}
	if hasValue := slices.Contains(keys, hashing.LookalikeValue); hasValue != a.valueBased {
		if a.valueBased {
			return nil, invalid("A value-based audience needs a LOOKALIKE_VALUE column")
		}
		return nil, invalid("LOOKALIKE_VALUE is only accepted by value-based audiences")
	}
	m.expire(a)
	var s *session
	if rq.hasSession {
		s = a.sessions[rq.sessionID]
	}
	if a.replacing != nil && (s == nil || s != a.replacing) {
		return nil, replaceErr(meta.SubcodeUpdateInProgress, "Audience update in progress")
	}
	switch {
	case rq.op == meta.Replace:
		if s != nil && s.op != meta.Replace {
			return nil, invalid("session_id already used for another operation")
		}
		if s != nil && s.closed {
			if time.Since(s.started) >= meta.ReplaceLimit {
				return nil, replaceErr(meta.SubcodeReplaceTimedOut, "Replace session timed out")
			}
			return nil, replaceErr(meta.SubcodeReplaceFinished, "Replace session already finished")
		}
		if rq.seq == 1 {
			if s == nil {
				s = &session{id: rq.sessionID, op: meta.Replace}
				a.sessions[s.id] = s
			}
			// Batch 1 starts (or restarts) the replace.
			s.started, s.seen1, s.pcount, s.received = time.Now(), true, 0, 0
			s.pending = map[memberKey]struct{}{}
			a.replacing = s
		} else if s == nil || !s.seen1 {
			return nil, replaceErr(meta.SubcodeReplaceNoFirstBatch, "Invalid upload batch for replace: first batch_seq not detected")
		}
	case rq.hasSession:
		if s == nil {
			s = &session{id: rq.sessionID, op: rq.op, started: time.Now()}
			a.sessions[s.id] = s
		}
		if s.op != rq.op {
			return nil, invalid("session_id already used for another operation")
		}
		if s.closed {
			return nil, replaceErr(meta.SubcodeReplaceFinished, "Session already finished")
		}
	}

	switch rq.op {
	case meta.Add:
		for _, k := range memberKeys {
			if m.CountOnly {
				a.count++
				continue
			}
			a.members[k] = struct{}{}
		}
	case meta.Remove:
		for _, k := range memberKeys {
			delete(a.members, k)
		}
	case meta.Replace:
		for _, k := range memberKeys {
			if m.CountOnly {
				s.pcount++
				continue
			}
			s.pending[k] = struct{}{}
		}
	}
	resp := &meta.UsersResponse{AudienceID: a.id, NumReceived: int64(rows),
		NumInvalidEntries: int64(invalidRows), InvalidEntrySamples: len(samples)}
	if s != nil {
		s.received += int64(rows)
		resp.SessionID = strconv.FormatInt(s.id, 10)
		resp.NumReceived = s.received
		bk := batchKey{a.id, s.id, rq.seq}
		b := m.byBatch[bk]
		if b == nil {
			b = &Batch{Audience: a.id, Op: rq.op, Session: s.id, Seq: rq.seq, Rows: rows, Last: rq.last}
			m.byBatch[bk] = b
			m.batches = append(m.batches, b)
		}
		b.Applied++
		if rq.last {
			s.closed = true
			if rq.op == meta.Replace {
				m.finishReplace(a, s)
			}
		}
	} else {
		m.batches = append(m.batches, &Batch{Audience: a.id, Op: rq.op, Rows: rows, Applied: 1})
	}
	return resp, nil
}

// dropped records that the answer to the batch was thrown away.
func (m *Model) dropped(rq *request) {
	if !rq.hasSession {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b := m.byBatch[batchKey{rq.audience, rq.sessionID, rq.seq}]; b != nil {
		b.Dropped++
	}
}

// samplesJSON returns invalid_entry_samples for a response.
func samplesJSON(n int) map[string]string {
	out := make(map[string]string, n)
	for i := 0; i < n; i++ {
		out["row "+strconv.Itoa(i)] = "invalid entry"
	}
	return out
}

// accountAudiences lists an ad account's audiences in id order.
func (m *Model) accountAudiences(account string) []*audience {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*audience
	for _, a := range m.audiences {
		if a.account == account {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *audience) int { return strings.Compare(a.id, b.id) })
	return out
}
