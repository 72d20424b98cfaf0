package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/records"
)

// Contact is one source row in the clean zone: hashed identifiers only.
type Contact struct {
	Source    string    `parquet:"-"`
	RecordKey string    `parquet:"record_key"`
	Email     string    `parquet:"email" cdpkit:"scheme=meta-sha256-v1"`
	Phone     string    `parquet:"phone" cdpkit:"scheme=meta-sha256-v1"`
	FirstName string    `parquet:"fn" cdpkit:"scheme=meta-sha256-v1"`
	LastName  string    `parquet:"ln" cdpkit:"scheme=meta-sha256-v1"`
	Zip       string    `parquet:"zip" cdpkit:"scheme=meta-sha256-v1"`
	Country   string    `parquet:"country,dict" cdpkit:"scheme=meta-sha256-v1"`
	SeenAt    time.Time `parquet:"seen_at,timestamp(millisecond)"`
}

// Profile is one person in the curated zone, after survivorship: for each
// key, the most recently seen value.
type Profile struct {
	PersonID    string    `parquet:"person_id"`
	HashedEmail string    `parquet:"hashed_email" cdpkit:"scheme=meta-sha256-v1"`
	HashedPhone string    `parquet:"hashed_phone" cdpkit:"scheme=meta-sha256-v1"`
	FirstName   string    `parquet:"fn" cdpkit:"scheme=meta-sha256-v1"`
	LastName    string    `parquet:"ln" cdpkit:"scheme=meta-sha256-v1"`
	Zip         string    `parquet:"zip" cdpkit:"scheme=meta-sha256-v1"`
	Country     string    `parquet:"country,dict" cdpkit:"scheme=meta-sha256-v1"`
	Sources     string    `parquet:"sources,dict"`
	Records     int64     `parquet:"records"`
	Segment     string    `parquet:"segment,dict"`
	FirstSeen   time.Time `parquet:"first_seen,timestamp(millisecond)"`
	LastSeen    time.Time `parquet:"last_seen,timestamp(millisecond)"`
}

// The schema every contact is hashed under, in Meta's order.
var contactKeys = []hashing.Key{hashing.Email, hashing.Phone, hashing.FirstName, hashing.LastName, hashing.Zip, hashing.Country}

// source is one input feed and how its columns map to hashing keys.
type source struct {
	name, file string
	data       []byte
	jsonLines  bool
	keyColumn  string
	timeColumn string
	columns    map[hashing.Key]string
}

// services are the AWS and Meta endpoints the pipeline talks to: fakes on
// embedded defaults, real clients when configured.
type services struct {
	store      *zones.Store
	glue       catalog.GlueAPI
	cleanrooms cleanroom.CleanRoomsAPI
	membership string // the Clean Rooms membership the profiles are shared in
	receiver   string // the account that may receive query results
	roleARN    string // the role Clean Rooms assumes to read the table
	audiences  *meta.Client
	adAccount  string
}

// summary is what a run did, in numbers (never values).
type summary struct {
	RawNew, RawExisting         int
	RowsRead, RowsClean         int64
	LinesQuarantined            int64
	CellsRejected               map[string]int
	GlueTablesCreated           int
	PartitionsAdded             int
	Records, Persons, Linked    int
	LargestCluster              int
	DegreeCapped                int
	SegmentSize                 int
	CleanRoomChanges            int
	AudienceRowsSent            int64
	AudienceSize                int64
	ProfilesWritten             int64
	DatasetFilesRemovedAsStale  int
	CleanRoomValidationWarnings int
}

func feeds(in inputs) []source {
	return []source{
		{name: "crm", file: "crm_export.csv", data: in.crm, keyColumn: "customer_id", timeColumn: "updated_at",
			columns: map[hashing.Key]string{hashing.Email: "email", hashing.Phone: "phone", hashing.FirstName: "first_name",
				hashing.LastName: "last_name", hashing.Zip: "zip", hashing.Country: "country"}},
		{name: "web", file: "signups.jsonl", data: in.web, jsonLines: true, keyColumn: "user_id", timeColumn: "signed_up",
			columns: map[hashing.Key]string{hashing.Email: "email"}},
		{name: "callcenter", file: "calls.csv", data: in.callLogs, keyColumn: "call_id", timeColumn: "called_at",
			columns: map[hashing.Key]string{hashing.Phone: "caller_phone", hashing.FirstName: "caller_first", hashing.LastName: "caller_last"}},
	}
}

