package metatest

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
)

// Graph is the in-memory fake of Meta's Custom Audience Graph API: a
// meta.AudienceAPI over a Model with the same validation, session rules and
// faults as GraphServer, without HTTP. Use it for
// fast tests and under testing/synctest (its Slow faults and everything the
// Uploader waits on run on the bubble's clock). Errors have the shapes
// meta.Client returns: *meta.Error wrapping *meta.APIError, or a transport
// error for Reset and LostResponse.
//
// A Graph is safe for concurrent use.
type Graph struct {
	// Model is the shared state.
	Model *Model

	faults faults
	mu     sync.Mutex
	log    []Request
}

// GraphOptions configures a Graph.
type GraphOptions struct {
	// Model is the state to serve; nil means a new Model. Fakes over one
	// Model see each other's audiences.
	Model *Model
}

// NewGraph returns an in-memory Graph fake.
func NewGraph(optFns ...func(*GraphOptions)) *Graph {
	var o GraphOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Model == nil {
		o.Model = NewModel()
	}
	return &Graph{Model: o.Model}
}

// Recorder is the former name of Graph.
// Kept for existing callers; new code uses Graph.
type Recorder = Graph

// Request is one users request a Graph received.
type Request struct {
	At       time.Time
	Op       meta.Operation
	Audience string
	Session  int64
	Seq      int
	Rows     int
	Last     bool
	// Fault is the fault injected, if any.
	Fault FaultKind
}

// NewRecorder returns a Graph over m (a new Model if nil).
// Kept for existing callers; new code uses NewGraph(func(o *GraphOptions) { o.Model = m }).
func NewRecorder(m *Model) *Graph {
	return NewGraph(func(o *GraphOptions) { o.Model = m })
}

// SetFaults installs a fault plan (nil removes it).
func (r *Graph) SetFaults(p FaultPlan) { r.faults.setPlan(p) }

// SetUsage makes every response carry u as its rate-limit usage.
func (r *Graph) SetUsage(u *meta.Usage) { r.faults.setUsage(u) }

// Stats returns what the fake saw.
func (r *Graph) Stats() Stats { return r.faults.stats() }

// Requests returns a copy of the users requests received, in order.
func (r *Graph) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, len(r.log))
	copy(out, r.log)
	return out
}

// OperationStatus implements meta.AudienceAPI.
func (r *Graph) OperationStatus(ctx context.Context, audienceID string) (meta.OperationStatus, error) {
	if err := ctx.Err(); err != nil {
		return meta.OperationStatus{}, &meta.Error{Op: "status", Audience: audienceID, Err: err}
	}
	st, ae := r.Model.Status(audienceID)
	if ae != nil {
		return st, &meta.Error{Op: "status", Audience: audienceID, Kind: ae.Kind(), Err: ae}
	}
	return st, nil
}

// UpdateUsers implements meta.AudienceAPI.
func (r *Graph) UpdateUsers(ctx context.Context, op meta.Operation, audienceID string, req *meta.UsersRequest) (*meta.UsersResponse, error) {
	fail := func(kind, err error) error {
		return &meta.Error{Op: string(op), Audience: audienceID, Batch: req.Session.BatchSeq, Kind: kind, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(nil, err)
	}
	if !op.Valid() {
		return nil, fail(meta.ErrInvalidInput, errors.New("unknown operation"))
	}
	if err := req.Validate(); err != nil {
		return nil, fail(meta.ErrInvalidInput, err)
	}
	// One lock around numbering and logging keeps Requests in fault order.
	r.mu.Lock()
	ft := r.faults.next()
	r.log = append(r.log, Request{At: time.Now(), Op: op, Audience: audienceID, Session: req.Session.ID,
		Seq: req.Session.BatchSeq, Rows: req.Rows(), Last: req.Session.Last, Fault: ft.Kind})
	r.mu.Unlock()
	switch ft.Kind {
	case Reset:
		return nil, fail(meta.ErrTransient, io.ErrUnexpectedEOF)
	case HTML:
		ae := &meta.APIError{HTTPStatus: 502, Message: "non-json error body"}
		return nil, fail(ae.Kind(), ae)
	case Slow:
		t := time.NewTimer(ft.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fail(nil, ctx.Err())
		}
	case FailAfterApply:
	default:
		if ae := faultError(ft); ae != nil {
			return nil, fail(ae.Kind(), ae)
		}
	}
	rq := &request{op: op, audience: audienceID, isRaw: true, width: len(req.Schema),
		hasSession: true, sessionID: req.Session.ID, seq: req.Session.BatchSeq, last: req.Session.Last}
	rq.schema = make([]string, len(req.Schema))
	for i, k := range req.Schema {
		rq.schema[i] = string(k)
	}
	rq.cells = make([]string, len(req.Cells))
	for i, c := range req.Cells {
		rq.cells[i] = c.Value()
	}
	resp, ae := r.Model.apply(rq)
	if ft.Kind == LostResponse || ft.Kind == FailAfterApply {
		if ae == nil {
			r.Model.dropped(rq)
		}
		if ft.Kind == FailAfterApply {
			fe := faultError(ft)
			return nil, fail(fe.Kind(), fe)
		}
		return nil, fail(meta.ErrTransient, io.ErrUnexpectedEOF)
	}
	if ae != nil {
		ae.Usage = r.faults.currentUsage()
		return nil, fail(ae.Kind(), ae)
	}
	resp.Usage = r.faults.currentUsage()
	return resp, nil
}
