package catalog

import (
	"context"
	"errors"
	"iter"
	"maps"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"golang.org/x/sync/errgroup"

	"github.com/cdpkit/cdpkit/internal/hive"
)

// Partition is one partition of a table.
type Partition struct {
	// Values are the raw (unescaped) partition values, one per partition
	// key. An empty value stands for Hive's default (null) partition.
	Values []string
	// Location is the partition folder. Empty means the table location plus
	// PartitionPath(keys, Values). When set it must lie under the table
	// location.
	Location string
	// Parameters are optional partition parameters.
	Parameters map[string]string
}

// EscapePathValue escapes a partition key or value for use in a path the
// way Hive does (FileUtils.escapePathName): control characters (0x00-0x1F) and
// " # % ' * / : = ? \ DEL { [ ] ^ become %XX with uppercase hex. An empty
// value becomes HiveDefaultPartition. zones.EscapePartition is the same
// function, so what zones writes is what catalog registers.
func EscapePathValue(v string) string { return hive.Escape(v) }

// UnescapePathValue reverses EscapePathValue (HiveDefaultPartition maps back
// to ""). Malformed escapes are kept as they are, as Hive does.
func UnescapePathValue(s string) string { return hive.Unescape(s) }

// PartitionPath returns the Hive-style relative folder of a partition,
// "k1=v1/k2=v2/", with keys and values escaped by EscapePathValue. keys and
// values must have the same length.
func PartitionPath(keys, values []string) string {
	var b strings.Builder
	size := 0
	for i, k := range keys {
		size += len(k) + 2
		if i < len(values) {
			size += len(values[i])
		}
	}
	b.Grow(size + 8)
	for i, k := range keys {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		b.WriteString(EscapePathValue(k))
		b.WriteByte('=')
		b.WriteString(EscapePathValue(v))
		b.WriteByte('/')
	}
	return b.String()
}

// glueValues maps empty values to Hive's default partition name, which is
// what Glue and Hive store for a null partition.
func glueValues(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if v == "" {
			v = HiveDefaultPartition
		}
		out[i] = v
	}
	return out
}

// valuesKey is an injective key for a tuple of values: each NUL becomes
// NUL 0x01 and values are separated by NUL NUL, so values that contain NUL
// bytes cannot join to another tuple's key.
func valuesKey(vs []string) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString("\x00\x00")
		}
		b.WriteString(strings.ReplaceAll(v, "\x00", "\x00\x01"))
	}
	return b.String()
}

// PartitionResult counts what a partition call did.
type PartitionResult struct {
	// Added partitions were created; Existing ones were already there
	// (AlreadyExistsException items count as success).
	Added, Existing int
	// Relocated partitions existed at another location and were moved
	// (Options.RelocatePartitions).
	Relocated int
	// Deleted partitions were removed; Missing ones were already gone.
	Deleted, Missing int
	// Duplicates counts repeated entries in the input (sent once).
	Duplicates int
	// Calls is the number of batch calls sent (lookups and writes),
	// retries included.
	Calls int
}

