package catalogtest

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// Glue limits the fake enforces.
const (
	MaxCreatePartitions     = 100
	MaxDeletePartitions     = 25
	MaxGetPartitions        = 1000
	MaxUpdatePartitions     = 100
	MaxDeleteTableVersions  = 100
	MaxPartitionsPage       = 1000
	MaxTablesPage           = 100
	MaxDatabasesPage        = 100
	DefaultMaxTableVersions = 100000
)

// Call records one API call the fake received.
type Call struct {
	// Op is the Glue operation name, e.g. "UpdateTable".
	Op string
	// Database and Table are the names in the request ("" if none).
	Database, Table string
	// Items is the number of partitions in a batch call.
	Items int
	// Write is true for calls that can change state.
	Write bool
}

// Injector decides, before the fake handles a call, whether it fails. It
// runs outside the fake's lock, so it may block (to interleave concurrent
// callers deterministically) or call the fake itself (to simulate another
// writer acting at exactly that moment). A non-nil error fails the call: a
// Glue exception (e.g. &types.ThrottlingException{}) is wrapped in a
// *smithy.OperationError as the SDK does; any other error is returned wrapped
// the same way. The call is recorded either way.
type Injector func(ctx context.Context, c Call) error

// FailTimes fails the first n calls of op with err (an exception such as
// &types.ThrottlingException{}, or nil for ErrInjected).
func FailTimes(op string, n int, err error) Injector {
	if err == nil {
		err = ErrInjected
	}
	var mu sync.Mutex
	seen := 0
	return func(_ context.Context, c Call) error {
		if c.Op != op {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		if seen <= n {
			return err
		}
		return nil
	}
}

// Before runs fn once, just before the nth (1-based) call of op is handled.
// It is the tool for deterministic races: fn can perform another writer's
// whole operation between this caller's read and its write.
func Before(op string, nth int, fn func(ctx context.Context)) Injector {
	var mu sync.Mutex
	seen := 0
	return func(ctx context.Context, c Call) error {
		if c.Op != op {
			return nil
		}
		mu.Lock()
		seen++
		run := seen == nth
		mu.Unlock()
		if run {
			fn(ctx)
		}
		return nil
	}
}

type table struct {
	t          types.Table
	version    int
	versions   []types.TableVersion
	partitions map[string]types.Partition
	sorted     []string // partition keys in order; nil when stale
}

func (t *table) partitionKeys() []string {
	if t.sorted == nil {
		t.sorted = slices.Sorted(maps.Keys(t.partitions))
	}
	return t.sorted
}

type database struct {
	d      types.Database
	tables map[string]*table
}

// Glue is an in-memory AWS Glue Data Catalog implementing catalog.GlueAPI
// with Glue's semantics (see the package doc, # Fidelity). The zero value is
// an empty catalog, like NewGlue's. It is safe for concurrent use.
type Glue struct {
	// MaxTableVersions is the per-table version quota; zero means
	// DefaultMaxTableVersions. Archiving past it fails with
	// ResourceNumberLimitExceededException.
	MaxTableVersions int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	dbs       map[string]*database
	calls     []Call
	injectors []Injector
}

// NewGlue returns an empty catalog.
func NewGlue() *Glue { return &Glue{dbs: map[string]*database{}} }

// Inject adds fault injectors, consulted in order before every call.
func (g *Glue) Inject(in ...Injector) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.injectors = append(g.injectors, in...)
}

// ClearInjectors removes all injectors.
func (g *Glue) ClearInjectors() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.injectors = nil
}

// Calls returns a copy of every call received, in order.
func (g *Glue) Calls() []Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.calls)
}

