package athenatest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// gate is a hook that holds chosen statements at a stage ("run": before
// the engine; "publish": after it, before the outcome is published) until
// the test lets them go, and counts every stage every statement reaches.
type gate struct {
	mu      sync.Mutex
	open    map[string]chan struct{} // id/stage held
	calls   map[string]int           // id/stage reached
	entered chan string
}

func newGate() *gate {
	return &gate{open: map[string]chan struct{}{}, calls: map[string]int{}, entered: make(chan string, 64)}
}

func (g *gate) hook(ctx context.Context, id, stage string) {
	k := id + "/" + stage
	g.mu.Lock()
	g.calls[k]++
	ch, held := g.open[k]
	g.mu.Unlock()
	if !held {
		return
	}
	g.entered <- k
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

func (g *gate) hold(id, stage string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open[id+"/"+stage] = make(chan struct{})
}

func (g *gate) release(id, stage string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ch, ok := g.open[id+"/"+stage]; ok {
		close(ch)
		delete(g.open, id+"/"+stage)
	}
}

func (g *gate) releaseAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, ch := range g.open {
		close(ch)
		delete(g.open, k)
	}
}

func (g *gate) count(id, stage string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[id+"/"+stage]
}

// manualClock is a clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type readResult struct {
	state types.QueryExecutionState
	err   error
}

// harness is a fake on a manual clock with a gate, two databases and a
// three-row table in each.
type harness struct {
	t     *testing.T
	a     *Athena
	g     *gate
	clock *manualClock
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clock := &manualClock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	a := NewAthena(func(o *AthenaOptions) { o.Now, o.QueueTime, o.RunTime = clock.Now, time.Second, 2*time.Second })
	t.Cleanup(func() { _ = a.Close() })
	g := newGate()
	t.Cleanup(g.releaseAll) // runs before Close: a failing test leaves no statement held
	a.hook = g.hook
	rows := [][]any{{int64(1)}, {int64(2)}, {int64(3)}}
	if err := a.PutTable("default", "t", "s3://lake/t/", []Column{{Name: "n", Type: "bigint"}}, rows); err != nil {
		t.Fatal(err)
	}
	if err := a.PutTable("other", "u", "s3://lake/u/", []Column{{Name: "n", Type: "bigint"}}, rows); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, a: a, g: g, clock: clock}
}

func (h *harness) start(db, sql string) string {
	h.t.Helper()
	out, err := h.a.StartQueryExecution(h.t.Context(), &athena.StartQueryExecutionInput{QueryString: aws.String(sql), QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(db)}})
	if err != nil {
		h.t.Fatal(err)
	}
	return *out.QueryExecutionId
}

func (h *harness) get(ctx context.Context, id string) (types.QueryExecutionState, error) {
	out, err := h.a.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		return "", err
	}
	return out.QueryExecution.Status.State, nil
}

func (h *harness) state(id string) types.QueryExecutionState {
	h.t.Helper()
	s, err := h.get(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// runIn reads the query on another goroutine, which claims and runs its
// statement; it returns once the statement is held at key (id/stage).
func (h *harness) runIn(ctx context.Context, id, key string) <-chan readResult {
	h.t.Helper()
	done := make(chan readResult, 1)
	go func() {
		s, err := h.get(ctx, id)
		done <- readResult{s, err}
	}()
	select {
	case k := <-h.g.entered:
		if k != key {
			h.t.Fatalf("held at %s, want %s", k, key)
		}
	case r := <-done:
		h.t.Fatalf("the read returned before the statement was held: %s %v", r.state, r.err)
	}
	return done
}

func (h *harness) values(id string) []string {
	h.t.Helper()
	out, err := h.a.GetQueryResults(h.t.Context(), &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id)})
	if err != nil {
		h.t.Fatal(err)
	}
	var vs []string
	for _, r := range out.ResultSet.Rows[1:] {
		vs = append(vs, aws.ToString(r.Data[0].VarCharValue))
	}
	return vs
}