// AddPartitions registers partitions of db.table in batches of
// MaxCreateBatch (100), with up to Options.Concurrency batches in flight.
// It looks the partitions up first (BatchGetPartition, 1000 per call):
// partitions that already exist at the same location count as Existing and
// cost no write, so a rerun makes no write call; a partition that exists at
// another location is a LocationMismatch failure, or is moved there with
// Options.RelocatePartitions. Each partition gets the table's storage
// descriptor (Parquet SerDe, formats, columns) with its own location: the
// table location plus the Hive-escaped PartitionPath, or
// Partition.Location, which must be under the table location. Inputs are
// validated before any write.
//
// Items Glue rejects are reported together in a *BatchError (with their
// input indexes) after all batches ran; a batch call that fails as a whole
// stops the remaining batches.
func (r *Registrar) AddPartitions(ctx context.Context, db, table string, parts []Partition, optFns ...func(*Options)) (PartitionResult, error) {
	const op = "add partitions"
	o := r.options(optFns)
	if len(parts) == 0 {
		return PartitionResult{}, newPartitionError(op, db, table, errors.Join(ValidateName("database", db), ValidateName("table", table)))
	}
	t, err := r.getTable(ctx, o, db, table)
	if err != nil {
		return PartitionResult{}, newPartitionError(op, db, table, err)
	}
	if t.StorageDescriptor == nil || aws.ToString(t.StorageDescriptor.Location) == "" {
		return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "table", Index: -1, Reason: "table has no storage location"})
	}
	tloc := normLocation(aws.ToString(t.StorageDescriptor.Location))
	keys := make([]string, len(t.PartitionKeys))
	for i, k := range t.PartitionKeys {
		keys[i] = aws.ToString(k.Name)
	}
	if len(keys) == 0 && len(parts) > 0 {
		return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "partition", Index: 0, Reason: "table has no partition keys"})
	}
	var res PartitionResult
	inputs := make([]types.PartitionInput, 0, len(parts))
	index := make(map[string]int, len(parts)) // values key -> input index
	for i, p := range parts {
		if len(p.Values) != len(keys) {
			return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "partition", Index: i, Reason: "number of values does not match the partition keys"})
		}
		loc := p.Location
		if loc == "" {
			loc = tloc + PartitionPath(keys, p.Values)
		} else {
			loc = normLocation(loc)
			if !strings.HasPrefix(loc, tloc) || loc == tloc || strings.Contains(loc[len(tloc)-1:], "/../") || strings.Contains(loc[len(tloc)-1:], "/./") {
				return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "partition location", Index: i, Reason: "not under the table location"})
			}
		}
		vals := glueValues(p.Values)
		k := valuesKey(vals)
		if _, dup := index[k]; dup {
			res.Duplicates++
			continue
		}
		index[k] = i
		inputs = append(inputs, types.PartitionInput{Values: vals, StorageDescriptor: partitionSD(t.StorageDescriptor, loc), Parameters: maps.Clone(p.Parameters)})
	}

	var mu sync.Mutex
	var failures []BatchFailure

	// Read before writing, so a rerun makes no write call and a partition
	// registered at another location is reported instead of ignored.
	lookup := make([][]string, len(inputs))
	for i, p := range inputs {
		lookup[i] = p.Values
	}
	existing, calls, err := r.existingPartitions(ctx, o, db, table, lookup)
	res.Calls += calls
	if err != nil {
		return res, newPartitionError(op, db, table, err)
	}
	missing := inputs[:0:0]
	var moved []types.PartitionInput
	for _, p := range inputs {
		loc, ok := existing[valuesKey(p.Values)]
		switch {
		case !ok:
			missing = append(missing, p)
		case normLocation(loc) == normLocation(aws.ToString(p.StorageDescriptor.Location)):
			res.Existing++
		case o.RelocatePartitions:
			moved = append(moved, p)
		default:
			failures = append(failures, BatchFailure{Index: index[valuesKey(p.Values)], Code: CodeLocationMismatch, Message: "partition exists at another location"})
		}
	}
	inputs = missing
	if len(moved) > 0 {
		relocated, calls, fails, err := r.relocate(ctx, o, db, table, moved, index)
		res.Relocated += relocated
		res.Calls += calls
		failures = append(failures, fails...)
		if err != nil {
			return res, newPartitionError(op, db, table, err)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	for start := 0; start < len(inputs); start += MaxCreateBatch {
		batch := inputs[start:min(start+MaxCreateBatch, len(inputs))]
		g.Go(func() error {
			added, existing, calls, fails, err := r.createBatch(gctx, o, db, table, batch, index)
			mu.Lock()
			defer mu.Unlock()
			res.Added += added
			res.Existing += existing
			res.Calls += calls
			failures = append(failures, fails...)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return res, newPartitionError(op, db, table, err)
	}
	if len(failures) > 0 {
		sortFailures(failures)
		return res, newPartitionError(op, db, table, &BatchError{Failures: failures})
	}
	o.Logger.DebugContext(ctx, "catalog: partitions added", "database", db, "table", table, "added", res.Added, "existing", res.Existing, "calls", res.Calls)
	return res, nil
}

// existingPartitions looks partitions up by their (Glue) values with
// BatchGetPartition and returns the location of each one that exists, by
// values key.
func (r *Registrar) existingPartitions(ctx context.Context, o *Options, db, table string, values [][]string) (map[string]string, int, error) {
	var mu sync.Mutex
	found := map[string]string{}
	calls := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	for start := 0; start < len(values); start += MaxGetBatch {
		pending := make([]types.PartitionValueList, 0, MaxGetBatch)
		for _, v := range values[start:min(start+MaxGetBatch, len(values))] {
			pending = append(pending, types.PartitionValueList{Values: v})
		}
		g.Go(func() error {
			for n := 1; len(pending) > 0; n++ {
				var out *glue.BatchGetPartitionOutput
				err := retry(gctx, o, "add partitions", func() error {
					mu.Lock()
					calls++
					mu.Unlock()
					var err error
					out, err = r.api.BatchGetPartition(gctx, &glue.BatchGetPartitionInput{
						DatabaseName: aws.String(db), TableName: aws.String(table),
						PartitionsToGet: pending, CatalogId: o.catalogID(),
					})
					return err
				})
				if err != nil {
					return err
				}
				mu.Lock()
				for _, p := range out.Partitions {
					loc := ""
					if p.StorageDescriptor != nil {
						loc = aws.ToString(p.StorageDescriptor.Location)
					}
					found[valuesKey(p.Values)] = loc
				}
				mu.Unlock()
				// Unprocessed keys (throttled server side) are asked again.
				pending = out.UnprocessedKeys
				if len(pending) > 0 {
					if n >= o.MaxAttempts {
						return errUnprocessed{}
					}
					if err := wait(gctx, o.Backoff(n)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	err := g.Wait()
	return found, calls, err
}

// errUnprocessed reports partition keys BatchGetPartition still left
// unprocessed after the last attempt. It matches ErrThrottled.
type errUnprocessed struct{}

func (errUnprocessed) Error() string {
	return "BatchGetPartition left keys unprocessed after every attempt"
}

func (errUnprocessed) Is(target error) bool { return target == ErrThrottled }

// partitionSD is awswrangler's partition storage descriptor: the table's
// formats, SerDe, compression, bucketing and columns (for Hive
// compatibility), with the partition's own location.
func partitionSD(t *types.StorageDescriptor, loc string) *types.StorageDescriptor {
	return &types.StorageDescriptor{
		InputFormat:            t.InputFormat,
		OutputFormat:           t.OutputFormat,
		Location:               aws.String(loc),
		Compressed:             t.Compressed,
		SerdeInfo:              t.SerdeInfo,
		StoredAsSubDirectories: t.StoredAsSubDirectories,
		NumberOfBuckets:        t.NumberOfBuckets,
		BucketColumns:          t.BucketColumns,
		Columns:                t.Columns,
	}
}

// relocate points existing partitions at their new locations, in batches
// of MaxUpdateBatch, sequentially (relocation is the rare path).
func (r *Registrar) relocate(ctx context.Context, o *Options, db, table string, parts []types.PartitionInput, index map[string]int) (relocated, calls int, fails []BatchFailure, err error) {
	for start := 0; start < len(parts); start += MaxUpdateBatch {
		batch := parts[start:min(start+MaxUpdateBatch, len(parts))]
		entries := make([]types.BatchUpdatePartitionRequestEntry, len(batch))
		for i := range batch {
			entries[i] = types.BatchUpdatePartitionRequestEntry{PartitionValueList: batch[i].Values, PartitionInput: &batch[i]}
		}
		var out *glue.BatchUpdatePartitionOutput
		err = retry(ctx, o, "add partitions", func() error {
			calls++
			var err error
			out, err = r.api.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{
				DatabaseName: aws.String(db), TableName: aws.String(table), Entries: entries, CatalogId: o.catalogID(),
			})
			return err
		})
		if err != nil {
			return relocated, calls, fails, err
		}
		sent := make(map[string]bool, len(batch))
		for _, p := range batch {
			sent[valuesKey(p.Values)] = true
		}
		failed := 0
		for _, e := range out.Errors {
			code, msg := errorDetail(e.ErrorDetail)
			k := valuesKey(e.PartitionValueList)
			if sent[k] {
				sent[k] = false
				failed++
			}
			fails = append(fails, BatchFailure{Index: inputIndex(index, k, sent), Code: code, Message: msg})
		}
		relocated += len(batch) - failed
	}
	return relocated, calls, fails, nil
}

// createBatch sends one batch, resending the items that failed with a
// transient code.
func (r *Registrar) createBatch(ctx context.Context, o *Options, db, table string, batch []types.PartitionInput, index map[string]int) (added, existing, calls int, fails []BatchFailure, err error) {
	pending := batch
	for n := 1; len(pending) > 0; n++ {
		var out *glue.BatchCreatePartitionOutput
		err = retry(ctx, o, "add partitions", func() error {
			calls++
			var err error
			out, err = r.api.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{
				DatabaseName: aws.String(db), TableName: aws.String(table),
				PartitionInputList: pending, CatalogId: o.catalogID(),
			})
			return err
		})
		if err != nil {
			return added, existing, calls, fails, err
		}
		sent := make(map[string]bool, len(pending))
		for _, p := range pending {
			sent[valuesKey(p.Values)] = true
		}
		failed := map[string]types.PartitionError{}
		for _, e := range out.Errors {
			k := valuesKey(e.PartitionValues)
			if !sent[k] {
				// A failure for values this batch did not send: report
				// it rather than drop it.
				code, msg := errorDetail(e.ErrorDetail)
				fails = append(fails, BatchFailure{Index: -1, Code: code, Message: msg})
				continue
			}
			failed[k] = e
		}
		var again []types.PartitionInput
		for _, p := range pending {
			e, bad := failed[valuesKey(p.Values)]
			if !bad {
				added++
				continue
			}
			code := ""
			var msg string
			if e.ErrorDetail != nil {
				code, msg = aws.ToString(e.ErrorDetail.ErrorCode), aws.ToString(e.ErrorDetail.ErrorMessage)
			}
			switch k := kindOfCode(code); {
			case k == ErrAlreadyExists:
				existing++
			case (k == ErrThrottled || k == ErrUnavailable || k == ErrConflict) && n < o.MaxAttempts:
				again = append(again, p)
			default:
				fails = append(fails, BatchFailure{Index: index[valuesKey(p.Values)], Code: code, Message: msg})
			}
		}
		pending = again
		if len(pending) > 0 {
			if err := wait(ctx, o.Backoff(n)); err != nil {
				return added, existing, calls, fails, err
			}
		}
	}
	return added, existing, calls, fails, nil
}

// DeletePartitions removes partitions (given by their raw values) in batches
// of MaxDeleteBatch (25). It reads the table first and rejects a value list
// that does not match its partition keys (an *InputError with the index),
// then looks the partitions up (BatchGetPartition), so partitions that do
// not exist count as Missing without a write and a rerun makes no write
// call.
func (r *Registrar) DeletePartitions(ctx context.Context, db, table string, values [][]string, optFns ...func(*Options)) (PartitionResult, error) {
	const op = "delete partitions"
	o := r.options(optFns)
	if err := ValidateName("database", db); err != nil {
		return PartitionResult{}, newPartitionError(op, db, table, err)
	}
	if err := ValidateName("table", table); err != nil {
		return PartitionResult{}, newPartitionError(op, db, table, err)
	}
	for i, vs := range values {
		if len(vs) == 0 {
			return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "partition", Index: i, Reason: "no values"})
		}
	}
	if len(values) == 0 {
		return PartitionResult{}, nil
	}
	t, err := r.getTable(ctx, o, db, table)
	if err != nil {
		return PartitionResult{}, newPartitionError(op, db, table, err)
	}
	var res PartitionResult
	index := make(map[string]int, len(values))
	lists := make([]types.PartitionValueList, 0, len(values))
	for i, vs := range values {
		if len(vs) != len(t.PartitionKeys) {
			return PartitionResult{}, newPartitionError(op, db, table, &InputError{Field: "partition", Index: i, Reason: "number of values does not match the partition keys"})
		}
		gv := glueValues(vs)
		k := valuesKey(gv)
		if _, dup := index[k]; dup {
			res.Duplicates++
			continue
		}
		index[k] = i
		lists = append(lists, types.PartitionValueList{Values: gv})
	}
	// Read before writing, so a rerun makes no write call.
	keys := make([][]string, len(lists))
	for i, l := range lists {
		keys[i] = l.Values
	}
	existing, calls, err := r.existingPartitions(ctx, o, db, table, keys)
	res.Calls += calls
	if err != nil {
		return res, newPartitionError(op, db, table, err)
	}
	present := lists[:0:0]
	for _, l := range lists {
		if _, ok := existing[valuesKey(l.Values)]; ok {
			present = append(present, l)
		} else {
			res.Missing++
		}
	}
	lists = present

	var mu sync.Mutex
	var failures []BatchFailure
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	for start := 0; start < len(lists); start += MaxDeleteBatch {
		batch := lists[start:min(start+MaxDeleteBatch, len(lists))]
		g.Go(func() error {
			var out *glue.BatchDeletePartitionOutput
			calls := 0
			err := retry(gctx, o, op, func() error {
				calls++
				var err error
				out, err = r.api.BatchDeletePartition(gctx, &glue.BatchDeletePartitionInput{
					DatabaseName: aws.String(db), TableName: aws.String(table),
					PartitionsToDelete: batch, CatalogId: o.catalogID(),
				})
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			res.Calls += calls
			if err != nil {
				return err
			}
			sent := make(map[string]bool, len(batch))
			for _, l := range batch {
				sent[valuesKey(l.Values)] = true
			}
			failed := 0
			for _, e := range out.Errors {
				code, msg := errorDetail(e.ErrorDetail)
				k := valuesKey(e.PartitionValues)
				if sent[k] {
					sent[k] = false
					failed++
					if kindOfCode(code) == ErrNotFound {
						res.Missing++
						continue
					}
				}
				failures = append(failures, BatchFailure{Index: inputIndex(index, k, sent), Code: code, Message: msg})
			}
			res.Deleted += len(batch) - failed
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return res, newPartitionError(op, db, table, err)
	}
	if len(failures) > 0 {
		sortFailures(failures)
		return res, newPartitionError(op, db, table, &BatchError{Failures: failures})
	}
	return res, nil
}

func errorDetail(d *types.ErrorDetail) (code, msg string) {
	if d == nil {
		return "", ""
	}
	return aws.ToString(d.ErrorCode), aws.ToString(d.ErrorMessage)
}

// inputIndex is the caller's index of the batch item with values key k, or
// -1 when the batch did not send k (sent[k] is false after the item's own
// failure was counted, and absent for values never sent).
func inputIndex(index map[string]int, k string, sent map[string]bool) int {
	if _, ok := sent[k]; !ok {
		return -1
	}
	return index[k]
}

func sortFailures(f []BatchFailure) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].Index < f[j-1].Index; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

func partitionFrom(p types.Partition) Partition {
	out := Partition{Values: make([]string, len(p.Values)), Parameters: maps.Clone(p.Parameters)}
	for i, v := range p.Values {
		if v == HiveDefaultPartition {
			v = ""
		}
		out.Values[i] = v
	}
	if p.StorageDescriptor != nil {
		out.Location = aws.ToString(p.StorageDescriptor.Location)
	}
	return out
}

// ListPartitions returns one page of partitions (up to 1000) and the token
// of the next page ("" after the last). Pass "" to start. Use it to
// checkpoint; Partitions iterates over all pages.
func (r *Registrar) ListPartitions(ctx context.Context, db, table, pageToken string, optFns ...func(*Options)) ([]Partition, string, error) {
	const op = "list partitions"
	o := r.options(optFns)
	in := r.partitionsInput(o, db, table)
	if pageToken != "" {
		in.NextToken = aws.String(pageToken)
	}
	var out *glue.GetPartitionsOutput
	err := retry(ctx, o, op, func() error {
		var err error
		out, err = r.api.GetPartitions(ctx, in)
		return err
	})
	if err != nil {
		return nil, "", newPartitionError(op, db, table, err)
	}
	ps := make([]Partition, 0, len(out.Partitions))
	for _, p := range out.Partitions {
		ps = append(ps, partitionFrom(p))
	}
	return ps, aws.ToString(out.NextToken), nil
}

func (r *Registrar) partitionsInput(o *Options, db, table string) *glue.GetPartitionsInput {
	return &glue.GetPartitionsInput{
		DatabaseName: aws.String(db), TableName: aws.String(table), CatalogId: o.catalogID(),
		MaxResults: aws.Int32(1000), ExcludeColumnSchema: aws.Bool(true),
	}
}

// Partitions iterates over every partition of db.table (values unescaped,
// Hive's default partition as ""), fetching pages of 1000 as needed with the
// SDK paginator. Iteration stops at the first error, which is yielded. The
// iterator may be reused; each use lists afresh.
func (r *Registrar) Partitions(ctx context.Context, db, table string, optFns ...func(*Options)) iter.Seq2[Partition, error] {
	return r.partitions(ctx, db, table, "", optFns)
}

// PartitionsMatching is Partitions filtered by Glue on the server side with
// a GetPartitions Expression: SQL-like conditions on partition keys such as
// "dt >= '2026-11-01' AND source IN ('web', 'app')". Values in the
// expression are the raw (unescaped) partition values.
func (r *Registrar) PartitionsMatching(ctx context.Context, db, table, expression string, optFns ...func(*Options)) iter.Seq2[Partition, error] {
	return r.partitions(ctx, db, table, expression, optFns)
}

func (r *Registrar) partitions(ctx context.Context, db, table, expression string, optFns []func(*Options)) iter.Seq2[Partition, error] {
	const op = "list partitions"
	o := r.options(optFns)
	return func(yield func(Partition, error) bool) {
		if err := errors.Join(ValidateName("database", db), ValidateName("table", table)); err != nil {
			yield(Partition{}, newPartitionError(op, db, table, err))
			return
		}
		in := r.partitionsInput(o, db, table)
		if expression != "" {
			in.Expression = aws.String(expression)
		}
		pg := glue.NewGetPartitionsPaginator(r.api, in, func(po *glue.GetPartitionsPaginatorOptions) {
			po.Limit = 1000
			po.StopOnDuplicateToken = true
		})
		for pg.HasMorePages() {
			var out *glue.GetPartitionsOutput
			err := retry(ctx, o, op, func() error {
				var err error
				out, err = pg.NextPage(ctx)
				return err
			})
			if err != nil {
				yield(Partition{}, newPartitionError(op, db, table, err))
				return
			}
			for _, p := range out.Partitions {
				if !yield(partitionFrom(p), nil) {
					return
				}
			}
		}
	}
}
