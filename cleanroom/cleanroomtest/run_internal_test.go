package cleanroomtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// gateSink holds every result write until the test opens it: a query
// stays in the middle of its run for as long as the test wants.
type gateSink struct {
	*S3
	entered chan string // the key being written
	open    chan struct{}
	once    sync.Once
}

func newGateSink() *gateSink {
	return &gateSink{S3: NewS3(), entered: make(chan string, 16), open: make(chan struct{})}
}

func (g *gateSink) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	g.entered <- aws.ToString(in.Key)
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.S3.PutObject(ctx, in, optFns...)
}

func (g *gateSink) release() { g.once.Do(func() { close(g.open) }) }

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

type getResult struct {
	q   *types.ProtectedQuery
	err error
}

// TestQueryRunsOutsideTheLock: while one caller runs a query (held in the
// middle of writing its result), the fake's lock is free and every other
// call goes on: reads of the same query (STARTED), lists, new queries, the
// run of another membership's query at the same time, a cancel that stops
// the run, and a caller whose context ends leaves the query to run again.
func TestQueryRunsOutsideTheLock(t *testing.T) {
	ctx := t.Context()
	clock := &manualClock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	sink := newGateSink()
	t.Cleanup(sink.release) // a failing test must not leave a run blocked
	f := NewCleanRooms(func(o *CleanRoomsOptions) {
		o.Now, o.Results, o.QueryQueued, o.QueryRuns = clock.Now, sink, time.Second, 2*time.Second
	})
	m1, err := NewMembership(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := NewMembership(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	startQuery := func(m string) string {
		t.Helper()
		out, err := f.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql,
			SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1 AS n")},
			ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
				Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("out"), ResultFormat: types.ResultFormatCsv}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ProtectedQuery.Id
	}
	get := func(ctx context.Context, m, id string) (*types.ProtectedQuery, error) {
		out, err := f.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(m), ProtectedQueryIdentifier: aws.String(id)})
		if err != nil {
			return nil, err
		}
		return out.ProtectedQuery, nil
	}
	// runIn reads the query on another goroutine, which claims and runs
	// it; it returns once the run is held at its result write.
	runIn := func(ctx context.Context, m, id string) <-chan getResult {
		t.Helper()
		done := make(chan getResult, 1)
		go func() {
			q, err := get(ctx, m, id)
			done <- getResult{q, err}
		}()
		select {
		case <-sink.entered:
		case r := <-done:
			t.Fatalf("the read returned before running the query: %v %v", r.err, r.q.Status)
		}
		return done
	}
	status := func(m, id string) types.ProtectedQueryStatus {
		t.Helper()
		q, err := get(ctx, m, id)
		if err != nil {
			t.Fatal(err)
		}
		return q.Status
	}

	q1 := startQuery(m1)
	clock.add(3 * time.Second)
	done1 := runIn(ctx, m1, q1)
	if !f.mu.TryLock() {
		t.Fatal("the fake's lock is held while a query runs")
	}
	f.mu.Unlock()
	if s := status(m1, q1); s != types.ProtectedQueryStatusStarted {
		t.Errorf("a query being run reads %s, want STARTED", s)
	}
	list, err := f.ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(m1)})
	if err != nil || len(list.ProtectedQueries) != 1 || list.ProtectedQueries[0].Status != types.ProtectedQueryStatusStarted {
		t.Fatalf("list while running: %v %+v", err, list)
	}
	// The same over the wire, through a real SDK client.
	srv := NewCleanRoomsServer(f)
	defer srv.Close()
	wq, err := srv.Client().GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(m1), ProtectedQueryIdentifier: aws.String(q1)})
	if err != nil || wq.ProtectedQuery.Status != types.ProtectedQueryStatusStarted {
		t.Fatalf("read over the wire while running: %v %+v", err, wq)
	}
	// Another membership's query starts and runs alongside.
	q2 := startQuery(m2)
	clock.add(3 * time.Second)
	done2 := runIn(ctx, m2, q2)
	sink.release()
	for _, done := range []<-chan getResult{done1, done2} {
		r := <-done
		if r.err != nil || r.q.Status != types.ProtectedQueryStatusSuccess {
			t.Fatalf("run: %v %+v", r.err, r.q)
		}
	}
	if s := status(m1, q1); s != types.ProtectedQueryStatusSuccess {
		t.Errorf("after the run: %s", s)
	}
	if keys := sink.Keys("out"); len(keys) != 2 {
		t.Errorf("result files: %d, want 2", len(keys))
	}

	// A cancel while the query runs stops the run: the query ends
	// CANCELLED, for the canceller's next read and the runner alike.
	sink = newGateSink()
	t.Cleanup(sink.release)
	f.mu.Lock()
	f.opts.Results = sink
	f.mu.Unlock()
	q3 := startQuery(m1)
	clock.add(3 * time.Second)
	done3 := runIn(ctx, m1, q3)
	up, err := f.UpdateProtectedQuery(ctx, &cleanrooms.UpdateProtectedQueryInput{MembershipIdentifier: aws.String(m1), ProtectedQueryIdentifier: aws.String(q3), TargetStatus: types.TargetProtectedQueryStatusCancelled})
	if err != nil || up.ProtectedQuery.Status != types.ProtectedQueryStatusCancelling {
		t.Fatalf("cancel while running: %v %+v", err, up)
	}
	if r := <-done3; r.err != nil || r.q.Status != types.ProtectedQueryStatusCancelled {
		t.Fatalf("runner after cancel: %v %+v", r.err, r.q)
	}
	if s := status(m1, q3); s != types.ProtectedQueryStatusCancelled {
		t.Errorf("after cancel: %s", s)
	}

	// The runner's context ends mid-run: the caller gets the context's
	// error, the query stays STARTED and the next read runs it.
	q4 := startQuery(m1)
	clock.add(3 * time.Second)
	cctx, cancel := context.WithCancel(ctx)
	done4 := runIn(cctx, m1, q4)
	cancel()
	if r := <-done4; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("runner with an ended context: %v", r.err)
	}
	done4 = runIn(ctx, m1, q4)
	if !f.mu.TryLock() {
		t.Fatal("lock held")
	}
	if f.queries[q4].q.Status != types.ProtectedQueryStatusStarted {
		t.Errorf("rerun shows %s", f.queries[q4].q.Status)
	}
	f.mu.Unlock()
	sink.release()
	if r := <-done4; r.err != nil || r.q.Status != types.ProtectedQueryStatusSuccess {
		t.Fatalf("rerun: %v %+v", r.err, r.q)
	}
}