// run is the whole flow of DESIGN.md: raw → clean (+ quarantine) → catalog →
// identity → curated profiles and a segment → Clean Rooms → Meta.
func run(ctx context.Context, svc services, in inputs, out io.Writer) (summary, error) {
	sum := summary{CellsRejected: map[string]int{}}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	// 1. Raw zone: each original lands unchanged, content-addressed.
	say("== 1. raw zone")
	raws := map[string]zones.RawObject{}
	for _, src := range feeds(in) {
		raw, err := svc.store.PutRaw(ctx, src.name, src.file, bytes.NewReader(src.data))
		if err != nil {
			return sum, fmt.Errorf("ingest %s: %w", src.name, err)
		}
		raws[src.name] = raw
		state := "stored"
		if raw.Existing {
			state, sum.RawExisting = "already there", sum.RawExisting+1
		} else {
			sum.RawNew++
		}
		say("%-10s %7d bytes  %s  (%s)", src.name, raw.Size, raw.Key, state)
	}

	// 2. Clean zone: parse, normalize and hash per field; write Parquet.
	// Malformed lines and rejected cells go to quarantine with reasons.
	say("== 2. clean zone (hashing %s)", hashing.SchemeMeta)
	hasher, err := hashing.New(hashing.WithCountry("US"))
	if err != nil {
		return sum, err
	}
	contacts, err := contactsDataset(svc.store)
	if err != nil {
		return sum, err
	}
	for _, src := range feeds(in) {
		res, rejected, err := clean(ctx, svc.store, hasher, contacts, src, raws[src.name].Key, &sum)
		if err != nil {
			return sum, fmt.Errorf("clean %s: %w", src.name, err)
		}
		sum.RowsClean += res.Rows
		sum.DatasetFilesRemovedAsStale += len(res.Removed)
		say("%-10s %5d rows → %d file(s), %d rejection(s) quarantined", src.name, res.Rows, len(res.Files), rejected)
	}
	keys := slices.Sorted(maps.Keys(sum.CellsRejected))
	for _, k := range keys {
		say("           rejected cells %-22s %d", k, sum.CellsRejected[k])
	}

	// 3. Catalog: the clean dataset as a Glue table with one partition per source.
	say("== 3. catalog")
	reg := catalog.New(svc.glue)
	if err := register(ctx, reg, "cdp_clean", "contacts", contacts.Schema(), [][]string{{"crm"}, {"web"}, {"callcenter"}}, &sum, say); err != nil {
		return sum, err
	}

	// 4. Identity: link the hashed contacts into persons.
	say("== 4. identity")
	byRef := map[identity.RecordRef]Contact{}
	res, err := identity.Resolve(ctx, identityRecords(ctx, contacts, byRef), func(o *identity.Options) {
		o.Rules = []identity.Rule{
			{Name: "email", Kinds: []string{"EMAIL"}},
			{Name: "phone+name", Kinds: []string{"PHONE", "FN", "LN"}},
		}
		// One address typed by many unrelated sign-ups must not merge them.
		o.DegreeCap = map[string]int{"EMAIL": 5}
		o.Bounds = identity.Bounds{MaxLargestCluster: 50}
	})
	if err != nil {
		return sum, err
	}
	st := res.Stats()
	sum.Records, sum.Persons, sum.LargestCluster = st.Records, st.Persons, st.LargestCluster
	sum.Linked = st.Persons - st.Singletons
	for _, n := range st.DegreeCapped {
		sum.DegreeCapped += n
	}
	say("%d records → %d persons (%d of them with several records, largest %d), linkage %.0f%%, %d value(s) over the degree cap",
		st.Records, st.Persons, sum.Linked, st.LargestCluster, 100*st.LinkageRate, sum.DegreeCapped)
	for _, r := range slices.Sorted(maps.Keys(st.Links)) {
		say("           links by rule %-12s %d", r, st.Links[r])
	}

	// 5. Curated zone: one profile per person and the segment to share.
	say("== 5. curated zone")
	profiles := buildProfiles(res, byRef)
	curated, err := dataset.New[Profile](svc.store, zones.Curated, "profiles")
	if err != nil {
		return sum, err
	}
	wr, err := curated.Write(ctx, "identity-run", dataset.Slice(profiles))
	if err != nil {
		return sum, err
	}
	sum.ProfilesWritten = wr.Rows
	var segment []Profile
	for _, p := range profiles {
		if p.Segment == "multi_source" && p.HashedEmail != "" {
			segment = append(segment, p)
		}
	}
	sum.SegmentSize = len(segment)
	say("%d profiles written; segment multi_source with email: %d persons", wr.Rows, len(segment))
	if err := register(ctx, reg, "cdp_curated", "profiles", curated.Schema(), nil, &sum, say); err != nil {
		return sum, err
	}

	// 6. Clean Rooms: share the profiles for overlap counts only.
	say("== 6. clean rooms")
	if err := share(ctx, svc, curated.Schema(), &sum, say); err != nil {
		return sum, err
	}

	// 7. Meta: activate the segment as a Custom Audience.
	say("== 7. meta custom audience")
	if err := activate(ctx, svc, segment, &sum, say); err != nil {
		return sum, err
	}

	say("== lake")
	for _, z := range zones.Zones() {
		n := 0
		for _, err := range svc.store.Objects(ctx, z, "") {
			if err != nil {
				return sum, err
			}
			n++
		}
		say("%-10s %d object(s)", z, n)
	}
	return sum, nil
}

