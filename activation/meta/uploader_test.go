package meta_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"regexp"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/google/go-cmp/cmp"
)

func seq(rs ...[]hashing.Cell) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Rows may list cells in any order and omit keys; bad rows are rejected
// with their index and a reason, and never sent.
func TestRowsPlacedAndRejected(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	full := row(t, "p", 1) // EMAIL, PHONE, COUNTRY
	email, phone, country := full[0], full[1], full[2]
	zip, err := hashing.CellFromDigest(hashing.Zip, digest("p", 1, hashing.Zip))
	if err != nil {
		t.Fatal(err)
	}
	input := [][]hashing.Cell{
		{country, email, phone},          // 0: reordered
		{email},                          // 1: partial
		{email, zip},                     // 2: key not in schema
		{email, email},                   // 3: duplicate key
		{hashing.Missing(hashing.Email)}, // 4: empty
		{},                               // 5: empty
		{hashing.Cell{}},                 // 6: zero cell
		{phone, country},                 // 7: partial, reordered
	}
	var seen []meta.Reject
	up := meta.NewUploader(rec, func(o *meta.Options) {
		o.BatchSize = 2
		o.OnReject = func(r meta.Reject) { seen = append(seen, r) }
	})
	res, err := up.Add(t.Context(), aud, testSchema, seq(input...))
	if err != nil {
		t.Fatal(err)
	}
	want := []meta.Reject{
		{Row: 2, Reason: meta.ReasonKeyNotInSchema}, {Row: 3, Reason: meta.ReasonDuplicateKey},
		{Row: 4, Reason: meta.ReasonEmptyRow}, {Row: 5, Reason: meta.ReasonEmptyRow}, {Row: 6, Reason: meta.ReasonInvalidCellKind},
	}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("Rejects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("OnReject (-want +got):\n%s", diff)
	}
	if res.RowsRead != 8 || res.RowsRejected != 5 || res.RowsSent != 3 || res.Batches != 2 {
		t.Errorf("read %d rejected %d sent %d batches %d", res.RowsRead, res.RowsRejected, res.RowsSent, res.Batches)
	}
	for _, r := range [][]hashing.Cell{full, {email}, {phone, country}} {
		if !rec.Model.Contains(aud, r) {
			t.Errorf("row with %d cells not a member", len(r))
		}
	}
	// The last batch must still be flagged although rows after the last
	// full batch were all rejected.
	reqs := rec.Requests()
	if len(reqs) != 2 || !reqs[1].Last || reqs[0].Last {
		t.Errorf("requests %+v", reqs)
	}
}

// Rejects beyond MaxRejectSamples are counted but not kept.
func TestRejectSamplesCapped(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	bad := func(yield func([]hashing.Cell, error) bool) {
		for range 250 {
			if !yield(nil, nil) {
				return
			}
		}
	}
	res, err := meta.NewUploader(rec).Add(t.Context(), aud, testSchema, bad)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsRejected != 250 || len(res.Rejects) != meta.MaxRejectSamples || len(rec.Requests()) != 0 {
		t.Errorf("rejected %d, kept %d, %d requests", res.RowsRejected, len(res.Rejects), len(rec.Requests()))
	}
	if _, err := meta.NewUploader(rec).Replace(t.Context(), aud, testSchema, bad); !errors.Is(err, meta.ErrInvalidInput) {
		t.Errorf("empty replace: got %v, want ErrInvalidInput", err)
	}
}

func TestInputErrorStops(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	boom := errors.New("disk on fire")
	input := func(yield func([]hashing.Cell, error) bool) {
		for i := range 25 {
			if !yield(row(t, "e", i), nil) {
				return
			}
		}
		yield(nil, boom)
	}
	res, err := meta.NewUploader(rec, func(o *meta.Options) { o.BatchSize = 10 }).Add(t.Context(), aud, testSchema, input)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the input error", err)
	}
	// Two full batches were complete and sent; the partial third is not
	// sent, so a resumed run rebuilds the same batches.
	if res.RowsRead != 25 || res.Batches != 2 || res.RowsSent != 20 {
		t.Errorf("read %d, %d batches, %d rows sent", res.RowsRead, res.Batches, res.RowsSent)
	}
}