// TestStatementRunsOutsideTheLock: while one call runs a statement (held
// before the engine), the fake's lock is free and every call that does not
// need that statement's outcome answers at once: Get, GetQueryResults,
// List and Stop of other queries, a Get of the running query itself
// (RUNNING), a retry under its client request token (the same query), a
// new query, the catalog, Executions, the wire server, and a
// statement of another database, which runs meanwhile. (On a fake that
// runs statements under its lock, the TryLock fails.)
func TestStatementRunsOutsideTheLock(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	a := h.a

	first := h.start("default", "SELECT n FROM t")
	h.clock.add(3 * time.Second)
	if s := h.state(first); s != types.QueryExecutionStateSucceeded {
		t.Fatalf("first query: %s", s)
	}

	token := strings.Repeat("t", 64)
	startSlow := func() string {
		t.Helper()
		out, err := a.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT n * 10 AS slow FROM t"), ClientRequestToken: aws.String(token)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueryExecutionId
	}
	slow := startSlow()
	side := h.start("other", "SELECT count(*) AS c FROM u")
	h.g.hold(slow, "run")
	h.clock.add(3 * time.Second)
	done := h.runIn(ctx, slow, slow+"/run")

	if !a.mu.TryLock() {
		t.Fatal("the fake's lock is held while a statement runs")
	}
	a.mu.Unlock()
	if s := h.state(slow); s != types.QueryExecutionStateRunning {
		t.Errorf("the running query reads %s, want RUNNING", s)
	}
	if s := h.state(first); s != types.QueryExecutionStateSucceeded {
		t.Errorf("another query reads %s", s)
	}
	if got := h.values(first); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("results of another query: %v", got)
	}
	var ir *types.InvalidRequestException
	if _, err := a.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(slow)}); !errors.As(err, &ir) || !strings.Contains(ir.ErrorMessage(), "RUNNING") {
		t.Errorf("results of the running query: %v", err)
	}
	list, err := a.ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{})
	if err != nil || !slices.Equal(list.QueryExecutionIds, []string{side, slow, first}) {
		t.Errorf("list while running: %v %v", err, list)
	}
	// The other database's statement runs while default's is held.
	if s := h.state(side); s != types.QueryExecutionStateSucceeded {
		t.Errorf("a query of another database: %s", s)
	}
	if _, err := a.GetTableMetadata(ctx, &athena.GetTableMetadataInput{DatabaseName: aws.String("default"), TableName: aws.String("t")}); err != nil {
		t.Errorf("catalog while running: %v", err)
	}
	// A retry under the same client request token finds the query.
	if again := startSlow(); again != slow {
		t.Errorf("the token's retry started another query")
	}
	fresh := h.start("default", "SELECT 3 AS fresh")
	if _, err := a.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(fresh)}); err != nil {
		t.Fatal(err)
	}
	if s := h.state(fresh); s != types.QueryExecutionStateCancelled {
		t.Errorf("stopped query: %s", s)
	}
	if ex := a.Executions(); ex[1].ID != slow || ex[1].State != types.QueryExecutionStateRunning {
		t.Errorf("Executions while running: %+v", ex[1])
	}
	// Over the wire, through a real SDK client.
	srv := NewAthenaServer(a)
	defer srv.Close()
	wq, err := srv.Client().GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(slow)})
	if err != nil || wq.QueryExecution.Status.State != types.QueryExecutionStateRunning {
		t.Fatalf("read over the wire while running: %v %+v", err, wq)
	}
	wl, err := srv.Client().ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{MaxResults: aws.Int32(2)})
	if err != nil || !slices.Equal(wl.QueryExecutionIds, []string{fresh, side}) || aws.ToString(wl.NextToken) != slow {
		t.Fatalf("list over the wire: %v %+v", err, wl)
	}

	h.g.release(slow, "run")
	if r := <-done; r.err != nil || r.state != types.QueryExecutionStateSucceeded {
		t.Fatalf("the run: %s %v", r.state, r.err)
	}
	if got := h.values(slow); !slices.Equal(got, []string{"10", "20", "30"}) {
		t.Errorf("results of the held query: %v", got)
	}
	if n := h.g.count(slow, "run"); n != 1 {
		t.Errorf("the statement ran %d times", n)
	}
}

