package metatest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/hashing"
)

// Target is what the conformance suite runs against.
type Target struct {
	// API is the implementation under test.
	API meta.AudienceAPI
	// NewAudience returns the id of a new, empty customer-file audience.
	NewAudience func(ctx context.Context) (string, error)
	// Restrict flags an audience (operation_status 471). Nil skips the
	// check (a real account cannot flag on demand).
	Restrict func(audienceID string)
	// Size returns an audience's member count. Nil skips the size checks
	// (Meta applies changes asynchronously).
	Size func(audienceID string) int64
}

// ForModel returns a Target for api over model (a Graph, or a meta.Client
// talking to a GraphServer on the same model).
func ForModel(api meta.AudienceAPI, model *Model) Target {
	return Target{
		API:         api,
		NewAudience: func(context.Context) (string, error) { return model.AddAudience(), nil },
		Restrict: func(id string) {
			model.SetStatus(id, meta.OperationStatus{Code: meta.StatusCodeRestricted, Description: "Audience flagged"})
		},
		Size: model.Size,
	}
}

type check struct {
	name string
	fn   func(ctx context.Context, tg Target) error
}

var checks = []check{
	{"AddCountsCumulatively", checkAdd},
	{"RejectsOverCap", checkOverCap},
	{"RejectsMisplacedCells", checkMisplaced},
	{"ReplaceNeedsFirstBatch", checkReplaceFirst},
	{"NoBatchAfterLast", checkAfterLast},
	{"ReplaceReplaces", checkReplace},
	{"UsersBlockedDuringReplace", checkBusy},
	{"Remove", checkRemove},
	{"RestrictedAudience", checkRestricted},
	{"UnknownAudience", checkUnknown},
	{"CanceledContext", checkCanceled},
}

// RunGraph runs the conformance suite as subtests; newTarget is called once
// per subtest.
func RunGraph(t *testing.T, newTarget func(t *testing.T) Target) {
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.fn(t.Context(), newTarget(t)); err != nil {
				t.Error(err)
			}
		})
	}
}

// RunAudienceAPI is the former name of RunGraph.
// Kept for existing callers; new code uses RunGraph.
func RunAudienceAPI(t *testing.T, newTarget func(t *testing.T) Target) { RunGraph(t, newTarget) }

// TestAudienceAPI is the former name of TestGraph.
// Kept for existing callers; new code uses TestGraph.
func TestAudienceAPI(ctx context.Context, tg Target) error { return TestGraph(ctx, tg) }

// TestGraph runs the conformance suite outside go test and returns every
// failure joined.
func TestGraph(ctx context.Context, tg Target) error {
	var errs []error
	for _, c := range checks {
		if err := c.fn(ctx, tg); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

var suiteSchema = meta.Schema{hashing.Email, hashing.Phone, hashing.Country}

// Rows returns n rows for suiteSchema, distinct per seed. Digests are
// SHA-256 of synthetic strings, never of real data.
func suiteRows(seed string, n int) []hashing.Cell {
	cells := make([]hashing.Cell, 0, n*len(suiteSchema))
	for i := range n {
		for j, k := range suiteSchema {
			if j == 1 && i%3 == 0 {
				cells = append(cells, hashing.Missing(k))
				continue
			}
			sum := sha256.Sum256([]byte(seed + "/" + strconv.Itoa(i) + "/" + string(k)))
			c, err := hashing.CellFromDigest(k, hex.EncodeToString(sum[:]))
			if err != nil {
				panic(err) // unreachable: a SHA-256 hex digest is always valid
			}
			cells = append(cells, c)
		}
	}
	return cells
}

func newSession() int64 { return rand.Int64N(1<<62) + 1 }

func req(cells []hashing.Cell, session int64, seq int, last bool) *meta.UsersRequest {
	return &meta.UsersRequest{Schema: suiteSchema, Cells: cells, Session: meta.Session{ID: session, BatchSeq: seq, Last: last}}
}

func wantAPIError(err error, kind error, code, sub int) error {
	if err == nil {
		return fmt.Errorf("got no error, want %v (%d/%d)", kind, code, sub)
	}
	if !errors.Is(err, kind) {
		return fmt.Errorf("error %v does not match %v", err, kind)
	}
	var ae *meta.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("error %v holds no *meta.APIError", err)
	}
	if ae.Code != code || (sub != 0 && ae.Subcode != sub) {
		return fmt.Errorf("got code %d/%d, want %d/%d", ae.Code, ae.Subcode, code, sub)
	}
	return nil
}

func wantSize(tg Target, id string, n int64) error {
	if tg.Size == nil {
		return nil
	}
	if got := tg.Size(id); got != n {
		return fmt.Errorf("audience has %d members, want %d", got, n)
	}
	return nil
}

func checkAdd(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	s := newSession()
	r1, err := tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("a", 30), s, 1, false))
	if err != nil {
		return err
	}
	r2, err := tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("b", 20), s, 2, true))
	if err != nil {
		return err
	}
	if r1.NumReceived != 30 || r2.NumReceived != 50 {
		return fmt.Errorf("num_received %d then %d, want 30 then 50", r1.NumReceived, r2.NumReceived)
	}
	if r2.SessionID != strconv.FormatInt(s, 10) {
		return errors.New("session_id not echoed")
	}
	if r2.NumInvalidEntries != 0 {
		return fmt.Errorf("%d invalid entries, want 0", r2.NumInvalidEntries)
	}
	return wantSize(tg, id, 50)
}

