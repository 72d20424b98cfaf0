package detect

import (
	"context"

	"github.com/cdpkit/cdpkit/zones"
)

// Policy says what Gate does with a file that holds a forbidden class.
type Policy uint8

const (
	// Stop refuses the file: Gate returns a *ForbiddenError and writes
	// nothing.
	Stop Policy = iota
	// Quarantine records the refusal in the quarantine zone (one
	// rejection per forbidden column, with the class as reason and no
	// value) and returns a *ForbiddenError naming that record.
	Quarantine
)

// ReasonPrefix starts the reason of a quarantine record Gate writes; the
// class follows ("forbidden_pii:payment_card").
const ReasonPrefix = "forbidden_pii:"

// Check returns a *ForbiddenError (matching ErrForbidden) when the report
// has a forbidden column, else nil.
func (r *Report) Check() error {
	if f := r.Forbidden(); len(f) > 0 {
		return &ForbiddenError{Columns: f}
	}
	return nil
}

// Gate is the check to run before anything from a file is written to the
// clean zone: it returns nil when the report has no forbidden column, and
// otherwise a *ForbiddenError, after (with Quarantine) publishing the
// reasons to the quarantine zone under dataset for input (the file's
// raw-zone key). A rerun over the same input replaces that record. The
// caller must not write the file's rows to the clean zone when Gate
// returns an error.
func Gate(ctx context.Context, s *zones.Store, dataset, input string, r *Report, p Policy) error {
	forbidden := r.Forbidden()
	if len(forbidden) == 0 {
		return nil
	}
	fe := &ForbiddenError{Input: input, Columns: forbidden}
	if p != Quarantine {
		return fe
	}
	q, err := s.NewRejectWriter(dataset, input)
	if err != nil {
		return err
	}
	for _, f := range forbidden {
		if err := q.Add(zones.Rejection{File: input, Line: 1, Column: f.Column, Reason: ReasonPrefix + string(f.Class)}); err != nil {
			q.Discard()
			return err
		}
	}
	obj, err := q.Commit(ctx)
	if err != nil {
		return err
	}
	fe.Quarantined = obj.Key
	return fe
}