// contactsDataset is the clean-zone dataset of contacts, partitioned by source.
func contactsDataset(store *zones.Store) (*dataset.Dataset[Contact], error) {
	return dataset.New[Contact](store, zones.Clean, "contacts", func(o *dataset.Options[Contact]) {
		o.PartitionKeys = []string{"source"}
		o.Partition = func(c Contact) []string { return []string{c.Source} }
	})
}

// clean streams one raw file through the parser and the hasher into the
// contacts dataset. Rows are never held in memory all at once.
func clean(ctx context.Context, store *zones.Store, h *hashing.Hasher, ds *dataset.Dataset[Contact], src source, rawKey string, sum *summary) (dataset.WriteResult, int64, error) {
	body, err := store.Get(ctx, zones.Raw, rawKey)
	if err != nil {
		return dataset.WriteResult{}, 0, err
	}
	defer body.Close()
	q, err := store.NewRejectWriter("contacts", rawKey)
	if err != nil {
		return dataset.WriteResult{}, 0, err
	}
	defer q.Discard()
	var recs iter.Seq2[records.Record, error]
	if src.jsonLines {
		recs = records.JSONLines(ctx, body, rawKey, q)
	} else {
		recs = records.CSV(ctx, body, rawKey, q)
	}
	rows := func(yield func(Contact, error) bool) {
		var hr hashing.Record
		cells := make([]hashing.Cell, 0, len(contactKeys))
		for r, err := range recs {
			if err != nil {
				yield(Contact{}, err)
				return
			}
			sum.RowsRead++
			hr.Reset()
			hr.Row = int(r.Line)
			for k, col := range src.columns {
				if v, ok := r.Get(col); ok {
					hr.Set(k, v)
				}
			}
			var errs []*hashing.Error
			cells, errs = h.HashRow(cells[:0], contactKeys, &hr)
			for _, e := range errs {
				if errors.Is(e, hashing.ErrWarning) {
					continue // kept, e.g. a phone with no country
				}
				sum.CellsRejected[string(e.Key)+" "+string(e.Reason)]++
				if err := q.Add(zones.Rejection{File: rawKey, Line: r.Line, Column: src.columns[e.Key], Reason: string(e.Reason)}); err != nil {
					yield(Contact{}, err)
					return
				}
			}
			key, _ := r.Get(src.keyColumn)
			seen, _ := r.Get(src.timeColumn)
			t, _ := time.Parse(time.RFC3339, seen)
			c := Contact{Source: src.name, RecordKey: key, SeenAt: t.UTC(),
				Email: cells[0].Value(), Phone: cells[1].Value(), FirstName: cells[2].Value(),
				LastName: cells[3].Value(), Zip: cells[4].Value(), Country: cells[5].Value()}
			if !yield(c, nil) {
				return
			}
		}
	}
	res, err := ds.Write(ctx, rawKey, rows)
	if err != nil {
		return res, 0, err
	}
	n := q.Len()
	if _, err := q.Commit(ctx); err != nil {
		return res, 0, err
	}
	sum.LinesQuarantined += n
	return res, n, nil
}