// Count returns how many calls of op were received.
func (g *Glue) Count(op string) int {
	n := 0
	for _, c := range g.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Writes returns how many state-changing calls were received.
func (g *Glue) Writes() int {
	n := 0
	for _, c := range g.Calls() {
		if c.Write {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls.
func (g *Glue) ResetCalls() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = nil
}

// Table returns a copy of a table, or nil if it does not exist.
func (g *Glue) Table(db, name string) *types.Table {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.table(db, name)
	if t == nil {
		return nil
	}
	c := copyTable(t.t)
	return &c
}

// TableVersions returns copies of a table's stored versions, oldest first
// (the last one is current).
func (g *Glue) TableVersions(db, name string) []types.TableVersion {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.table(db, name)
	if t == nil {
		return nil
	}
	out := make([]types.TableVersion, len(t.versions))
	for i, v := range t.versions {
		c := copyTable(*v.Table)
		out[i] = types.TableVersion{VersionId: v.VersionId, Table: &c}
	}
	return out
}

// Partitions returns copies of a table's partitions sorted by values.
func (g *Glue) Partitions(db, name string) []types.Partition {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.table(db, name)
	if t == nil {
		return nil
	}
	return sortedPartitions(t)
}

// Database returns a copy of a database, or nil.
func (g *Glue) Database(name string) *types.Database {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(name)]
	if d == nil {
		return nil
	}
	c := d.d
	c.Parameters = maps.Clone(c.Parameters)
	return &c
}

func key(name string) string { return strings.ToLower(name) }

func (g *Glue) table(db, name string) *table {
	d := g.dbs[key(db)]
	if d == nil {
		return nil
	}
	return d.tables[key(name)]
}

func (g *Glue) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// begin records the call, checks the context and runs the injectors.
func (g *Glue) begin(ctx context.Context, c Call) error {
	g.mu.Lock()
	if g.dbs == nil {
		g.dbs = map[string]*database{}
	}
	g.calls = append(g.calls, c)
	inj := slices.Clone(g.injectors)
	g.mu.Unlock()
	if err := ctxError(ctx, c.Op); err != nil {
		return err
	}
	for _, in := range inj {
		if err := in(ctx, c); err != nil {
			return opError(c.Op, err)
		}
	}
	return ctxError(ctx, c.Op)
}

func checkName(what, name string) error {
	if name == "" {
		return invalidInput(what + " name is required")
	}
	if len(name) > 255 {
		return invalidInput(what + " name exceeds 255 bytes")
	}
	if strings.ContainsAny(name, "\n\r") {
		return invalidInput(what + " name must be a single line")
	}
	return nil
}

// CreateDatabase implements catalog.GlueAPI.
func (g *Glue) CreateDatabase(ctx context.Context, in *glue.CreateDatabaseInput, _ ...func(*glue.Options)) (*glue.CreateDatabaseOutput, error) {
	const op = "CreateDatabase"
	if in == nil {
		in = &glue.CreateDatabaseInput{}
	}
	var name string
	if in != nil && in.DatabaseInput != nil {
		name = aws.ToString(in.DatabaseInput.Name)
	}
	if err := g.begin(ctx, Call{Op: op, Database: name, Write: true}); err != nil {
		return nil, err
	}
	if err := checkName("database", name); err != nil {
		return nil, opError(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(name)] != nil {
		return nil, opError(op, alreadyExists("Database already exists."))
	}
	d := types.Database{
		Name:        aws.String(key(name)),
		Description: in.DatabaseInput.Description,
		LocationUri: in.DatabaseInput.LocationUri,
		Parameters:  maps.Clone(in.DatabaseInput.Parameters),
		CreateTime:  aws.Time(g.now()),
		CatalogId:   aws.String(catalogID(in.CatalogId)),
	}
	g.dbs[key(name)] = &database{d: d, tables: map[string]*table{}}
	return &glue.CreateDatabaseOutput{}, nil
}

func catalogID(id *string) string {
	if id == nil || *id == "" {
		return "123456789012"
	}
	return *id
}

// GetDatabase implements catalog.GlueAPI.
func (g *Glue) GetDatabase(ctx context.Context, in *glue.GetDatabaseInput, _ ...func(*glue.Options)) (*glue.GetDatabaseOutput, error) {
	const op = "GetDatabase"
	if in == nil {
		in = &glue.GetDatabaseInput{}
	}
	name := aws.ToString(in.Name)
	if err := g.begin(ctx, Call{Op: op, Database: name}); err != nil {
		return nil, err
	}
	if err := checkName("database", name); err != nil {
		return nil, opError(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(name)]
	if d == nil {
		return nil, opError(op, notFound("Database "+name+" not found."))
	}
	c := d.d
	c.Parameters = maps.Clone(c.Parameters)
	return &glue.GetDatabaseOutput{Database: &c}, nil
}

// page cuts sorted keys after token, returning the page and the next token.
func page(keys []string, token *string, max int32, limit int32) (lo, hi int, next *string, err error) {
	n := int(limit)
	if max != 0 {
		if max < 1 || max > limit {
			return 0, 0, nil, invalidInput("MaxResults must be between 1 and " + strconv.Itoa(int(limit)))
		}
		n = int(max)
	}
	if token != nil && *token != "" {
		b, derr := base64.RawURLEncoding.DecodeString(*token)
		if derr != nil {
			return 0, 0, nil, invalidInput("Invalid pagination token")
		}
		last := string(b)
		lo, _ = slices.BinarySearch(keys, last)
		for lo < len(keys) && keys[lo] <= last {
			lo++
		}
	}
	hi = min(lo+n, len(keys))
	if hi < len(keys) {
		next = aws.String(base64.RawURLEncoding.EncodeToString([]byte(keys[hi-1])))
	}
	return lo, hi, next, nil
}

// GetDatabases implements catalog.GlueAPI.
func (g *Glue) GetDatabases(ctx context.Context, in *glue.GetDatabasesInput, _ ...func(*glue.Options)) (*glue.GetDatabasesOutput, error) {
	const op = "GetDatabases"
	if in == nil {
		in = &glue.GetDatabasesInput{}
	}
	if err := g.begin(ctx, Call{Op: op}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := slices.Sorted(maps.Keys(g.dbs))
	lo, hi, next, err := page(keys, in.NextToken, aws.ToInt32(in.MaxResults), MaxDatabasesPage)
	if err != nil {
		return nil, opError(op, err)
	}
	out := &glue.GetDatabasesOutput{NextToken: next, DatabaseList: []types.Database{}}
	for _, k := range keys[lo:hi] {
		c := g.dbs[k].d
		c.Parameters = maps.Clone(c.Parameters)
		out.DatabaseList = append(out.DatabaseList, c)
	}
	return out, nil
}

// UpdateDatabase replaces a database's definition (description, location,
// parameters, default permissions) as Glue does: fields left out of
// DatabaseInput are cleared, so callers read, change and write back. The
// name cannot change.
func (g *Glue) UpdateDatabase(ctx context.Context, in *glue.UpdateDatabaseInput, _ ...func(*glue.Options)) (*glue.UpdateDatabaseOutput, error) {
	const op = "UpdateDatabase"
	if in == nil {
		in = &glue.UpdateDatabaseInput{}
	}
	name := aws.ToString(in.Name)
	if err := g.begin(ctx, Call{Op: op, Database: name, Write: true}); err != nil {
		return nil, err
	}
	if err := checkName("database", name); err != nil {
		return nil, opError(op, err)
	}
	if in.DatabaseInput == nil {
		return nil, opError(op, invalidInput("DatabaseInput is required"))
	}
	if n := aws.ToString(in.DatabaseInput.Name); !strings.EqualFold(n, name) {
		return nil, opError(op, invalidInput("a database cannot be renamed"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(name)]
	if d == nil {
		return nil, opError(op, notFound("Database "+name+" not found."))
	}
	di := in.DatabaseInput
	d.d.Description = di.Description
	d.d.LocationUri = di.LocationUri
	d.d.Parameters = maps.Clone(di.Parameters)
	d.d.CreateTableDefaultPermissions = slices.Clone(di.CreateTableDefaultPermissions)
	d.d.TargetDatabase = di.TargetDatabase
	return &glue.UpdateDatabaseOutput{}, nil
}

// DeleteDatabase deletes a database with its tables and partitions. It is
// not part of catalog.GlueAPI; the conformance suite uses it to clean up.
func (g *Glue) DeleteDatabase(ctx context.Context, in *glue.DeleteDatabaseInput, _ ...func(*glue.Options)) (*glue.DeleteDatabaseOutput, error) {
	const op = "DeleteDatabase"
	if in == nil {
		in = &glue.DeleteDatabaseInput{}
	}
	name := aws.ToString(in.Name)
	if err := g.begin(ctx, Call{Op: op, Database: name, Write: true}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(name)] == nil {
		return nil, opError(op, notFound("Database "+name+" not found."))
	}
	delete(g.dbs, key(name))
	return &glue.DeleteDatabaseOutput{}, nil
}

func validateTableInput(ti *types.TableInput) error {
	if ti == nil {
		return invalidInput("TableInput is required")
	}
	if err := checkName("table", aws.ToString(ti.Name)); err != nil {
		return err
	}
	cols := ti.PartitionKeys
	if ti.StorageDescriptor != nil {
		cols = append(slices.Clone(cols), ti.StorageDescriptor.Columns...)
	}
	for _, c := range cols {
		if err := checkName("column", aws.ToString(c.Name)); err != nil {
			return err
		}
	}
	return nil
}

// tableFromInput builds the stored table from an input.
func tableFromInput(db string, ti *types.TableInput) types.Table {
	t := types.Table{
		Name:             aws.String(key(aws.ToString(ti.Name))),
		DatabaseName:     aws.String(db),
		Description:      ti.Description,
		Owner:            ti.Owner,
		LastAccessTime:   ti.LastAccessTime,
		LastAnalyzedTime: ti.LastAnalyzedTime,
		Retention:        ti.Retention,
		TableType:        ti.TableType,
		Parameters:       maps.Clone(ti.Parameters),
		PartitionKeys:    copyColumns(ti.PartitionKeys),
		ViewOriginalText: ti.ViewOriginalText,
		ViewExpandedText: ti.ViewExpandedText,
		TargetTable:      ti.TargetTable,
	}
	if ti.StorageDescriptor != nil {
		sd := copySD(*ti.StorageDescriptor)
		t.StorageDescriptor = &sd
	}
	return t
}

// CreateTable implements catalog.GlueAPI.
func (g *Glue) CreateTable(ctx context.Context, in *glue.CreateTableInput, _ ...func(*glue.Options)) (*glue.CreateTableOutput, error) {
	const op = "CreateTable"
	if in == nil {
		in = &glue.CreateTableInput{}
	}
	db := aws.ToString(in.DatabaseName)
	var name string
	if in.TableInput != nil {
		name = aws.ToString(in.TableInput.Name)
	}
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Write: true}); err != nil {
		return nil, err
	}
	if err := checkName("database", db); err != nil {
		return nil, opError(op, err)
	}
	if err := validateTableInput(in.TableInput); err != nil {
		return nil, opError(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(db)]
	if d == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	if d.tables[key(name)] != nil {
		return nil, opError(op, alreadyExists("Table already exists."))
	}
	t := tableFromInput(key(db), in.TableInput)
	now := g.now()
	t.CreateTime, t.UpdateTime = aws.Time(now), aws.Time(now)
	t.CatalogId = aws.String(catalogID(in.CatalogId))
	t.VersionId = aws.String("0")
	if t.PartitionKeys == nil {
		t.PartitionKeys = []types.Column{}
	}
	nt := &table{t: t, partitions: map[string]types.Partition{}}
	nt.versions = []types.TableVersion{{VersionId: t.VersionId, Table: ptr(copyTable(t))}}
	d.tables[key(name)] = nt
	return &glue.CreateTableOutput{}, nil
}

func ptr[T any](v T) *T { return &v }

// GetTable implements catalog.GlueAPI.
func (g *Glue) GetTable(ctx context.Context, in *glue.GetTableInput, _ ...func(*glue.Options)) (*glue.GetTableOutput, error) {
	const op = "GetTable"
	if in == nil {
		in = &glue.GetTableInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.Name)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name}); err != nil {
		return nil, err
	}
	if err := errorsJoin(checkName("database", db), checkName("table", name)); err != nil {
		return nil, opError(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	return &glue.GetTableOutput{Table: ptr(copyTable(t.t))}, nil
}

// errorsJoin returns the first non-nil error (Glue reports one problem).
func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// GetTables implements catalog.GlueAPI. Expression is not supported
// (InvalidInputException).
func (g *Glue) GetTables(ctx context.Context, in *glue.GetTablesInput, _ ...func(*glue.Options)) (*glue.GetTablesOutput, error) {
	const op = "GetTables"
	if in == nil {
		in = &glue.GetTablesInput{}
	}
	db := aws.ToString(in.DatabaseName)
	if err := g.begin(ctx, Call{Op: op, Database: db}); err != nil {
		return nil, err
	}
	if err := checkName("database", db); err != nil {
		return nil, opError(op, err)
	}
	if in.Expression != nil {
		return nil, opError(op, invalidInput("catalogtest: Expression is not supported by the fake"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(db)]
	if d == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	keys := slices.Sorted(maps.Keys(d.tables))
	lo, hi, next, err := page(keys, in.NextToken, aws.ToInt32(in.MaxResults), MaxTablesPage)
	if err != nil {
		return nil, opError(op, err)
	}
	out := &glue.GetTablesOutput{NextToken: next, TableList: []types.Table{}}
	for _, k := range keys[lo:hi] {
		out.TableList = append(out.TableList, copyTable(d.tables[k].t))
	}
	return out, nil
}

// UpdateTable implements catalog.GlueAPI: it replaces the definition; with
// VersionId set it fails with ConcurrentModificationException unless that is
// the current version; without SkipArchive it archives the previous version
// (up to MaxTableVersions). The version id advances on every update.
func (g *Glue) UpdateTable(ctx context.Context, in *glue.UpdateTableInput, _ ...func(*glue.Options)) (*glue.UpdateTableOutput, error) {
	const op = "UpdateTable"
	if in == nil {
		in = &glue.UpdateTableInput{}
	}
	db := aws.ToString(in.DatabaseName)
	var name string
	if in.TableInput != nil {
		name = aws.ToString(in.TableInput.Name)
	}
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Write: true}); err != nil {
		return nil, err
	}
	if err := checkName("database", db); err != nil {
		return nil, opError(op, err)
	}
	if err := validateTableInput(in.TableInput); err != nil {
		return nil, opError(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	if in.VersionId != nil && *in.VersionId != aws.ToString(t.t.VersionId) {
		return nil, opError(op, concurrentModification("Update table failed due to concurrent modifications."))
	}
	archive := !aws.ToBool(in.SkipArchive)
	max := g.MaxTableVersions
	if max <= 0 {
		max = DefaultMaxTableVersions
	}
	if archive && len(t.versions) >= max {
		return nil, opError(op, limitExceeded("Number of TABLE_VERSION resources exceeds the limit "+strconv.Itoa(max)+" per TABLE"))
	}
	nt := tableFromInput(key(db), in.TableInput)
	nt.CreateTime, nt.CatalogId = t.t.CreateTime, t.t.CatalogId
	nt.UpdateTime = aws.Time(g.now())
	if nt.PartitionKeys == nil {
		nt.PartitionKeys = []types.Column{}
	}
	t.version++
	nt.VersionId = aws.String(strconv.Itoa(t.version))
	t.t = nt
	v := types.TableVersion{VersionId: nt.VersionId, Table: ptr(copyTable(nt))}
	if archive {
		t.versions = append(t.versions, v)
	} else {
		t.versions[len(t.versions)-1] = v
	}
	return &glue.UpdateTableOutput{}, nil
}

// DeleteTable implements catalog.GlueAPI.
func (g *Glue) DeleteTable(ctx context.Context, in *glue.DeleteTableInput, _ ...func(*glue.Options)) (*glue.DeleteTableOutput, error) {
	const op = "DeleteTable"
	if in == nil {
		in = &glue.DeleteTableInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.Name)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Write: true}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dbs[key(db)]
	if d == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	if d.tables[key(name)] == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	delete(d.tables, key(name))
	return &glue.DeleteTableOutput{}, nil
}

// GetTableVersions implements catalog.GlueAPI: a table's stored versions,
// newest first.
func (g *Glue) GetTableVersions(ctx context.Context, in *glue.GetTableVersionsInput, _ ...func(*glue.Options)) (*glue.GetTableVersionsOutput, error) {
	const op = "GetTableVersions"
	if in == nil {
		in = &glue.GetTableVersionsInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name}); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	keys := make([]string, len(t.versions))
	byKey := map[string]types.TableVersion{}
	for i, v := range t.versions {
		// Sort newest first with fixed-width keys derived from the version
		// number, so a page token stays valid when versions are deleted.
		n, _ := strconv.Atoi(aws.ToString(v.VersionId))
		k := fmt.Sprintf("%019d", math.MaxInt64-int64(n))
		keys[i] = k
		byKey[k] = v
	}
	slices.Sort(keys)
	lo, hi, next, err := page(keys, in.NextToken, aws.ToInt32(in.MaxResults), 100)
	if err != nil {
		return nil, opError(op, err)
	}
	out := &glue.GetTableVersionsOutput{NextToken: next}
	for _, k := range keys[lo:hi] {
		v := byKey[k]
		out.TableVersions = append(out.TableVersions, types.TableVersion{VersionId: v.VersionId, Table: ptr(copyTable(*v.Table))})
	}
	return out, nil
}

// BatchDeleteTableVersion implements catalog.GlueAPI: at most 100 version
// ids; a missing version is a per-item EntityNotFoundException, the current
// version a per-item InvalidInputException.
func (g *Glue) BatchDeleteTableVersion(ctx context.Context, in *glue.BatchDeleteTableVersionInput, _ ...func(*glue.Options)) (*glue.BatchDeleteTableVersionOutput, error) {
	const op = "BatchDeleteTableVersion"
	if in == nil {
		in = &glue.BatchDeleteTableVersionInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Items: len(in.VersionIds), Write: true}); err != nil {
		return nil, err
	}
	if len(in.VersionIds) > MaxDeleteTableVersions {
		return nil, opError(op, invalidInput("1 validation error detected: Value at 'versionIds' failed to satisfy constraint: Member must have length less than or equal to 100"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	out := &glue.BatchDeleteTableVersionOutput{}
	fail := func(id, code, msg string) {
		out.Errors = append(out.Errors, types.TableVersionError{TableName: aws.String(key(name)), VersionId: aws.String(id),
			ErrorDetail: &types.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)}})
	}
	for _, id := range in.VersionIds {
		i := slices.IndexFunc(t.versions, func(v types.TableVersion) bool { return aws.ToString(v.VersionId) == id })
		switch {
		case i < 0:
			fail(id, "EntityNotFoundException", "Table version not found.")
		case i == len(t.versions)-1:
			fail(id, "InvalidInputException", "Cannot delete the current table version.")
		default:
			t.versions = slices.Delete(t.versions, i, i+1)
		}
	}
	return out, nil
}

// partKey is an injective, order-preserving key for a tuple of values:
// each NUL becomes NUL 0x01 and values are separated by NUL NUL, so values
// that contain NUL bytes cannot collide with another tuple, and keys sort
// as the tuples do.
func partKey(values []string) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteString("\x00\x00")
		}
		b.WriteString(strings.ReplaceAll(v, "\x00", "\x00\x01"))
	}
	return b.String()
}

func partitionError(values []string, code, msg string) types.PartitionError {
	return types.PartitionError{
		PartitionValues: slices.Clone(values),
		ErrorDetail:     &types.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)},
	}
}

// BatchCreatePartition implements catalog.GlueAPI: at most 100 inputs;
// per-item AlreadyExistsException or InvalidInputException (wrong number of
// values) in Errors, HTTP 200.
func (g *Glue) BatchCreatePartition(ctx context.Context, in *glue.BatchCreatePartitionInput, _ ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error) {
	const op = "BatchCreatePartition"
	if in == nil {
		in = &glue.BatchCreatePartitionInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Items: len(in.PartitionInputList), Write: true}); err != nil {
		return nil, err
	}
	if len(in.PartitionInputList) > MaxCreatePartitions {
		return nil, opError(op, invalidInput("1 validation error detected: Value at 'partitionInputList' failed to satisfy constraint: Member must have length less than or equal to 100"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	out := &glue.BatchCreatePartitionOutput{}
	now := g.now()
	for _, p := range in.PartitionInputList {
		if len(p.Values) != len(t.t.PartitionKeys) {
			out.Errors = append(out.Errors, partitionError(p.Values, "InvalidInputException", "The number of partition keys do not match the number of partition values."))
			continue
		}
		k := partKey(p.Values)
		if _, ok := t.partitions[k]; ok {
			out.Errors = append(out.Errors, partitionError(p.Values, "AlreadyExistsException", "Partition already exists."))
			continue
		}
		np := types.Partition{
			Values:           slices.Clone(p.Values),
			DatabaseName:     aws.String(key(db)),
			TableName:        aws.String(key(name)),
			CatalogId:        t.t.CatalogId,
			CreationTime:     aws.Time(now),
			Parameters:       maps.Clone(p.Parameters),
			LastAccessTime:   p.LastAccessTime,
			LastAnalyzedTime: p.LastAnalyzedTime,
		}
		if p.StorageDescriptor != nil {
			np.StorageDescriptor = ptr(copySD(*p.StorageDescriptor))
		}
		t.partitions[k] = np
		t.sorted = nil
	}
	return out, nil
}

// BatchGetPartition implements catalog.GlueAPI: at most 1000 keys; missing
// partitions are left out of the result.
func (g *Glue) BatchGetPartition(ctx context.Context, in *glue.BatchGetPartitionInput, _ ...func(*glue.Options)) (*glue.BatchGetPartitionOutput, error) {
	const op = "BatchGetPartition"
	if in == nil {
		in = &glue.BatchGetPartitionInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Items: len(in.PartitionsToGet)}); err != nil {
		return nil, err
	}
	if len(in.PartitionsToGet) > MaxGetPartitions {
		return nil, opError(op, invalidInput("1 validation error detected: Value at 'partitionsToGet' failed to satisfy constraint: Member must have length less than or equal to 1000"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	out := &glue.BatchGetPartitionOutput{Partitions: []types.Partition{}}
	for _, p := range in.PartitionsToGet {
		if got, ok := t.partitions[partKey(p.Values)]; ok {
			out.Partitions = append(out.Partitions, copyPartition(got))
		}
	}
	return out, nil
}

// BatchUpdatePartition implements catalog.GlueAPI: at most 100 entries;
// each replaces the partition named by PartitionValueList with its
// PartitionInput (a missing partition is a per-item
// EntityNotFoundException).
func (g *Glue) BatchUpdatePartition(ctx context.Context, in *glue.BatchUpdatePartitionInput, _ ...func(*glue.Options)) (*glue.BatchUpdatePartitionOutput, error) {
	const op = "BatchUpdatePartition"
	if in == nil {
		in = &glue.BatchUpdatePartitionInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Items: len(in.Entries), Write: true}); err != nil {
		return nil, err
	}
	if len(in.Entries) > MaxUpdatePartitions {
		return nil, opError(op, invalidInput("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 100"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	out := &glue.BatchUpdatePartitionOutput{}
	fail := func(vals []string, code, msg string) {
		out.Errors = append(out.Errors, types.BatchUpdatePartitionFailureEntry{
			PartitionValueList: slices.Clone(vals),
			ErrorDetail:        &types.ErrorDetail{ErrorCode: aws.String(code), ErrorMessage: aws.String(msg)},
		})
	}
	for _, e := range in.Entries {
		old, ok := t.partitions[partKey(e.PartitionValueList)]
		switch {
		case !ok:
			fail(e.PartitionValueList, "EntityNotFoundException", "Partition not found.")
			continue
		case e.PartitionInput == nil:
			fail(e.PartitionValueList, "InvalidInputException", "PartitionInput is required.")
			continue
		}
		np := old
		np.Parameters = maps.Clone(e.PartitionInput.Parameters)
		np.StorageDescriptor = nil
		if e.PartitionInput.StorageDescriptor != nil {
			np.StorageDescriptor = ptr(copySD(*e.PartitionInput.StorageDescriptor))
		}
		if vals := e.PartitionInput.Values; vals != nil {
			if len(vals) != len(t.t.PartitionKeys) {
				fail(e.PartitionValueList, "InvalidInputException", "The number of partition keys do not match the number of partition values.")
				continue
			}
			np.Values = slices.Clone(vals)
		}
		delete(t.partitions, partKey(e.PartitionValueList))
		t.partitions[partKey(np.Values)] = np
		t.sorted = nil
	}
	return out, nil
}

// BatchDeletePartition implements catalog.GlueAPI: at most 25 items;
// missing partitions are per-item EntityNotFoundException in Errors.
func (g *Glue) BatchDeletePartition(ctx context.Context, in *glue.BatchDeletePartitionInput, _ ...func(*glue.Options)) (*glue.BatchDeletePartitionOutput, error) {
	const op = "BatchDeletePartition"
	if in == nil {
		in = &glue.BatchDeletePartitionInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name, Items: len(in.PartitionsToDelete), Write: true}); err != nil {
		return nil, err
	}
	if len(in.PartitionsToDelete) > MaxDeletePartitions {
		return nil, opError(op, invalidInput("1 validation error detected: Value at 'partitionsToDelete' failed to satisfy constraint: Member must have length less than or equal to 25"))
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	out := &glue.BatchDeletePartitionOutput{}
	for _, p := range in.PartitionsToDelete {
		k := partKey(p.Values)
		if _, ok := t.partitions[k]; !ok {
			out.Errors = append(out.Errors, partitionError(p.Values, "EntityNotFoundException", "Partition not found."))
			continue
		}
		delete(t.partitions, k)
		t.sorted = nil
	}
	return out, nil
}

func sortedPartitions(t *table) []types.Partition {
	keys := t.partitionKeys()
	out := make([]types.Partition, 0, len(keys))
	for _, k := range keys {
		out = append(out, copyPartition(t.partitions[k]))
	}
	return out
}

// GetPartitions implements catalog.GlueAPI: MaxResults up to 1000,
// NextToken, ExcludeColumnSchema, Segment and Expression (comparisons,
// BETWEEN, IN, LIKE, AND/OR/NOT on partition keys; numbers compare
// numerically for integer keys).
func (g *Glue) GetPartitions(ctx context.Context, in *glue.GetPartitionsInput, _ ...func(*glue.Options)) (*glue.GetPartitionsOutput, error) {
	const op = "GetPartitions"
	if in == nil {
		in = &glue.GetPartitionsInput{}
	}
	db, name := aws.ToString(in.DatabaseName), aws.ToString(in.TableName)
	if err := g.begin(ctx, Call{Op: op, Database: db, Table: name}); err != nil {
		return nil, err
	}
	segNo, total := int32(0), int32(1)
	if in.Segment != nil {
		segNo, total = in.Segment.SegmentNumber, aws.ToInt32(in.Segment.TotalSegments)
		if total < 1 || total > 10 || segNo < 0 || segNo >= total {
			return nil, opError(op, invalidInput("Invalid segment"))
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dbs[key(db)] == nil {
		return nil, opError(op, notFound("Database "+db+" not found."))
	}
	t := g.table(db, name)
	if t == nil {
		return nil, opError(op, notFound("Table "+name+" not found."))
	}
	keys := t.partitionKeys()
	if in.Expression != nil && strings.TrimSpace(*in.Expression) != "" {
		types := map[string]string{}
		for _, k := range t.t.PartitionKeys {
			types[strings.ToLower(aws.ToString(k.Name))] = aws.ToString(k.Type)
		}
		match, err := compileExpression(*in.Expression, types)
		if err != nil {
			return nil, opError(op, invalidInput("Unsupported expression: "+err.Error()))
		}
		var kept []string
		for _, k := range keys {
			p := t.partitions[k]
			vals := map[string]string{}
			for i, pk := range t.t.PartitionKeys {
				vals[strings.ToLower(aws.ToString(pk.Name))] = p.Values[i]
			}
			if match(vals) {
				kept = append(kept, k)
			}
		}
		keys = kept
	}
	if total > 1 {
		var seg []string
		for i, k := range keys {
			if int32(i)%total == segNo {
				seg = append(seg, k)
			}
		}
		keys = seg
	}
	lo, hi, next, err := page(keys, in.NextToken, aws.ToInt32(in.MaxResults), MaxPartitionsPage)
	if err != nil {
		return nil, opError(op, err)
	}
	out := &glue.GetPartitionsOutput{NextToken: next, Partitions: []types.Partition{}}
	for _, k := range keys[lo:hi] {
		p := copyPartition(t.partitions[k])
		if aws.ToBool(in.ExcludeColumnSchema) && p.StorageDescriptor != nil {
			p.StorageDescriptor.Columns = nil
		}
		out.Partitions = append(out.Partitions, p)
	}
	return out, nil
}

func copyColumns(cs []types.Column) []types.Column {
	if cs == nil {
		return nil
	}
	out := make([]types.Column, len(cs))
	for i, c := range cs {
		c.Parameters = maps.Clone(c.Parameters)
		out[i] = c
	}
	return out
}

func copySD(sd types.StorageDescriptor) types.StorageDescriptor {
	sd.Columns = copyColumns(sd.Columns)
	sd.Parameters = maps.Clone(sd.Parameters)
	sd.BucketColumns = slices.Clone(sd.BucketColumns)
	sd.SortColumns = slices.Clone(sd.SortColumns)
	sd.AdditionalLocations = slices.Clone(sd.AdditionalLocations)
	if sd.SerdeInfo != nil {
		s := *sd.SerdeInfo
		s.Parameters = maps.Clone(s.Parameters)
		sd.SerdeInfo = &s
	}
	if sd.SkewedInfo != nil {
		s := *sd.SkewedInfo
		s.SkewedColumnNames = slices.Clone(s.SkewedColumnNames)
		s.SkewedColumnValues = slices.Clone(s.SkewedColumnValues)
		s.SkewedColumnValueLocationMaps = maps.Clone(s.SkewedColumnValueLocationMaps)
		sd.SkewedInfo = &s
	}
	return sd
}

func copyTable(t types.Table) types.Table {
	t.Parameters = maps.Clone(t.Parameters)
	t.PartitionKeys = copyColumns(t.PartitionKeys)
	if t.StorageDescriptor != nil {
		t.StorageDescriptor = ptr(copySD(*t.StorageDescriptor))
	}
	return t
}

func copyPartition(p types.Partition) types.Partition {
	p.Values = slices.Clone(p.Values)
	p.Parameters = maps.Clone(p.Parameters)
	if p.StorageDescriptor != nil {
		p.StorageDescriptor = ptr(copySD(*p.StorageDescriptor))
	}
	return p
}