func TestBadOptionsAndSchema(t *testing.T) {
	rec := metatest.NewGraph()
	aud := rec.Model.AddAudience()
	for name, tc := range map[string]struct {
		schema meta.Schema
		opt    func(*meta.Options)
	}{
		"batch too big":   {testSchema, func(o *meta.Options) { o.BatchSize = meta.MaxBatchSize + 1 }},
		"negative batch":  {testSchema, func(o *meta.Options) { o.BatchSize = -1 }},
		"window too long": {testSchema, func(o *meta.Options) { o.ReplaceWindow = meta.ReplaceLimit }},
		"empty schema":    {nil, func(*meta.Options) {}},
		"duplicate key":   {meta.Schema{hashing.Email, hashing.Email}, func(*meta.Options) {}},
		"unknown key":     {meta.Schema{"SSN"}, func(*meta.Options) {}},
		"dob":             {meta.Schema{hashing.DOB}, func(*meta.Options) {}},
	} {
		if _, err := meta.NewUploader(rec).Add(t.Context(), aud, tc.schema, rows(t, "o", 3), tc.opt); !errors.Is(err, meta.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", name, err)
		}
	}
	if len(rec.Requests()) != 0 {
		t.Errorf("%d requests sent", len(rec.Requests()))
	}
}

var hex64 = regexp.MustCompile(`[0-9a-f]{64}`)

// Debug logs, errors and results never hold digests, even under faults.
func TestNoDigestsInLogsOrErrors(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Random(1, 0.5, mixedFaults...))
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := srv.Client(func(o *meta.ClientOptions) { o.Logger = logger })
	up := meta.NewUploader(client, fast, func(o *meta.Options) { o.BatchSize = 100; o.Logger = logger })
	res, err := up.Add(t.Context(), aud, testSchema, rows(t, "pii", 2000))
	if err != nil {
		t.Fatal(err)
	}
	// Then a failing call, for its error text.
	srv.SetFaults(func(int) metatest.Fault { return metatest.Fault{Kind: metatest.HTML} })
	_, err = up.Add(t.Context(), aud, testSchema, rows(t, "pii", 10), func(o *meta.Options) { o.Retry.MaxAttempts = 2 })
	if err == nil {
		t.Fatal("want an error")
	}
	if logs.Len() == 0 || res.Retries == 0 {
		t.Fatal("no debug logs or no retries: the test proves nothing")
	}
	if hex64.Match(logs.Bytes()) {
		t.Error("debug log holds a 64-hex string")
	}
	if hex64.MatchString(err.Error()) {
		t.Error("error holds a 64-hex string")
	}
	if hex64.MatchString(fmt.Sprintf("%+v", *res)) {
		t.Error("result holds a 64-hex string")
	}
}

// The real Graph API, when credentials are given: the same conformance
// suite as the fakes. Audiences are created in the ad account and left
// there (Graph deletes unused audiences after two years; delete them by
// hand if needed).
func TestConformanceGraph(t *testing.T) {
	token, account := os.Getenv("META_TEST_TOKEN"), os.Getenv("META_TEST_AD_ACCOUNT")
	if token == "" || account == "" {
		t.Skip("set META_TEST_TOKEN and META_TEST_AD_ACCOUNT to run against the Graph API")
	}
	client := meta.NewClient(token, func(o *meta.ClientOptions) { o.AppSecret = os.Getenv("META_TEST_APP_SECRET") })
	metatest.RunGraph(t, func(t *testing.T) metatest.Target {
		return metatest.Target{
			API: client,
			NewAudience: func(ctx context.Context) (string, error) {
				return client.CreateAudience(ctx, account, meta.AudienceSpec{Name: "cdpkit conformance " + t.Name()})
			},
		}
	})
}

// MaxRequestBytes splits batches by body size; every request body stays
// under the limit.
func TestMaxRequestBytes(t *testing.T) {
	const limit = 20_000
	var maxBody int
	srv, _ := capture(t, 200, `{"num_received":1}`, nil)
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
	rec := &sizeAPI{AudienceAPI: client, max: &maxBody}
	res, err := meta.NewUploader(rec, func(o *meta.Options) { o.MaxRequestBytes = limit; o.Concurrency = 1 }).
		Add(t.Context(), "5", testSchema, rows(t, "m", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSent != 1000 || res.Batches < 8 {
		t.Errorf("sent %d rows in %d batches", res.RowsSent, res.Batches)
	}
	if maxBody > limit {
		t.Errorf("largest body %d bytes, limit %d", maxBody, limit)
	}
	if maxBody < limit*3/4 {
		t.Errorf("largest body %d bytes: batches are needlessly small", maxBody)
	}
}

// sizeAPI records the largest request body it forwards.
type sizeAPI struct {
	meta.AudienceAPI
	max *int
}

func (s *sizeAPI) UpdateUsers(ctx context.Context, op meta.Operation, aud string, req *meta.UsersRequest) (*meta.UsersResponse, error) {
	b, err := req.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	*s.max = max(*s.max, len(b))
	return s.AudienceAPI.UpdateUsers(ctx, op, aud, req)
}