// TestStopStopsARunningStatement: a stop while another call runs the
// statement returns at once; the statement stops and leaves nothing (a
// CTAS stopped after the engine ran it creates no table and no files, and
// the same CTAS runs again); the running call reads CANCELLED.
func TestStopStopsARunningStatement(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	a := h.a
	stop := func(id string) {
		t.Helper()
		if _, err := a.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}

	// Held before the engine: the engine sees an ended context.
	sel := h.start("default", "SELECT n AS stopme FROM t")
	h.g.hold(sel, "run")
	h.clock.add(3 * time.Second)
	done := h.runIn(ctx, sel, sel+"/run")
	stop(sel)
	if r := <-done; r.err != nil || r.state != types.QueryExecutionStateCancelled {
		t.Fatalf("the running call after the stop: %s %v", r.state, r.err)
	}

	// Held after the engine, before publishing.
	const ctasSQL = "CREATE TABLE c WITH (external_location = 's3://lake/c/') AS SELECT n FROM t"
	ctas := h.start("default", ctasSQL)
	h.g.hold(ctas, "publish")
	h.clock.add(3 * time.Second)
	done = h.runIn(ctx, ctas, ctas+"/publish")
	if got := a.Tables("default"); !slices.Equal(got, []string{"t"}) {
		t.Errorf("catalog before publishing: %v", got)
	}
	stop(ctas)
	if r := <-done; r.err != nil || r.state != types.QueryExecutionStateCancelled {
		t.Fatalf("the running CTAS after the stop: %s %v", r.state, r.err)
	}
	list, err := a.ListTableMetadata(ctx, &athena.ListTableMetadataInput{DatabaseName: aws.String("default")})
	if err != nil || len(list.TableMetadataList) != 1 {
		t.Errorf("catalog after the stopped CTAS: %v %d tables", err, len(list.TableMetadataList))
	}
	if keys := a.S3().Keys("lake", "c/"); len(keys) != 0 {
		t.Errorf("the stopped CTAS left %d files", len(keys))
	}
	for _, e := range a.Executions() {
		if (e.ID == sel || e.ID == ctas) && (e.Ran || e.State != types.QueryExecutionStateCancelled) {
			t.Errorf("stopped query: %s ran=%v", e.State, e.Ran)
		}
	}
	again := h.start("default", ctasSQL)
	h.clock.add(3 * time.Second)
	if s := h.state(again); s != types.QueryExecutionStateSucceeded {
		t.Errorf("the same CTAS after the stopped one: %s", s)
	}
	if keys := a.S3().Keys("lake", "c/"); len(keys) != 1 {
		t.Errorf("CTAS files: %d, want 1", len(keys))
	}
}

// TestCallerGivesUp: when the context of the call running a statement
// ends, the call returns the context's error at once, the query stays
// RUNNING and unclaimed, and the next read runs it again, to its end.
func TestCallerGivesUp(t *testing.T) {
	h := newHarness(t)
	q := h.start("default", "SELECT n FROM t")
	h.g.hold(q, "run")
	h.clock.add(3 * time.Second)
	cctx, cancel := context.WithCancel(t.Context())
	done := h.runIn(cctx, q, q+"/run")
	cancel()
	if r := <-done; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the call whose context ended: %s %v", r.state, r.err)
	}
	h.a.mu.Lock()
	if s, run := h.a.queries[q].state, h.a.queries[q].run; s != types.QueryExecutionStateRunning || run != nil {
		t.Errorf("after the call gave up: %s, claimed %v", s, run != nil)
	}
	h.a.mu.Unlock()
	h.g.release(q, "run")
	if s := h.state(q); s != types.QueryExecutionStateSucceeded {
		t.Errorf("the next read: %s", s)
	}
	if got := h.values(q); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("results: %v", got)
	}
	if n := h.g.count(q, "run"); n != 2 {
		t.Errorf("the statement was run %d times, want 2 (given up, then run to its end)", n)
	}
	if ex := h.a.Executions(); !ex[0].Ran || ex[0].State != types.QueryExecutionStateSucceeded {
		t.Errorf("execution: %+v", ex[0])
	}
}