func checkOverCap(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("c", meta.MaxBatchSize+1), newSession(), 1, true))
	if !errors.Is(err, meta.ErrInvalidInput) {
		return fmt.Errorf("10001 rows: got %v, want ErrInvalidInput", err)
	}
	return wantSize(tg, id, 0)
}

func checkMisplaced(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	cells := suiteRows("d", 2)
	cells[0], cells[2] = cells[2], cells[0] // EMAIL and COUNTRY swapped
	_, err = tg.API.UpdateUsers(ctx, meta.Add, id, req(cells, newSession(), 1, true))
	if !errors.Is(err, meta.ErrInvalidInput) {
		return fmt.Errorf("misplaced cells: got %v, want ErrInvalidInput", err)
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("d", 2)[:5], newSession(), 1, true))
	if !errors.Is(err, meta.ErrInvalidInput) {
		return fmt.Errorf("partial row: got %v, want ErrInvalidInput", err)
	}
	return wantSize(tg, id, 0)
}

func checkReplaceFirst(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("e", 5), newSession(), 2, false))
	return wantAPIError(err, meta.ErrReplace, meta.CodeAudienceUpdate, meta.SubcodeReplaceNoFirstBatch)
}

func checkAfterLast(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	s := newSession()
	if _, err := tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("f", 5), s, 1, true)); err != nil {
		return err
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("g", 5), s, 2, true))
	return wantAPIError(err, meta.ErrReplace, meta.CodeAudienceUpdate, meta.SubcodeReplaceFinished)
}

func checkReplace(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	if _, err := tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("old", 40), newSession(), 1, true)); err != nil {
		return err
	}
	s := newSession()
	if _, err := tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("new1", 10), s, 1, false)); err != nil {
		return err
	}
	st, err := tg.API.OperationStatus(ctx, id)
	if err != nil {
		return err
	}
	if !st.Busy() {
		return fmt.Errorf("operation_status during replace is %d, want busy", st.Code)
	}
	if err := wantSize(tg, id, 40); err != nil {
		return fmt.Errorf("during replace: %w", err)
	}
	r, err := tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("new2", 15), s, 2, true))
	if err != nil {
		return err
	}
	if r.NumReceived != 25 {
		return fmt.Errorf("num_received %d, want 25", r.NumReceived)
	}
	st, err = tg.API.OperationStatus(ctx, id)
	if err != nil {
		return err
	}
	if st.Busy() || st.Code != meta.StatusCodeNormal {
		return fmt.Errorf("operation_status after replace is %d, want %d", st.Code, meta.StatusCodeNormal)
	}
	return wantSize(tg, id, 25)
}

func checkBusy(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	s := newSession()
	if _, err := tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("h", 5), s, 1, false)); err != nil {
		return err
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("i", 5), newSession(), 1, true))
	if err := wantAPIError(err, meta.ErrAudienceBusy, meta.CodeAudienceUpdate, meta.SubcodeUpdateInProgress); err != nil {
		return err
	}
	if !errors.Is(err, meta.ErrTransient) {
		return errors.New("update in progress should be retryable")
	}
	_, err = tg.API.UpdateUsers(ctx, meta.Replace, id, req(suiteRows("h2", 5), s, 2, true))
	return err
}

func checkRemove(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	if _, err := tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("j", 30), newSession(), 1, true)); err != nil {
		return err
	}
	if _, err := tg.API.UpdateUsers(ctx, meta.Remove, id, req(suiteRows("j", 30)[:10*len(suiteSchema)], newSession(), 1, true)); err != nil {
		return err
	}
	return wantSize(tg, id, 20)
}

func checkRestricted(ctx context.Context, tg Target) error {
	if tg.Restrict == nil {
		return nil
	}
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	tg.Restrict(id)
	_, err = tg.API.UpdateUsers(ctx, meta.Add, id, req(suiteRows("k", 3), newSession(), 1, true))
	if err := wantAPIError(err, meta.ErrAudienceRestricted, meta.CodeInvalidParameter, meta.SubcodeUploadBlocked); err != nil {
		return err
	}
	st, err := tg.API.OperationStatus(ctx, id)
	if err != nil {
		return err
	}
	if !st.Restricted() {
		return fmt.Errorf("operation_status %d, want %d", st.Code, meta.StatusCodeRestricted)
	}
	return nil
}

func checkUnknown(ctx context.Context, tg Target) error {
	_, err := tg.API.UpdateUsers(ctx, meta.Add, "1", req(suiteRows("l", 3), newSession(), 1, true))
	if err := wantAPIError(err, meta.ErrNotFound, meta.CodeInvalidParameter, meta.SubcodeNotFound); err != nil {
		return err
	}
	_, err = tg.API.OperationStatus(ctx, "1")
	return wantAPIError(err, meta.ErrNotFound, meta.CodeInvalidParameter, meta.SubcodeNotFound)
}

func checkCanceled(ctx context.Context, tg Target) error {
	id, err := tg.NewAudience(ctx)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = tg.API.UpdateUsers(cctx, meta.Add, id, req(suiteRows("m", 3), newSession(), 1, true))
	if !errors.Is(err, context.Canceled) {
		return fmt.Errorf("canceled context: got %v, want context.Canceled", err)
	}
	return wantSize(tg, id, 0)
}
