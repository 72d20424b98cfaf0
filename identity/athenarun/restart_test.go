package athenarun_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

var errKilled = errors.New("process killed")

// dying is the Athena API as seen by a process that dies after its
// StartQueryExecution call number limit: from then on nothing it sends
// reaches Athena, and the queries it started run on.
type dying struct {
	*athenatest.Athena
	mu     sync.Mutex
	starts int
	limit  int
}

func (d *dying) dead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.starts >= d.limit
}

func (d *dying) StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, o ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error) {
	if d.dead() {
		return nil, errKilled
	}
	d.mu.Lock()
	d.starts++
	d.mu.Unlock()
	return d.Athena.StartQueryExecution(ctx, in, o...)
}

func (d *dying) GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, o ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error) {
	if d.dead() {
		return nil, errKilled
	}
	return d.Athena.GetQueryExecution(ctx, in, o...)
}

func (d *dying) GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, o ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error) {
	if d.dead() {
		return nil, errKilled
	}
	return d.Athena.GetQueryResults(ctx, in, o...)
}

func (d *dying) StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, o ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error) {
	if d.dead() {
		return nil, errKilled
	}
	return d.Athena.StopQueryExecution(ctx, in, o...)
}

func (d *dying) ListTableMetadata(ctx context.Context, in *athena.ListTableMetadataInput, o ...func(*athena.Options)) (*athena.ListTableMetadataOutput, error) {
	if d.dead() {
		return nil, errKilled
	}
	return d.Athena.ListTableMetadata(ctx, in, o...)
}

// tempLeft reports temporary tables and files left in the fake.
func tempLeft(a *athenatest.Athena) []string {
	var out []string
	for _, t := range a.Tables("lake") {
		if strings.HasPrefix(t, "idr_") {
			out = append(out, t)
		}
	}
	for _, k := range a.S3().Keys("lake", "tmp/") {
		if strings.Contains(k, "/idr_") {
			out = append(out, k)
		}
	}
	return out
}

// A run killed after k queries and restarted finishes with the in-process
// clusters, runs no CTAS twice and leaves no temporary table or file.
func TestKillAndRestart(t *testing.T) {
	recs := genRecords(2, 150)
	want := inProcess(t, recs)
	kills := []int{2, 5, 9, 14}
	if testing.Short() {
		kills = []int{5}
	}
	for _, k := range kills {
		synctest.Test(t, func(t *testing.T) {
			a := athenatest.NewAthena()
			defer a.Close()
			load(t, a, recs)
			d := &dying{Athena: a, limit: k}
			_, err := newRunner(t, d, a.S3(), nil).Resolve(t.Context(), "load-2", config())
			if !errors.Is(err, errKilled) {
				t.Fatalf("kill after %d: %v", k, err)
			}
			time.Sleep(time.Minute) // the started queries run on
			var steps []athenarun.Step
			r := newRunner(t, a, a.S3(), func(s athenarun.Step) { steps = append(steps, s) })
			res, err := r.Resolve(t.Context(), "load-2", config())
			if err != nil {
				t.Fatalf("restart after %d: %v", k, err)
			}
			if !slices.ContainsFunc(steps, func(s athenarun.Step) bool { return s.Adopted || s.Reused }) {
				t.Errorf("kill after %d: the restart adopted or reused nothing", k)
			}
			created := map[string]int{}
			for _, e := range a.Executions() {
				if e.Ran && strings.HasPrefix(e.Query, "CREATE TABLE ") {
					name, _, _ := strings.Cut(strings.TrimPrefix(e.Query, "CREATE TABLE "), " ")
					created[name]++
				}
			}
			for name, n := range created {
				if n > 1 {
					t.Errorf("kill after %d: table %s created %d times", k, name, n)
				}
			}
			if left := tempLeft(a); len(left) > 0 {
				t.Errorf("kill after %d: left behind %v", k, left)
			}
			got, err := r.Persons(t.Context(), res)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				w, _ := want.Lookup(rec.Ref())
				g, _ := got.Lookup(rec.Ref())
				if w != g {
					t.Fatalf("kill after %d: a record's person id differs from in process", k)
				}
			}
			// A third call adopts the output and starts nothing.
			before := len(a.Executions())
			if _, err := r.Resolve(t.Context(), "load-2", config()); err != nil {
				t.Fatal(err)
			}
			if n := len(a.Executions()) - before; n != 0 {
				t.Errorf("rerun of a finished run started %d queries", n)
			}
		})
	}
}

// Throttling, the concurrency limit and QUEUED flaps are waited out; the
// run still finishes.
func TestFaultsWaitedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.QueueTime, o.RunTime = time.Second, 2*time.Second })
		defer a.Close()
		load(t, a, genRecords(3, 80))
		a.Inject("StartQueryExecution", 3, athenatest.Throttling())
		a.Inject("GetQueryExecution", 2, athenatest.Throttling())
		a.Inject("ListTableMetadata", 1, athenatest.Throttling())
		a.Flap("CREATE TABLE", 2)
		a.Fail("_cc_2 ", 1, athenatest.Failure{Reason: "GENERIC_INTERNAL_ERROR: worker lost", Category: 1, Retryable: true})
		r := newRunner(t, a, a.S3(), nil, fastPolls)
		res, err := r.Resolve(t.Context(), "faults", config())
		if err != nil {
			t.Fatal(err)
		}
		flaps := 0
		for _, s := range res.Steps {
			flaps += s.Flaps
		}
		if flaps != 2 {
			t.Errorf("saw %d flaps, want 2", flaps)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}

func TestConcurrencyLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.MaxActiveQueries = 1 })
		defer a.Close()
		r := newRunner(t, a, a.S3(), nil)
		// Another client holds the only slot for longer than the retries last.
		if _, err := a.StartQueryExecution(t.Context(), &athena.StartQueryExecutionInput{QueryString: strPtr("SELECT 1")}); err != nil {
			t.Fatal(err)
		}
		a.Inject("StartQueryExecution", 100, athenatest.TooManyRequests())
		_, err := r.Exec(t.Context(), "run", "probe", "SELECT 2")
		if !errors.Is(err, cdpkit.ErrThrottled) || !errors.Is(err, cdpkit.ErrLimitExceeded) {
			t.Errorf("err = %v, want throttled and limit exceeded", err)
		}
	})
}

// fastPolls polls often enough to see every state of the slow fakes above.
func fastPolls(o *athenarun.Options) {
	o.PollInterval, o.MaxPollInterval = 100*time.Millisecond, 200*time.Millisecond
}

func strPtr(s string) *string { return &s }

// A query failing for good fails the run with its reason and category, and
// the temporary tables and files are removed.
func TestFailedQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, genRecords(4, 60))
		a.Fail("_cc_1 ", 1, athenatest.Failure{Reason: "HIVE_BAD_DATA: Error parsing field value", Category: 2, Type: 1301})
		_, err := newRunner(t, a, a.S3(), nil).Resolve(t.Context(), "fail", config())
		var qe *athenarun.QueryError
		if !errors.As(err, &qe) || qe.Code() != "HIVE_BAD_DATA" || qe.Category != 2 || qe.Step != "cc_1" {
			t.Fatalf("err = %v", err)
		}
		if !errors.Is(err, cdpkit.ErrFailed) || !errors.Is(err, cdpkit.ErrInvalid) {
			t.Errorf("err %v does not match ErrFailed and ErrInvalid", err)
		}
		if strings.Contains(err.Error(), "parsing field") {
			t.Errorf("error prints Athena's message, which may quote data: %v", err)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind after failure: %v", left)
		}
	})
}

// Ending ctx stops the running query and keeps the finished tables, so a
// new call resumes.
func TestCancelStopsAndResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.RunTime = 10 * time.Second })
		defer a.Close()
		load(t, a, genRecords(5, 60))
		// nodes ends at 10.1 s, edges runs from about 11 s to 21 s.
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		r := newRunner(t, a, a.S3(), nil, fastPolls)
		_, err := r.Resolve(ctx, "cancel", config())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		ex := a.Executions()
		if last := ex[len(ex)-1]; last.State != "CANCELLED" {
			t.Errorf("the running query is %s, want CANCELLED", last.State)
		}
		if len(tempLeft(a)) == 0 {
			t.Errorf("cancelled run removed its tables: nothing to resume")
		}
		res, err := r.Resolve(t.Context(), "cancel", config())
		if err != nil {
			t.Fatal(err)
		}
		if !res.Steps[0].Adopted {
			t.Errorf("first step after resume: %+v, want adopted", res.Steps[0])
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}

// Cleanup removes what an abandoned run left.
func TestCleanupAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena(func(o *athenatest.AthenaOptions) { o.RunTime = 10 * time.Second })
		defer a.Close()
		load(t, a, genRecords(5, 60))
		ctx, cancel := context.WithTimeout(t.Context(), 35*time.Second)
		defer cancel()
		r := newRunner(t, a, a.S3(), nil, fastPolls)
		if _, err := r.Resolve(ctx, "abandoned", config()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if len(tempLeft(a)) == 0 {
			t.Fatal("nothing left to clean")
		}
		if _, err := r.Cleanup(t.Context(), "abandoned", config()); err != nil {
			t.Fatal(err)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}

// An output table this run did not write is never replaced silently.
func TestOutputNotOurs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, genRecords(6, 40))
		if err := a.PutTable("lake", "resolved", "s3://other/resolved/", varchars("x"), nil); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, a, a.S3(), nil)
		if _, err := r.Resolve(t.Context(), "x", config()); !errors.Is(err, cdpkit.ErrAlreadyExists) {
			t.Fatalf("err = %v, want ErrAlreadyExists", err)
		}
		r2, _ := athenarun.New(a, a.S3(), func(o *athenarun.Options) {
			o.Database, o.ResultLocation, o.ReplaceOutput = "lake", "s3://lake/athena-results/", true
		})
		res, err := r2.Resolve(t.Context(), "x", config())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Location, "s3://lake/tmp/identity/") {
			t.Errorf("output at %s", res.Location)
		}
	})
}

// MaxIterations reached is ErrNotConverged (a limit), and the temporary
// tables go.
func TestNotConverged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := athenatest.NewAthena()
		defer a.Close()
		load(t, a, genRecords(9, 80))
		cfg := config()
		cfg.MaxIterations = 1
		_, err := newRunner(t, a, a.S3(), nil).Resolve(t.Context(), "short", cfg)
		if !errors.Is(err, athenarun.ErrNotConverged) || !errors.Is(err, cdpkit.ErrLimitExceeded) {
			t.Fatalf("err = %v", err)
		}
		if left := tempLeft(a); len(left) > 0 {
			t.Errorf("left behind %v", left)
		}
	})
}