// identityRecords reads the clean dataset back, file by file (the source is
// a partition value, so it comes from the file's path), as identity records.
func identityRecords(ctx context.Context, ds *dataset.Dataset[Contact], byRef map[identity.RecordRef]Contact) iter.Seq2[identity.Record, error] {
	return func(yield func(identity.Record, error) bool) {
		for f, err := range ds.Files(ctx) {
			if err != nil {
				yield(identity.Record{}, err)
				return
			}
			for c, err := range ds.ReadFile(ctx, f.Key) {
				if err != nil {
					yield(identity.Record{}, err)
					return
				}
				c.Source = f.Partition["source"]
				rec := identity.Record{Source: c.Source, Key: c.RecordKey, Time: c.SeenAt}
				for _, id := range []identity.Identifier{{Kind: "EMAIL", Value: c.Email}, {Kind: "PHONE", Value: c.Phone},
					{Kind: "FN", Value: c.FirstName}, {Kind: "LN", Value: c.LastName}} {
					if id.Value != "" {
						rec.Identifiers = append(rec.Identifiers, id)
					}
				}
				byRef[rec.Ref()] = c
				if !yield(rec, nil) {
					return
				}
			}
		}
	}
}

// buildProfiles applies survivorship: per key, the most recently seen
// non-empty value among the person's records.
func buildProfiles(res *identity.Result, byRef map[identity.RecordRef]Contact) []Profile {
	var out []Profile
	for p := range res.Persons() {
		members := res.Members(p.ID)
		cs := make([]Contact, 0, len(members))
		for _, m := range members {
			cs = append(cs, byRef[m])
		}
		slices.SortFunc(cs, func(a, b Contact) int {
			return cmp.Or(b.SeenAt.Compare(a.SeenAt), strings.Compare(a.Source, b.Source), strings.Compare(a.RecordKey, b.RecordKey))
		})
		latest := func(get func(Contact) string) string {
			for _, c := range cs {
				if v := get(c); v != "" {
					return v
				}
			}
			return ""
		}
		pr := Profile{
			PersonID:    p.ID,
			HashedEmail: latest(func(c Contact) string { return c.Email }),
			HashedPhone: latest(func(c Contact) string { return c.Phone }),
			FirstName:   latest(func(c Contact) string { return c.FirstName }),
			LastName:    latest(func(c Contact) string { return c.LastName }),
			Zip:         latest(func(c Contact) string { return c.Zip }),
			Country:     latest(func(c Contact) string { return c.Country }),
			Sources:     strings.Join(p.Sources, ","),
			Records:     int64(p.Size),
			Segment:     "single_source",
			FirstSeen:   p.FirstSeen.UTC(),
			LastSeen:    p.LastSeen.UTC(),
		}
		if len(p.Sources) > 1 {
			pr.Segment = "multi_source"
		}
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b Profile) int { return strings.Compare(a.PersonID, b.PersonID) })
	return out
}