// TestConcurrentPollersSeeOneRun: callers polling the same queries at once
// (Get, GetQueryResults, Executions, and ListTableMetadata with Get, on a
// clock that moves at every reading) each see every query's states in
// order, QUEUED → RUNNING → SUCCEEDED, never back; each statement runs
// once; and the statements of one database run in the order they complete
// by the clock, whoever runs them (the counts after the CTAS and after the
// INSERT).
func TestConcurrentPollersSeeOneRun(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tick := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	a := NewAthena(func(o *AthenaOptions) { o.Now, o.QueueTime, o.RunTime = tick, 20*time.Millisecond, 20*time.Millisecond })
	t.Cleanup(func() { _ = a.Close() })
	g := newGate()
	a.hook = g.hook
	rows := [][]any{{int64(1)}, {int64(2)}, {int64(3)}}
	for _, db := range []string{"default", "other"} {
		if err := a.PutTable(db, "t", "s3://lake/"+db+"/t/", []Column{{Name: "n", Type: "bigint"}}, rows); err != nil {
			t.Fatal(err)
		}
	}
	type ref struct{ id, want string }
	var queries []ref
	for _, db := range []string{"default", "other"} {
		for _, q := range []struct{ sql, want string }{
			{"CREATE TABLE x WITH (external_location = 's3://lake/" + db + "/x/') AS SELECT n FROM t", ""},
			{"SELECT count(*) AS c FROM x", "3"},
			{"INSERT INTO x SELECT n FROM t", ""},
			{"SELECT count(*) AS c FROM x", "6"},
		} {
			out, err := a.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(q.sql), QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(db)}})
			if err != nil {
				t.Fatal(err)
			}
			queries = append(queries, ref{*out.QueryExecutionId, q.want})
		}
	}
	rank := map[types.QueryExecutionState]int{types.QueryExecutionStateQueued: 0, types.QueryExecutionStateRunning: 1, types.QueryExecutionStateSucceeded: 2}
	get := func(id string) (types.QueryExecutionState, error) {
		out, err := a.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			return "", err
		}
		return out.QueryExecution.Status.State, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for reader := range 6 {
		wg.Go(func() {
			last := map[string]types.QueryExecutionState{}
			order := slices.Clone(queries)
			if reader >= 4 {
				slices.Reverse(order) // the later statements first
			}
			for {
				var states map[string]types.QueryExecutionState
				switch reader % 4 {
				case 2:
					states = map[string]types.QueryExecutionState{}
					for _, e := range a.Executions() {
						states[e.ID] = e.State
					}
				}
				done := 0
				for _, q := range order {
					var s types.QueryExecutionState
					var err error
					switch reader % 4 {
					case 0:
						s, err = get(q.id)
					case 1:
						_, err = a.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(q.id)})
						var ir *types.InvalidRequestException
						switch {
						case err == nil:
							s = types.QueryExecutionStateSucceeded
						case errors.As(err, &ir) && strings.HasPrefix(ir.ErrorMessage(), "Query has not yet finished. Current state: "):
							s, err = types.QueryExecutionState(strings.TrimPrefix(ir.ErrorMessage(), "Query has not yet finished. Current state: ")), nil
						}
					case 2:
						s = states[q.id]
					case 3:
						if _, err = a.ListTableMetadata(ctx, &athena.ListTableMetadataInput{DatabaseName: aws.String("other")}); err == nil {
							s, err = get(q.id)
						}
					}
					if err != nil {
						errs <- err
						return
					}
					r, ok := rank[s]
					if !ok || (last[q.id] != "" && r < rank[last[q.id]]) {
						errs <- errors.New("a reader saw " + string(last[q.id]) + " then " + string(s))
						return
					}
					last[q.id] = s
					if s == types.QueryExecutionStateSucceeded {
						done++
					}
				}
				if done == len(queries) {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, q := range queries {
		if n, p := g.count(q.id, "run"), g.count(q.id, "publish"); n != 1 || p != 1 {
			t.Errorf("a statement ran %d times and was published %d times, want once", n, p)
		}
		if q.want == "" {
			continue
		}
		out, err := a.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(q.id)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.ResultSet.Rows[1].Data[0].VarCharValue); got != q.want {
			t.Errorf("a count read %s rows, want %s (statements out of order)", got, q.want)
		}
	}
}

// TestDueStatementsRunInClockOrder: a read of a statement that is due runs
// the due statements of its database that complete before it first, so a
// SELECT of a table a CTAS creates finds it even when the SELECT is read
// first; another database's due statements are left to their own reads.
func TestDueStatementsRunInClockOrder(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for _, sql := range []string{
		"CREATE TABLE x WITH (external_location = 's3://lake/x/') AS SELECT n FROM t",
		"SELECT count(*) AS c FROM x",
		"INSERT INTO x SELECT n FROM t",
		"SELECT count(*) AS c FROM x",
	} {
		ids = append(ids, h.start("default", sql))
		h.clock.add(100 * time.Millisecond) // each completes after the one before
	}
	ctas, count3, insert, count6 := ids[0], ids[1], ids[2], ids[3]
	side := h.start("other", "SELECT 1 AS one")
	h.clock.add(10 * time.Second)
	if s := h.state(count6); s != types.QueryExecutionStateSucceeded {
		t.Fatalf("the last statement: %s", s)
	}
	if got := h.values(count6); !slices.Equal(got, []string{"6"}) {
		t.Errorf("count after CTAS and INSERT: %v, want 6", got)
	}
	if got := h.values(count3); !slices.Equal(got, []string{"3"}) {
		t.Errorf("count after CTAS: %v, want 3", got)
	}
	for _, id := range []string{ctas, count3, insert, count6} {
		if n := h.g.count(id, "run"); n != 1 {
			t.Errorf("a statement ran %d times", n)
		}
	}
	if n := h.g.count(side, "run"); n != 0 {
		t.Errorf("another database's statement ran with them")
	}
}
