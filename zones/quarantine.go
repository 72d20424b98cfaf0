package zones

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"sync"
)

// Rejection is one rejected row: where it was and why. It never holds the
// row's values.
type Rejection struct {
	// File is the input the row came from (typically its raw-zone key).
	File string `json:"file"`
	// Line is the 1-based line number in File.
	Line int64 `json:"line"`
	// EndLine, when set, is the last line the rejected record took: a CSV
	// record with an unterminated quote runs on to the end of the file, and
	// every line up to EndLine went with it.
	EndLine int64 `json:"end_line,omitempty"`
	// Column names the offending column when one can be named.
	Column string `json:"column,omitempty"`
	// Reason is a short machine-readable code ("field_count", "bad_quote",
	// "invalid_json", "invalid_utf8", "line_too_long", …) or a caller's
	// reason code.
	Reason string `json:"reason"`
}

// InputGroup is the 16-hex-digit SHA-256 prefix of an input identifier (a
// raw key, a job id). Files derived from one input carry it in their names,
// so a rerun over the same input can find and replace them.
func InputGroup(input string) string {
	sum := sha256.Sum256([]byte(input))
	return hex.EncodeToString(sum[:8])
}

// RejectWriter collects the rejections for one (dataset, input) pair and
// publishes them to the quarantine zone as JSON Lines at
//
//	<dataset>/rejects-<InputGroup(input)>-<content hash>.jsonl
//
// Rejections are spooled (bounded memory). It is safe for concurrent use.
type RejectWriter struct {
	s       *Store
	dataset string
	group   string
	mu      sync.Mutex
	out     *Output
	w       *bufio.Writer
	enc     *json.Encoder
	n       int64
	err     error
}

// NewRejectWriter starts collecting rejections for dataset (a key prefix in
// the quarantine zone, e.g. "customers") and input.
func (s *Store) NewRejectWriter(dataset, input string) (*RejectWriter, error) {
	if reason := keyProblem(dataset); reason != "" {
		return nil, invalid("put", string(Quarantine)+"/"+dataset, reason)
	}
	out := s.NewOutput()
	w := bufio.NewWriterSize(out, 64<<10)
	return &RejectWriter{s: s, dataset: dataset, group: InputGroup(input), out: out, w: w, enc: json.NewEncoder(w)}, nil
}

// Add records one rejection.
func (q *RejectWriter) Add(r Rejection) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	if err := q.enc.Encode(r); err != nil {
		q.err = err
		return err
	}
	q.n++
	return nil
}

// Len is the number of rejections added.
func (q *RejectWriter) Len() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Commit publishes the rejections (nothing when there are none) and then
// removes the rejection files an earlier run over the same input left, so a
// rerun replaces rather than accumulates. It returns the published object,
// or the zero Object when there were no rejections.
func (q *RejectWriter) Commit(ctx context.Context) (Object, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		q.out.Discard()
		return Object{}, q.err
	}
	var keep []Object
	var obj Object
	if q.n > 0 {
		if err := q.w.Flush(); err != nil {
			q.out.Discard()
			return Object{}, err
		}
		o, err := q.out.Publish(ctx, Quarantine, q.dataset, "rejects-"+q.group, ".jsonl")
		if err != nil {
			return Object{}, err
		}
		obj, keep = o, []Object{o}
	} else {
		q.out.Discard()
	}
	q.err = errors.New("zones: reject writer already committed")
	if _, err := q.s.RemoveStale(ctx, Quarantine, q.dataset+"/", "rejects-"+q.group+"-", keep); err != nil {
		return obj, err
	}
	return obj, nil
}

// Discard drops the collected rejections.
func (q *RejectWriter) Discard() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.out.Discard()
	if q.err == nil {
		q.err = errors.New("zones: reject writer discarded")
	}
}

// Rejections reads a quarantine file written by RejectWriter. Iteration
// stops at the first error, which is yielded.
func (s *Store) Rejections(ctx context.Context, key string) iter.Seq2[Rejection, error] {
	return func(yield func(Rejection, error) bool) {
		rc, err := s.Get(ctx, Quarantine, key)
		if err != nil {
			yield(Rejection{}, err)
			return
		}
		defer rc.Close()
		dec := json.NewDecoder(bufio.NewReader(CtxReader(ctx, rc)))
		for {
			var r Rejection
			err := dec.Decode(&r)
			if err == io.EOF {
				return
			}
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				} else {
					err = &Error{Op: "get", Key: string(Quarantine) + "/" + key, Kind: ErrInvalidInput, Err: errors.New("malformed quarantine file")}
				}
				yield(Rejection{}, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}
