package catalog

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/internal/hive"
)

// Defaults for Options.
const (
	DefaultMaxAttempts = 8
	DefaultConcurrency = 4
	// Glue's batch limits: BatchCreatePartition and BatchUpdatePartition
	// take 100 items, BatchGetPartition 1000 keys, BatchDeletePartition 25,
	// BatchDeleteTableVersion 100 version ids.
	MaxCreateBatch        = 100
	MaxUpdateBatch        = 100
	MaxGetBatch           = 1000
	MaxDeleteBatch        = 25
	MaxVersionDeleteBatch = 100
	// HiveDefaultPartition is the value and path segment Hive uses for a
	// null or empty partition value.
	HiveDefaultPartition = hive.DefaultPartition
)

// Options configure a Registrar. The zero value of every field means its
// default. Per-call option functions apply to a copy.
type Options struct {
	// CatalogID is the Glue catalog (AWS account id). Empty means the
	// caller's account.
	CatalogID string
	// ArchiveVersions makes UpdateTable archive the previous table version.
	// The default (false) sends SkipArchive=true, so frequent schema updates
	// cannot exhaust Glue's per-table version quota.
	ArchiveVersions bool
	// AllowTypeChanges lets EnsureTable change the type of an existing
	// column. By default a type change is a *SchemaError.
	AllowTypeChanges bool
	// MissingColumns says what happens to table columns absent from the
	// requested schema. The default is MissingColumnsError.
	MissingColumns MissingColumns
	// AllowLocationChange lets EnsureTable move the table to a new
	// Location. By default a different location is a *SchemaError.
	AllowLocationChange bool
	// RelocatePartitions makes AddPartitions move a partition that already
	// exists at another location to the requested one (BatchUpdatePartition,
	// batches of MaxUpdateBatch) instead of reporting a LocationMismatch
	// failure. This is how a rewritten partition is committed by switching
	// its location: write the new files under a new prefix, then relocate;
	// readers see the old files or the new ones, never a mix.
	RelocatePartitions bool
	// MaxAttempts bounds the attempts of one Glue write (and of the
	// read-merge-write cycle of EnsureTable) on ConcurrentModification,
	// throttling and transient faults. Zero means DefaultMaxAttempts. These
	// attempts come on top of the SDK client's own retries (3 by default
	// for throttling and faults, none for ConcurrentModification).
	MaxAttempts int
	// Backoff returns the wait before attempt n+1 (n >= 1). Nil means
	// DefaultBackoff. Waits end early when the context is done.
	Backoff func(n int) time.Duration
	// Concurrency bounds the partition batches in flight. Zero means
	// DefaultConcurrency.
	Concurrency int
	// Logger receives debug events (retries, batch counts; never values).
	// Nil discards them.
	Logger *slog.Logger
}

// DefaultBackoff is exponential from 100ms, capped at 5s, with jitter over
// the upper half of each step.
func DefaultBackoff(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < 5*time.Second; i++ {
		d *= 2
	}
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

// Registrar creates and evolves Glue databases, tables and partitions for
// Parquet datasets. It is safe for concurrent use; it holds no state besides
// its client and options.
type Registrar struct {
	api  GlueAPI
	opts Options
}

// New returns a Registrar over api (a *glue.Client or catalogtest.Glue).
func New(api GlueAPI, optFns ...func(*Options)) *Registrar {
	r := &Registrar{api: api}
	for _, fn := range optFns {
		fn(&r.opts)
	}
	return r
}

func (r *Registrar) options(optFns []func(*Options)) *Options {
	o := r.opts
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &o
}

func (o *Options) catalogID() *string {
	if o.CatalogID == "" {
		return nil
	}
	return aws.String(o.CatalogID)
}

// wait sleeps for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transient reports whether a retry of the same request may succeed.
func transient(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		// A connection the HTTP transport closed while the response was
		// read; the SDK's standard retryer retries it too.
		return true
	}
	switch kindOf(err) {
	case ErrThrottled, ErrUnavailable, ErrConflict:
		return true
	}
	return false
}

// retry calls fn until it succeeds, fails for good, or runs out of
// attempts, waiting o.Backoff between attempts.
func retry(ctx context.Context, o *Options, op string, fn func() error) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn()
		if err == nil || !transient(err) || n >= o.MaxAttempts || errors.As(err, new(conflictError)) {
			return err
		}
		d := o.Backoff(n)
		o.Logger.DebugContext(ctx, "catalog: retrying", "op", op, "attempt", n, "wait", d, "kind", kindOf(err))
		if werr := wait(ctx, d); werr != nil {
			return errors.Join(werr, err)
		}
	}
}

// Database is a Glue database.
type Database struct {
	Name        string
	Description string
	// LocationURI is the database's default location (optional).
	LocationURI string
	Parameters  map[string]string
}

