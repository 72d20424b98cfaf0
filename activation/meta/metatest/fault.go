package metatest

import (
	"sync"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
)

// FaultKind says how a fake misbehaves on one users request.
type FaultKind int

// Fault kinds. Unless noted, the request is not applied.
const (
	// NoFault handles the request normally.
	NoFault FaultKind = iota
	// ServerError answers HTTP 500 with Graph code 1 ("unknown error").
	ServerError
	// Unavailable answers HTTP 503 with code 2, is_transient true.
	Unavailable
	// HTML answers HTTP 502 with an HTML page instead of JSON.
	HTML
	// Reset closes the connection without answering.
	Reset
	// LostResponse applies the request, then closes the connection without
	// answering: the client cannot know it succeeded.
	LostResponse
	// Throttle answers with code 80003 (custom audience rate limit), HTTP
	// Status (default 429), and an X-Business-Use-Case-Usage header at 100%
	// with RegainMinutes as estimated_time_to_regain_access.
	Throttle
	// GraphError answers with Status, Code, Subcode and Transient as given.
	GraphError
	// Slow waits Delay, then handles the request normally unless the
	// client gave up meanwhile (then nothing is applied).
	Slow
	// FailAfterApply applies the request, then answers HTTP 500 with code
	// 1 as if Graph failed after making the change: the client sees an
	// error for a batch that was applied.
	FailAfterApply
)

var kindNames = [...]string{"none", "server_error", "unavailable", "html", "reset", "lost_response", "throttle", "graph_error", "slow", "fail_after_apply"}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Fault is one scripted misbehaviour.
type Fault struct {
	Kind FaultKind
	// Status, Code, Subcode and Transient shape GraphError (and Status
	// overrides Throttle's 429).
	Status    int
	Code      int
	Subcode   int
	Transient bool
	// RegainMinutes is Throttle's estimated_time_to_regain_access.
	RegainMinutes float64
	// Delay is Slow's wait.
	Delay time.Duration
}

// FaultPlan picks the fault for the n-th users request a fake receives
// (0-based). It must be safe for concurrent use.
type FaultPlan func(n int) Fault

// Script returns a plan that gives the n-th request faults[n], and no fault
// after the list.
func Script(faults ...Fault) FaultPlan {
	return func(n int) Fault {
		if n < len(faults) {
			return faults[n]
		}
		return Fault{}
	}
}

// Random returns a deterministic plan: each request fails with probability
// rate, with a fault chosen from kinds, both derived from seed and n.
func Random(seed uint64, rate float64, kinds ...Fault) FaultPlan {
	return func(n int) Fault {
		if len(kinds) == 0 {
			return Fault{}
		}
		x := splitmix(seed ^ uint64(n)*0x9e3779b97f4a7c15)
		if float64(x>>11)/(1<<53) >= rate {
			return Fault{}
		}
		return kinds[splitmix(x)%uint64(len(kinds))]
	}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// faults holds a fake's plan, its request counter and its tallies.
type faults struct {
	mu     sync.Mutex
	plan   FaultPlan
	n      int
	counts map[FaultKind]int
	usage  *meta.Usage
}

func (f *faults) next() Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.n
	f.n++
	if f.plan == nil {
		return Fault{}
	}
	ft := f.plan(n)
	if ft.Kind != NoFault {
		if f.counts == nil {
			f.counts = map[FaultKind]int{}
		}
		f.counts[ft.Kind]++
	}
	return ft
}

// Stats counts what a fake saw.
type Stats struct {
	// Requests is the number of users requests received.
	Requests int
	// Faults counts the faults injected, by kind.
	Faults map[FaultKind]int
}

func (f *faults) stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := Stats{Requests: f.n, Faults: map[FaultKind]int{}}
	for k, v := range f.counts {
		st.Faults[k] = v
	}
	return st
}

func (f *faults) setPlan(p FaultPlan) {
	f.mu.Lock()
	f.plan = p
	f.mu.Unlock()
}

func (f *faults) setUsage(u *meta.Usage) {
	f.mu.Lock()
	f.usage = u
	f.mu.Unlock()
}

func (f *faults) currentUsage() *meta.Usage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage
}

// throttleUsage is the usage a Throttle fault reports.
func throttleUsage(ft Fault) *meta.Usage {
	return &meta.Usage{Business: []meta.BusinessUseCaseUsage{{
		ObjectID: "act_1", Type: "custom_audience", CallCount: 100, TotalCPUTime: 40, TotalTime: 40,
		RegainAccessMinutes: ft.RegainMinutes, AccessTier: "development_access",
	}}}
}

// faultError returns the Graph error a fault answers with, or nil for
// kinds that do not answer with an error envelope.
func faultError(ft Fault) *meta.APIError {
	switch ft.Kind {
	case ServerError, FailAfterApply:
		return &meta.APIError{HTTPStatus: 500, Code: meta.CodeUnknown, Type: "OAuthException",
			Message: "An unknown error occurred", TraceID: "AfakeTrace"}
	case Unavailable:
		return &meta.APIError{HTTPStatus: 503, Code: meta.CodeServiceUnavailable, Type: "OAuthException",
			Message: "Service temporarily unavailable", Transient: true, TraceID: "AfakeTrace"}
	case Throttle:
		st := ft.Status
		if st == 0 {
			st = 429
		}
		return &meta.APIError{HTTPStatus: st, Code: meta.CodeCustomAudienceLimit, Type: "OAuthException",
			Message: "(#80003) There have been too many calls to this ad-account. Wait a bit and try again.",
			TraceID: "AfakeTrace", Usage: throttleUsage(ft)}
	case GraphError:
		st := ft.Status
		if st == 0 {
			st = 400
		}
		return &meta.APIError{HTTPStatus: st, Code: ft.Code, Subcode: ft.Subcode, Type: "OAuthException",
			Message: "scripted error", Transient: ft.Transient, TraceID: "AfakeTrace"}
	}
	return nil
}