// countSink counts result writes per key.
type countSink struct {
	*S3
	mu     sync.Mutex
	writes map[string]int
}

func (c *countSink) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.mu.Lock()
	c.writes[aws.ToString(in.Key)]++
	c.mu.Unlock()
	return c.S3.PutObject(ctx, in, optFns...)
}

// TestConcurrentReadersSeeOneRun: callers polling the same queries at
// once (Get and List, on a clock that moves at every reading) each see
// every query's states in order, SUBMITTED → STARTED → SUCCESS, never
// back; all agree on the end; and each query runs exactly once.
func TestConcurrentReadersSeeOneRun(t *testing.T) {
	ctx := t.Context()
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tick := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
	sink := &countSink{S3: NewS3(), writes: map[string]int{}}
	f := NewCleanRooms(func(o *CleanRoomsOptions) {
		o.Now, o.Results, o.QueryQueued, o.QueryRuns = tick, sink, 20*time.Millisecond, 20*time.Millisecond
	})
	type ref struct{ m, id string }
	var queries []ref
	for range 2 {
		m, err := NewMembership(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			out, err := f.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql,
				SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String("SELECT 1 AS n")},
				ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
					Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("out"), ResultFormat: types.ResultFormatCsv}}}})
			if err != nil {
				t.Fatal(err)
			}
			queries = append(queries, ref{m, *out.ProtectedQuery.Id})
		}
	}
	rank := map[types.ProtectedQueryStatus]int{types.ProtectedQueryStatusSubmitted: 0, types.ProtectedQueryStatusStarted: 1, types.ProtectedQueryStatusSuccess: 2}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for reader := range 6 {
		wg.Go(func() {
			last := map[string]types.ProtectedQueryStatus{}
			see := func(id string, s types.ProtectedQueryStatus) bool {
				r, ok := rank[s]
				if !ok || (last[id] != "" && r < rank[last[id]]) {
					errs <- errors.New("reader saw " + string(last[id]) + " then " + string(s))
					return false
				}
				last[id] = s
				return true
			}
			for {
				done := 0
				for _, q := range queries {
					var s types.ProtectedQueryStatus
					if reader%2 == 0 {
						out, err := f.GetProtectedQuery(ctx, &cleanrooms.GetProtectedQueryInput{MembershipIdentifier: aws.String(q.m), ProtectedQueryIdentifier: aws.String(q.id)})
						if err != nil {
							errs <- err
							return
						}
						s = out.ProtectedQuery.Status
					} else {
						out, err := f.ListProtectedQueries(ctx, &cleanrooms.ListProtectedQueriesInput{MembershipIdentifier: aws.String(q.m)})
						if err != nil {
							errs <- err
							return
						}
						for _, sum := range out.ProtectedQueries {
							if *sum.Id == q.id {
								s = sum.Status
							}
						}
					}
					if !see(q.id, s) {
						return
					}
					if s == types.ProtectedQueryStatusSuccess {
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
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.writes) != len(queries) {
		t.Errorf("%d result files for %d queries", len(sink.writes), len(queries))
	}
	for _, n := range sink.writes {
		if n != 1 {
			t.Errorf("a result file written %d times, want once", n)
		}
	}
}
