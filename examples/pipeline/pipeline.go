package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/hashing"
	"github.com/cdpkit/cdpkit/identity"
	"github.com/cdpkit/cdpkit/profile"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/records"
)

// Contact is one source row in the clean zone: hashed identifiers only. The
// source is the Hive partition (source=crm/), not a column of the files.
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

// The schema every contact is hashed under, in Meta's order, and the
// Contact column of each key.
var (
	contactKeys    = []hashing.Key{hashing.Email, hashing.Phone, hashing.FirstName, hashing.LastName, hashing.Zip, hashing.Country}
	contactColumns = []string{"email", "phone", "fn", "ln", "zip", "country"}
)

// The segment activated on Meta: persons seen in two sources or more, with
// an email.
const segment = "multi_source"

var spec = profile.Spec{Segments: []profile.Segment{{Name: segment, Text: `exists id.EMAIL and (
	exists records.crm and exists records.web or exists records.crm and exists records.callcenter or
	exists records.web and exists records.callcenter)`}}}

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
// embedded defaults, real clients with -live.
type services struct {
	store      *zones.Store
	glue       catalog.GlueAPI
	cleanrooms cleanroom.CleanRoomsAPI
	membership string // the Clean Rooms membership the identifiers are shared in
	receiver   string // the account that may receive query results
	roleARN    string // the role Clean Rooms assumes to read the table
	audiences  *meta.Client
	adAccount  string
	runAt      time.Time // profiles' "now": fixed on embedded defaults, so reruns are byte-identical
}