// register makes the Glue table for a dataset (and its partitions). On a
// rerun with the same schema it makes no write.
func register(ctx context.Context, reg *catalog.Registrar, db, table string, s dataset.Schema, partitions [][]string, sum *summary, say func(string, ...any)) error {
	if _, err := reg.EnsureDatabase(ctx, catalog.Database{Name: db}); err != nil {
		return err
	}
	cs := catalog.Schema{
		Location:    s.Location,
		Compression: catalog.Compression(s.Compression),
		Description: "written by cdpkit examples/pipeline",
		Parameters:  s.Parameters,
	}
	for _, c := range s.Columns {
		cs.Columns = append(cs.Columns, catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment})
	}
	for _, c := range s.PartitionKeys {
		cs.PartitionKeys = append(cs.PartitionKeys, catalog.Column{Name: c.Name, Type: c.Type, Comment: c.Comment})
	}
	ch, err := reg.EnsureTable(ctx, db, table, cs)
	if err != nil {
		return err
	}
	state := "unchanged"
	switch {
	case ch.Created:
		state = "created"
		sum.GlueTablesCreated++
	case ch.Updated:
		state = "updated"
	}
	line := fmt.Sprintf("glue table %s.%s %s (%d columns", db, table, state, len(cs.Columns))
	if len(partitions) > 0 {
		parts := make([]catalog.Partition, len(partitions))
		for i, v := range partitions {
			parts[i] = catalog.Partition{Values: v}
		}
		pr, err := reg.AddPartitions(ctx, db, table, parts)
		if err != nil {
			return err
		}
		sum.PartitionsAdded += pr.Added
		line += fmt.Sprintf(", partitions: %d added, %d existing", pr.Added, pr.Existing)
	}
	say("%s)", line)
	return nil
}

// share configures the curated profiles table in Clean Rooms for overlap
// counts on hashed email: at least 100 people behind every output row.
func share(ctx context.Context, svc services, s dataset.Schema, sum *summary, say func(string, ...any)) error {
	glueColumns := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		glueColumns[i] = c.Name
	}
	spec := cleanroom.TableSpec{
		Key: "cdp-profiles",
		Table: cleanroom.Table{
			Name: "CDP profiles (hashed)", Database: "cdp_curated", Table: "profiles",
			AllowedColumns: []string{"hashed_email", "segment"},
		},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"hashed_email"}}},
			JoinColumns:       []string{"hashed_email"},
			JoinRequired:      true,
			DimensionColumns:  []string{"segment"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "hashed_email", Minimum: 100}},
		},
		Association: &cleanroom.Association{MembershipID: svc.membership, Name: "cdp_profiles", RoleARN: svc.roleARN},
		AssociationRule: &cleanroom.AssociationRule{
			ResultReceivers: []string{svc.receiver},
		},
		GlueColumns: glueColumns,
	}
	problems := spec.Validate()
	sum.CleanRoomValidationWarnings = len(problems.Warnings())
	if errs := problems.Errors(); len(errs) > 0 {
		for _, p := range errs {
			say("  %v", p)
		}
		return fmt.Errorf("clean rooms spec has %d error(s)", len(errs))
	}
	say("rule validated locally: 0 errors, %d warning(s)", len(problems.Warnings()))
	res, err := cleanroom.New(svc.cleanrooms).Ensure(ctx, spec)
	if err != nil {
		return err
	}
	sum.CleanRoomChanges = len(res.Changes)
	if len(res.Changes) == 0 {
		say("configured table, rule and association already as wanted: no change")
	}
	for _, c := range res.Changes {
		say("%v", c)
	}
	return nil
}

// activate uploads the segment to a new customer-file audience.
func activate(ctx context.Context, svc services, segment []Profile, sum *summary, say func(string, ...any)) error {
	schema := meta.Schema(contactKeys)
	rows := func(yield func([]hashing.Cell, error) bool) {
		for _, p := range segment {
			row := make([]hashing.Cell, 0, len(schema))
			for i, v := range []string{p.HashedEmail, p.HashedPhone, p.FirstName, p.LastName, p.Zip, p.Country} {
				c, err := hashing.CellFromDigest(contactKeys[i], v)
				if err != nil {
					yield(nil, err)
					return
				}
				row = append(row, c)
			}
			if !yield(row, nil) {
				return
			}
		}
	}
	audience, err := svc.audiences.CreateAudience(ctx, svc.adAccount, meta.AudienceSpec{
		Name: "cdpkit multi-source customers", Description: "persons seen in two or more sources",
	})
	if err != nil {
		return err
	}
	res, err := meta.NewUploader(svc.audiences).Add(ctx, audience, schema, rows)
	if err != nil {
		return err
	}
	sum.AudienceRowsSent = res.RowsSent
	say("audience created; %d rows sent in %d batch(es), %d received by Meta, %d invalid, %d retried",
		res.RowsSent, res.Batches, res.NumReceived, res.NumInvalidEntries, res.BatchesRetried)
	return nil
}
