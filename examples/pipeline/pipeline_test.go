package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

type fakes struct {
	svc   services
	glue  *catalogtest.Glue
	cr    *cleanroomtest.CleanRooms
	model *metatest.Model
	dir   string
}

func newFakes(t *testing.T) *fakes {
	t.Helper()
	dir := t.TempDir()
	backend, err := filezone.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cr := cleanroomtest.NewCleanRooms()
	membership, err := cleanroomtest.NewMembership(t.Context(), cr)
	if err != nil {
		t.Fatal(err)
	}
	graph := metatest.NewGraphServer(metatest.NewGraph())
	model := graph.Graph().Model
	t.Cleanup(graph.Close)
	glue := catalogtest.NewGlue()
	return &fakes{
		svc: services{
			store: zones.New(backend), glue: glue, cleanrooms: cr, membership: membership,
			receiver: cr.AccountID(), roleARN: "arn:aws:iam::" + cr.AccountID() + ":role/r",
			audiences: graph.Client(), adAccount: "act_1", runAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		},
		glue: glue, cr: cr, model: model, dir: dir,
	}
}

func files(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPipelineEndToEndAndRerun(t *testing.T) {
	ctx := t.Context()
	f := newFakes(t)
	in := generate(600, 7)

	first, err := run(ctx, f.svc, in, io.Discard)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if first.RawNew != 3 || first.RawExisting != 0 {
		t.Errorf("first run raw: new %d existing %d, want 3 and 0", first.RawNew, first.RawExisting)
	}
	if first.GlueTablesCreated != 1 || first.PartitionsAdded != 3 || f.glue.Table("cdp_curated", "profiles") == nil {
		t.Errorf("first run glue: %d clean tables created, %d partitions added (want 1 and 3), profiles table %v", first.GlueTablesCreated, first.PartitionsAdded, f.glue.Table("cdp_curated", "profiles") != nil)
	}
	if first.CleanRoomChanges != 4 {
		t.Errorf("first run clean rooms changes = %d, want 4 (table, rule, association, association rule)", first.CleanRoomChanges)
	}
	// Two malformed lines and one rejected email per 97 people in the CRM.
	if first.LinesQuarantined < 3 || first.CellsRejected["EMAIL email_at_sign"] == 0 {
		t.Errorf("quarantine: %d rejections, cells %v", first.LinesQuarantined, first.CellsRejected)
	}
	if first.RowsClean != int64(len(in.truth)) {
		t.Errorf("clean rows = %d, want one per well-formed input row (%d)", first.RowsClean, len(in.truth))
	}
	if first.SegmentSize == 0 || first.AudienceRowsSent < int64(first.SegmentSize) || first.AudienceRejected != 0 {
		t.Errorf("audience: sent %d rows (%d rejected) for a segment of %d (a row per member and email at least)", first.AudienceRowsSent, first.AudienceRejected, first.SegmentSize)
	}
	if first.RecordsRejected != 0 || first.ProfileRowsRejected != 0 {
		t.Errorf("%d records rejected by identity, %d rows by profile", first.RecordsRejected, first.ProfileRowsRejected)
	}

	lake := files(t, f.dir)
	glueWrites, crWrites := f.glue.Writes(), f.cr.Writes()

	second, err := run(ctx, f.svc, in, io.Discard)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second.RawNew != 0 || second.RawExisting != 3 {
		t.Errorf("rerun raw: new %d existing %d, want 0 and 3", second.RawNew, second.RawExisting)
	}
	if got := f.glue.Writes() - glueWrites; got != 0 {
		t.Errorf("rerun made %d Glue writes, want 0", got)
	}
	if got := f.cr.Writes() - crWrites; got != 0 || second.CleanRoomChanges != 0 {
		t.Errorf("rerun made %d Clean Rooms writes and %d changes, want 0", got, second.CleanRoomChanges)
	}
	if second.Persons != first.Persons || second.SegmentSize != first.SegmentSize {
		t.Errorf("rerun resolved differently: %d/%d persons, %d/%d segment", first.Persons, second.Persons, first.SegmentSize, second.SegmentSize)
	}
	// The audience is found again and replaced, not duplicated.
	if n := f.model.Audiences(); n != 1 {
		t.Errorf("%d audiences after two runs, want 1", n)
	}
	again := files(t, f.dir)
	if len(again) != len(lake) {
		t.Errorf("the lake grew on a rerun: %d files, then %d", len(lake), len(again))
	}
	for p, size := range lake {
		if strings.Contains(p, "/identity/stats/") {
			continue // holds the run's elapsed time: replaced, never duplicated
		}
		if got, ok := again[p]; !ok || got != size {
			t.Errorf("rerun changed %s", strings.TrimPrefix(p, f.dir))
		}
	}
}

// TestLinkageAgainstGroundTruth scores the resolution against the people the
// generator made: the only false merges are household twins no rule can tell
// apart, junk sign-ups stay apart, and the only split people are those whose
// CRM email was rejected.
func TestLinkageAgainstGroundTruth(t *testing.T) {
	ctx := t.Context()
	f := newFakes(t)
	in := generate(800, 11)
	if _, err := run(ctx, f.svc, in, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The run's assignments, read back from the curated zone.
	assigned, err := dataset.New[identity.AssignmentRow](f.svc.store, zones.Curated, "identity/assignments")
	if err != nil {
		t.Fatal(err)
	}
	clusters := map[string][]identity.RecordRef{}
	for a, err := range assigned.Rows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		clusters[a.PersonID] = append(clusters[a.PersonID], identity.RecordRef{Source: a.Source, Key: a.RecordKey})
	}
	hasPhoneRecord := map[int]bool{}
	for k, who := range in.truth {
		if !strings.HasPrefix(k, "web/") {
			hasPhoneRecord[who] = true
		}
	}
	wantTwinMerges := 0
	for _, pair := range in.twinPairs {
		if hasPhoneRecord[pair[0]] && hasPhoneRecord[pair[1]] {
			wantTwinMerges++
		}
	}
	clustersOf := map[int]map[string]bool{}
	falseMerges := 0
	for person, members := range clusters {
		who := map[int]bool{}
		for _, m := range members {
			i, ok := in.truth[m.Source+"/"+m.Key]
			if !ok {
				t.Fatalf("record %s/%s is not in the ground truth", m.Source, m.Key)
			}
			if i == -1 && len(members) > 1 {
				t.Errorf("a junk sign-up was merged into a person of %d records", len(members))
			}
			who[i] = true
			if clustersOf[i] == nil {
				clustersOf[i] = map[string]bool{}
			}
			clustersOf[i][person] = true
		}
		if len(who) > 1 {
			falseMerges++
		}
	}
	if falseMerges != wantTwinMerges {
		t.Errorf("false merges = %d, want %d (household twins only)", falseMerges, wantTwinMerges)
	}
	// Web rows carry only an email and call-center rows only phone and
	// name, so the CRM row (with its email accepted) is the only bridge
	// between them: without it a person's web row stands apart.
	inSource := map[string]map[int]bool{"crm": {}, "web": {}, "callcenter": {}}
	for k, who := range in.truth {
		src, _, _ := strings.Cut(k, "/")
		inSource[src][who] = true
	}
	wantSplit, gotSplit := 0, 0
	for i := range in.people {
		bridged := inSource["crm"][i] && i%97 != 5
		if inSource["web"][i] && (inSource["crm"][i] || inSource["callcenter"][i]) && !bridged {
			wantSplit++
			if len(clustersOf[i]) < 2 {
				t.Errorf("person %d should be split (no bridge between web and other rows) but is not", i)
			}
		}
	}
	for i, cs := range clustersOf {
		if i >= 0 && len(cs) > 1 {
			gotSplit++
		}
	}
	if gotSplit != wantSplit {
		t.Errorf("%d persons split over clusters, want %d", gotSplit, wantSplit)
	}
}

func TestQuarantineHoldsNoValues(t *testing.T) {
	ctx := t.Context()
	f := newFakes(t)
	in := generate(300, 3)
	if _, err := run(ctx, f.svc, in, io.Discard); err != nil {
		t.Fatal(err)
	}
	n := 0
	for obj, err := range f.svc.store.Objects(ctx, zones.Quarantine, "") {
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.svc.store.Get(ctx, zones.Quarantine, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, leak := range []string{"not-an-email", "@example.com", "Broken", "650"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("quarantine object %d holds an input value", n)
			}
		}
	}
	if n == 0 {
		t.Error("nothing was quarantined")
	}
}

func TestMainRunsOnEmbeddedDefaults(t *testing.T) {
	var out bytes.Buffer
	dir := filepath.Join(t.TempDir(), "lake")
	if err := main1(t.Context(), dir, 200, 1, false, &out); err != nil {
		t.Fatalf("main1: %v", err)
	}
	for _, want := range []string{"== 1-2. raw and clean zones", "== 7. meta custom audience", "(created: true)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if err := main1(context.Background(), dir, 0, 1, false, io.Discard); err == nil {
		t.Error("-people 0 was accepted")
	}
	// -live without its variables names every one missing, before any call.
	for _, k := range []string{"CDPKIT_BUCKET", "META_TOKEN"} {
		t.Setenv(k, "")
	}
	err := main1(t.Context(), dir, 10, 1, true, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CDPKIT_BUCKET is not set") || !strings.Contains(err.Error(), "META_TOKEN is not set") {
		t.Errorf("-live without its variables: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Error(err)
	}
}
