package profile

import (
	"context"
	"iter"

	"github.com/cdpkit/cdpkit/zones/dataset"
)

// DatasetRows streams a clean-zone dataset as profile rows: toRow maps
// one stored row (with its partition fields filled in when the dataset
// has Options.SetPartition) to a Row. Build copies what it keeps, so toRow
// may reuse a Row's slices from call to call. An error from toRow stops
// the stream.
func DatasetRows[T any](ctx context.Context, ds *dataset.Dataset[T], toRow func(T) (Row, error)) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for v, err := range ds.Rows(ctx) {
			if err != nil {
				yield(Row{}, err)
				return
			}
			r, err := toRow(v)
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// Concat chains row streams, e.g. one per clean-zone dataset.
func Concat(streams ...iter.Seq2[Row, error]) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for _, s := range streams {
			for r, err := range s {
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}

// Rows adapts a slice of rows to a row stream.
func Rows(rows []Row) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// PartitionedRows streams a partitioned clean-zone dataset file by file,
// giving toRow each stored row with its file's partition values (the
// source, typically, when the dataset is partitioned by source).
func PartitionedRows[T any](ctx context.Context, ds *dataset.Dataset[T], toRow func(v T, partition map[string]string) (Row, error)) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for f, err := range ds.Files(ctx) {
			if err != nil {
				yield(Row{}, err)
				return
			}
			for v, err := range ds.ReadFile(ctx, f.Key) {
				if err != nil {
					yield(Row{}, err)
					return
				}
				r, err := toRow(v, f.Partition)
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}