// EnsureDatabase creates the database unless it exists. It reads first, so a
// rerun makes no write call; an existing database is left as it is. It
// reports whether it created the database.
func (r *Registrar) EnsureDatabase(ctx context.Context, db Database, optFns ...func(*Options)) (created bool, err error) {
	const op = "ensure database"
	o := r.options(optFns)
	if err := ValidateName("database", db.Name); err != nil {
		return false, newError(op, db.Name, "", err)
	}
	if reason := glueText(db.Description, maxDescriptionLen); reason != "" {
		return false, newError(op, db.Name, "", &InputError{Field: "description", Index: -1, Reason: reason})
	}
	if err := validateParams("parameter", db.Parameters); err != nil {
		return false, newError(op, db.Name, "", err)
	}
	err = retry(ctx, o, op, func() error {
		_, err := r.api.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db.Name), CatalogId: o.catalogID()})
		return err
	})
	if err == nil {
		return false, nil
	}
	if kindOf(err) != ErrNotFound {
		return false, newError(op, db.Name, "", err)
	}
	in := &types.DatabaseInput{Name: aws.String(db.Name), Parameters: maps.Clone(db.Parameters)}
	if db.Description != "" {
		in.Description = aws.String(db.Description)
	}
	if db.LocationURI != "" {
		in.LocationUri = aws.String(db.LocationURI)
	}
	err = retry(ctx, o, op, func() error {
		_, err := r.api.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: in, CatalogId: o.catalogID()})
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case kindOf(err) == ErrAlreadyExists: // lost a race with another creator
		return false, nil
	}
	return false, newError(op, db.Name, "", err)
}

// TableChange says what EnsureTable did.
type TableChange struct {
	Created bool
	Updated bool
	// AddedColumns lists the columns appended to an existing table.
	AddedColumns []string
	// Attempts is the number of read-merge-write cycles (more than 1 when a
	// concurrent writer forced a re-read).
	Attempts int
}

// EnsureTable makes db.name a Parquet table matching s, creating it or
// evolving it:
//   - absent: CreateTable with the definition of [Schema.TableInput];
//   - present and already matching: nothing is written (reruns are free);
//   - present and different: new columns are appended, comments,
//     description, compression and table parameters are updated, and
//     UpdateTable is sent with the VersionId that was read (optimistic
//     concurrency) and SkipArchive=true unless Options.ArchiveVersions.
//
// A type change, a removed column, other partition keys, other bucketing,
// a different location or a non-Parquet table is a *SchemaError
// (ErrIncompatibleSchema) unless the Options allow it (partition keys,
// bucketing and format never change in place). On ConcurrentModificationException the table
// is re-read and the change re-merged, so concurrent writers adding
// different columns all land. Names and types are validated before any call.
func (r *Registrar) EnsureTable(ctx context.Context, db, name string, s Schema, optFns ...func(*Options)) (TableChange, error) {
	const op = "ensure table"
	o := r.options(optFns)
	if err := validateTable(db, name, &s); err != nil {
		return TableChange{}, newError(op, db, name, err)
	}
	var base map[string]bool
	for n := 1; ; n++ {
		ch := TableChange{Attempts: n}
		var cur *types.Table
		err := retry(ctx, o, op, func() error {
			out, err := r.api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String(name), CatalogId: o.catalogID()})
			if err == nil {
				cur = out.Table
			}
			return err
		})
		var werr error
		switch {
		case err != nil && kindOf(err) == ErrNotFound:
			if base == nil {
				// This call saw no table: whatever columns appear before
				// its write were added by someone else and are kept.
				base = map[string]bool{}
			}
			werr = retry(ctx, o, op, func() error {
				_, err := r.api.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: s.TableInput(name), CatalogId: o.catalogID()})
				return err
			})
			if werr == nil {
				ch.Created = true
				return ch, nil
			}
			if kindOf(werr) == ErrNotFound { // the database is missing
				return TableChange{}, newError(op, db, name, werr)
			}
		case err != nil:
			return TableChange{}, newError(op, db, name, err)
		case cur == nil:
			return TableChange{}, newError(op, db, name, errors.New("GetTable returned no table"))
		default:
			if base == nil {
				base = columnSet(cur)
			}
			version := cur.VersionId
			if version == nil {
				o.Logger.DebugContext(ctx, "catalog: table has no VersionId; concurrent updates cannot be detected", "database", db, "table", name)
			}
			in, added, changed, merr := merge(cur, &s, base, o)
			if merr != nil {
				return TableChange{}, newError(op, db, name, merr)
			}
			if !changed {
				return ch, nil
			}
			werr = r.updateTable(ctx, o, db, name, in, version)
			if werr == nil {
				ch.Updated, ch.AddedColumns = true, added
				return ch, nil
			}
		}
		// Lost a create race (AlreadyExists) or an update race
		// (ConcurrentModification): re-read and merge again.
		// (Throttling and faults were already retried by retry; retrying
		// them here too would multiply the attempts.)
		k := kindOf(werr)
		if (k != ErrAlreadyExists && k != ErrConflict) || n >= o.MaxAttempts {
			return TableChange{}, newError(op, db, name, werr)
		}
		d := o.Backoff(n)
		o.Logger.DebugContext(ctx, "catalog: table changed concurrently, re-reading", "database", db, "table", name, "attempt", n, "wait", d)
		if err := wait(ctx, d); err != nil {
			return TableChange{}, newError(op, db, name, errors.Join(err, werr))
		}
	}
}

