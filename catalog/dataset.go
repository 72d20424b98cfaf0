package catalog

import (
	"context"
	"iter"
	"maps"

	"github.com/cdpkit/cdpkit/zones/dataset"
)

// Dataset is what RegisterDataset needs from a zones/dataset dataset:
// *dataset.Dataset[T] satisfies it for every row type T.
type Dataset interface {
	// Schema is the dataset's columns, partition keys, location,
	// compression and column facts.
	Schema() dataset.Schema
	// Partitions yields the partition directories holding files.
	Partitions(ctx context.Context) iter.Seq2[dataset.Partition, error]
}

// DatasetSchema is the Schema of the table that holds what zones/dataset
// wrote: its columns (with their comments), partition keys, location and
// compression, and its column facts (the hash schemes of hashed columns)
// as table parameters.
func DatasetSchema(s dataset.Schema) Schema {
	conv := func(cols []dataset.Column) []Column {
		out := make([]Column, 0, len(cols))
		for _, c := range cols {
			out = append(out, Column{Name: c.Name, Type: c.Type, Comment: c.Comment})
		}
		return out
	}
	return Schema{
		Columns:       conv(s.Columns),
		PartitionKeys: conv(s.PartitionKeys),
		Location:      s.Location,
		Compression:   Compression(s.Compression),
		Parameters:    maps.Clone(s.Parameters),
	}
}

// DatasetResult reports a RegisterDataset call.
type DatasetResult struct {
	Table      TableChange
	Partitions PartitionResult
}

// registerBatch bounds the partitions held in memory at once.
const registerBatch = 1000

// RegisterDataset registers a dataset written with zones/dataset as
// db.table in one call: EnsureTable with DatasetSchema(d.Schema()), then
// AddPartitions with every partition d.Partitions yields, at the
// locations the files are at, 1,000 at a time. A rerun over the same
// files writes nothing; new partitions are added, new columns evolve the
// table as EnsureTable does. The database must exist (EnsureDatabase).
func (r *Registrar) RegisterDataset(ctx context.Context, db, table string, d Dataset, optFns ...func(*Options)) (DatasetResult, error) {
	var res DatasetResult
	ch, err := r.EnsureTable(ctx, db, table, DatasetSchema(d.Schema()), optFns...)
	res.Table = ch
	if err != nil {
		return res, err
	}
	var batch []Partition
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		pr, err := r.AddPartitions(ctx, db, table, batch, optFns...)
		res.Partitions.Added += pr.Added
		res.Partitions.Existing += pr.Existing
		res.Partitions.Relocated += pr.Relocated
		res.Partitions.Duplicates += pr.Duplicates
		res.Partitions.Calls += pr.Calls
		batch = batch[:0]
		return err
	}
	for p, err := range d.Partitions(ctx) {
		if err != nil {
			return res, newError("register dataset", db, table, err)
		}
		batch = append(batch, Partition{Values: p.Values, Location: p.Location})
		if len(batch) == registerBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}