// summary is what a run did, in numbers (never values).
type summary struct {
	RawNew, RawExisting int
	RowsRead, RowsClean int64
	LinesQuarantined    int64
	CellsRejected       map[string]int
	GlueTablesCreated   int
	PartitionsAdded     int
	Records, Persons    int
	RecordsRejected     int
	ProfileRowsRejected int
	SegmentSize         int
	CleanRoomChanges    int
	AudienceRowsSent    int64
	AudienceRejected    int64
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

// run is the whole flow: raw → clean (+ quarantine) → catalog → identity →
// curated profiles and a segment → Clean Rooms → Meta. Nothing is held in
// memory whole: each step streams the previous step's dataset.
func run(ctx context.Context, svc services, in inputs, out io.Writer) (summary, error) {
	sum := summary{CellsRejected: map[string]int{}}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	say("== 1-2. raw and clean zones (hashing %s)", hashing.SchemeMeta)
	contacts, err := dataset.New[Contact](svc.store, zones.Clean, "contacts", func(o *dataset.Options[Contact]) {
		o.PartitionKeys = []string{"source"}
		o.Partition = func(c Contact) []string { return []string{c.Source} }
		o.SetPartition = func(c *Contact, v []string) { c.Source = v[0] }
	})
	if err != nil {
		return sum, err
	}
	hasher, err := hashing.New(hashing.WithCountry("US"))
	if err != nil {
		return sum, err
	}
	for _, src := range feeds(in) {
		raw, err := svc.store.PutRaw(ctx, src.name, src.file, bytes.NewReader(src.data))
		if err != nil {
			return sum, fmt.Errorf("ingest %s: %w", src.name, err)
		}
		if raw.Existing {
			sum.RawExisting++
		} else {
			sum.RawNew++
		}
		say("%-10s %7d bytes  %s  (existing: %v)", src.name, raw.Size, raw.Key, raw.Existing)
		res, rejected, err := clean(ctx, svc.store, hasher, contacts, src, raw.Key, &sum)
		if err != nil {
			return sum, fmt.Errorf("clean %s: %w", src.name, err)
		}
		sum.RowsClean += res.Rows
		say("           %d clean rows → %d file(s), %d rejection(s) quarantined", res.Rows, len(res.Files), rejected)
	}
	for _, k := range slices.Sorted(maps.Keys(sum.CellsRejected)) {
		say("           rejected cells %-22s %d", k, sum.CellsRejected[k])
	}

	say("== 3. catalog")
	reg := catalog.New(svc.glue)
	if _, err := reg.EnsureDatabase(ctx, catalog.Database{Name: "cdp_clean"}); err != nil {
		return sum, err
	}
	dr, err := reg.RegisterDataset(ctx, "cdp_clean", "contacts", contacts)
	if err != nil {
		return sum, err
	}
	sum.PartitionsAdded += dr.Partitions.Added
	if dr.Table.Created {
		sum.GlueTablesCreated++
	}
	say("cdp_clean.contacts created=%v updated=%v, partitions %d added %d existing", dr.Table.Created, dr.Table.Updated, dr.Partitions.Added, dr.Partitions.Existing)

	say("== 4. identity")
	cols := identity.Columns{SourceColumn: "Source", KeyColumn: "record_key", TimeColumn: "seen_at",
		Identifiers: map[string]string{"email": "EMAIL", "phone": "PHONE", "fn": "FN", "ln": "LN"}}
	ids, err := identity.Resolve(ctx, identity.RecordsFromRows(contacts.Rows(ctx), cols), func(o *identity.Options) {
		o.Rules = []identity.Rule{{Name: "email", Kinds: []string{"EMAIL"}}, {Name: "phone+name", Kinds: []string{"PHONE", "FN", "LN"}}}
		o.DegreeCap = map[string]int{"EMAIL": 5} // one address typed by many sign-ups merges none of them
		o.Bounds = identity.Bounds{MaxLargestCluster: 50}
	})
	if err != nil {
		return sum, err
	}
	st := ids.Stats()
	sum.Records, sum.Persons, sum.RecordsRejected = st.Records, st.Persons, len(ids.Rejected())
	if _, err := ids.WriteTo(ctx, svc.store, zones.Curated, "identity"); err != nil {
		return sum, err
	}
	say("%d records → %d persons (largest %d), linkage %.0f%%, %d record(s) rejected; outputs in curated/identity/",
		st.Records, st.Persons, st.LargestCluster, 100*st.LinkageRate, sum.RecordsRejected)

	say("== 5. curated zone")
	b, err := profile.NewBuilder(spec, func(o *profile.Options) { o.RunAt = svc.runAt })
	if err != nil {
		return sum, err
	}
	defer b.Close()
	built, err := b.Build(ctx, ids.Assignments(), profile.DatasetRows(ctx, contacts, profileRow))
	if err != nil {
		return sum, err
	}
	sum.SegmentSize, sum.ProfileRowsRejected = built.Stats().Segments[segment], built.Stats().Rejected
	curated, err := profile.NewDatasets(svc.store, "")
	if err != nil {
		return sum, err
	}
	written, err := curated.Write(ctx, built)
	if err != nil {
		return sum, err
	}
	if err := curated.Register(ctx, reg, "cdp_curated", written); err != nil {
		return sum, err
	}
	say("%d profiles, %d identifiers, segment %s: %d persons; %d row(s) rejected", written.Profiles.Rows,
		written.Identifiers.Rows, segment, sum.SegmentSize, sum.ProfileRowsRejected)

	say("== 6. clean rooms")
	if err := share(ctx, svc, curated.Identifiers.Schema(), &sum, say); err != nil {
		return sum, err
	}

	say("== 7. meta custom audience")
	if err := activate(ctx, svc, built, &sum, say); err != nil {
		return sum, err
	}
	return sum, nil
}

// clean streams one raw file through the parser and the hasher into the
// contacts dataset. Malformed lines, rejected cells and unreadable times go
// to quarantine with their line and reason (never the value).
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
	parse := records.CSV
	if src.jsonLines {
		parse = records.JSONLines
	}
	rows := func(yield func(Contact, error) bool) {
		for r, err := range hashing.RowsFrom(ctx, h, contactKeys, src.columns, parse(ctx, body, rawKey, q), 0) {
			if err != nil {
				yield(Contact{}, err)
				return
			}
			sum.RowsRead++
			var rejects []zones.Rejection
			for _, e := range r.Errs {
				if !errors.Is(e, hashing.ErrWarning) { // warnings keep the value
					sum.CellsRejected[string(e.Key)+" "+string(e.Reason)]++
					rejects = append(rejects, zones.Rejection{Line: r.Source.Line, Column: src.columns[e.Key], Reason: string(e.Reason)})
				}
			}
			key, _ := r.Source.Get(src.keyColumn)
			seen, _ := r.Source.Get(src.timeColumn)
			t, err := time.Parse(time.RFC3339, seen)
			if err != nil {
				rejects = append(rejects, zones.Rejection{Line: r.Source.Line, Column: src.timeColumn, Reason: "time_format"})
			}
			for _, rj := range rejects {
				rj.File = rawKey
				if err := q.Add(rj); err != nil {
					yield(Contact{}, err)
					return
				}
			}
			c := r.Cells
			if !yield(Contact{Source: src.name, RecordKey: key, SeenAt: t.UTC(), Email: c[0].Value(), Phone: c[1].Value(),
				FirstName: c[2].Value(), LastName: c[3].Value(), Zip: c[4].Value(), Country: c[5].Value()}, nil) {
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

// profileRow gives profile a contact's hashed identifiers.
func profileRow(c Contact) (profile.Row, error) {
	r := profile.Row{Source: c.Source, Key: c.RecordKey, Time: c.SeenAt}
	for i, v := range []string{c.Email, c.Phone, c.FirstName, c.LastName, c.Zip, c.Country} {
		if v != "" {
			cell, err := hashing.CellFromDigest(contactKeys[i], v)
			if err != nil {
				return r, fmt.Errorf("contact %s/%s column %s: %w", c.Source, c.RecordKey, contactColumns[i], err)
			}
			r.Identifiers = append(r.Identifiers, cell)
		}
	}
	return r, nil
}

// share configures the curated identifiers table in Clean Rooms for overlap
// counts on hashed identifiers: at least 100 people behind every output row.
func share(ctx context.Context, svc services, s dataset.Schema, sum *summary, say func(string, ...any)) error {
	var glueColumns []string
	for _, c := range s.Columns {
		glueColumns = append(glueColumns, c.Name)
	}
	spec := cleanroom.TableSpec{
		Key:   "cdp-identifiers",
		Table: cleanroom.Table{Name: "CDP identifiers (hashed)", Database: "cdp_curated", Table: "profile_identifiers", AllowedColumns: []string{"value", "key"}},
		Rule: cleanroom.Aggregation{
			Aggregates:        []cleanroom.Aggregate{{Function: types.AggregateFunctionNameCountDistinct, Columns: []string{"value"}}},
			JoinColumns:       []string{"value"},
			JoinRequired:      true,
			DimensionColumns:  []string{"key"},
			OutputConstraints: []cleanroom.OutputConstraint{{Column: "value", Minimum: 100}},
		},
		Association:     &cleanroom.Association{MembershipID: svc.membership, Name: "cdp_identifiers", RoleARN: svc.roleARN},
		AssociationRule: &cleanroom.AssociationRule{ResultReceivers: []string{svc.receiver}},
		GlueColumns:     glueColumns,
	}
	problems := spec.Validate()
	for _, p := range problems.Warnings() {
		say("warning: %v", p)
	}
	if errs := problems.Errors(); len(errs) > 0 {
		for _, p := range errs {
			say("error: %v", p)
		}
		return fmt.Errorf("clean rooms spec has %d error(s)", len(errs))
	}
	res, err := cleanroom.New(svc.cleanrooms).Ensure(ctx, spec)
	if err != nil {
		return err
	}
	sum.CleanRoomChanges = len(res.Changes)
	say("rule validated locally; %d change(s) applied", len(res.Changes))
	for _, c := range res.Changes {
		say("  %v", c)
	}
	return nil
}

// activate replaces the members of the segment's audience (found again by
// name on a rerun), with a checkpoint in the lake so a stopped upload resumes.
func activate(ctx context.Context, svc services, built *profile.Result, sum *summary, say func(string, ...any)) error {
	audience, created, err := svc.audiences.EnsureAudience(ctx, svc.adAccount, meta.AudienceSpec{
		Name: "cdpkit " + segment, Description: "persons seen in two or more sources"})
	if err != nil {
		return err
	}
	up := meta.NewUploader(svc.audiences, func(o *meta.Options) {
		o.Checkpoint = meta.NewStoreCheckpoint(svc.store, zones.Curated, "_checkpoints/meta")
	})
	res, err := up.Replace(ctx, audience, built.AudienceSchema(), built.AudienceRows(ctx, segment))
	if res != nil {
		sum.AudienceRowsSent, sum.AudienceRejected = res.RowsSent, res.RowsRejected
	}
	if err != nil {
		return err
	}
	for _, r := range res.Rejects {
		say("  row %d not sent: %s", r.Row, r.Reason)
	}
	say("audience %s (created: %v): %d rows sent in %d batch(es), %d rejected, %d invalid at Meta",
		audience, created, res.RowsSent, res.Batches, res.RowsRejected, res.NumInvalidEntries)
	return nil
}