// updateTable sends one UpdateTable. A ConcurrentModification is returned to
// the caller (which must re-read); throttling is retried here.
func (r *Registrar) updateTable(ctx context.Context, o *Options, db, name string, in *types.TableInput, version *string) error {
	return retry(ctx, o, "update table", func() error {
		_, err := r.api.UpdateTable(ctx, &glue.UpdateTableInput{
			DatabaseName: aws.String(db),
			TableInput:   in,
			VersionId:    version,
			SkipArchive:  aws.Bool(!o.ArchiveVersions),
			CatalogId:    o.catalogID(),
		})
		if kindOf(err) == ErrConflict {
			return conflictError{err}
		}
		return err
	})
}

// conflictError stops retry from resending a stale update: its kind is
// still ErrConflict for the caller, but transient() says no.
type conflictError struct{ error }

func (e conflictError) Unwrap() error { return e.error }

func validateTable(db, name string, s *Schema) error {
	if err := ValidateName("database", db); err != nil {
		return err
	}
	if err := ValidateName("table", name); err != nil {
		return err
	}
	return s.validate()
}

// Table is a Glue table as read back.
type Table struct {
	Database, Name string
	Description    string
	TableType      string
	Columns        []Column
	PartitionKeys  []Column
	Location       string
	InputFormat    string
	Compression    Compression
	// Parameters are all table properties, including the ones this package
	// owns.
	Parameters map[string]string
	VersionID  string
	CreateTime time.Time
	UpdateTime time.Time
}

func tableFrom(t *types.Table) Table {
	out := Table{
		Database:      aws.ToString(t.DatabaseName),
		Name:          aws.ToString(t.Name),
		Description:   aws.ToString(t.Description),
		TableType:     aws.ToString(t.TableType),
		PartitionKeys: fromGlueColumns(t.PartitionKeys),
		Parameters:    maps.Clone(t.Parameters),
		Compression:   Compression(t.Parameters["compressionType"]),
		VersionID:     aws.ToString(t.VersionId),
		CreateTime:    aws.ToTime(t.CreateTime),
		UpdateTime:    aws.ToTime(t.UpdateTime),
	}
	if sd := t.StorageDescriptor; sd != nil {
		out.Columns = fromGlueColumns(sd.Columns)
		out.Location = aws.ToString(sd.Location)
		out.InputFormat = aws.ToString(sd.InputFormat)
	}
	return out
}

// Table reads one table. A missing table or database is ErrNotFound.
func (r *Registrar) Table(ctx context.Context, db, name string, optFns ...func(*Options)) (Table, error) {
	const op = "get table"
	o := r.options(optFns)
	t, err := r.getTable(ctx, o, db, name)
	if err != nil {
		return Table{}, newError(op, db, name, err)
	}
	return tableFrom(t), nil
}

func (r *Registrar) getTable(ctx context.Context, o *Options, db, name string) (*types.Table, error) {
	if err := ValidateName("database", db); err != nil {
		return nil, err
	}
	if err := ValidateName("table", name); err != nil {
		return nil, err
	}
	var t *types.Table
	err := retry(ctx, o, "get table", func() error {
		out, err := r.api.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: aws.String(name), CatalogId: o.catalogID()})
		if err == nil {
			if out.Table == nil {
				return errors.New("GetTable returned no table")
			}
			t = out.Table
		}
		return err
	})
	return t, err
}

// DeleteTable deletes the table definition and its partitions from the
// catalog (an EXTERNAL_TABLE's data stays in S3). A missing table is not an
// error: it reports false.
func (r *Registrar) DeleteTable(ctx context.Context, db, name string, optFns ...func(*Options)) (deleted bool, err error) {
	const op = "delete table"
	o := r.options(optFns)
	if err := ValidateName("database", db); err != nil {
		return false, newError(op, db, name, err)
	}
	if err := ValidateName("table", name); err != nil {
		return false, newError(op, db, name, err)
	}
	err = retry(ctx, o, op, func() error {
		_, err := r.api.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String(db), Name: aws.String(name), CatalogId: o.catalogID()})
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case kindOf(err) == ErrNotFound:
		return false, nil
	}
	return false, newError(op, db, name, err)
}
