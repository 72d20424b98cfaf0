package hashing

import (
	"context"
	"iter"
)

// Fields is a parsed input record whose raw values are found by column
// name. zones/records.Record (CSV and JSON Lines) satisfies it, so a
// records stream feeds RowsFrom as it is.
type Fields interface {
	Get(name string) (string, bool)
}

// SourceRow is a hashed row with the record it was hashed from, so the
// caller can read the record's other columns (keys, timestamps) beside the
// cells.
type SourceRow[R any] struct {
	Row
	// Source is the input record.
	Source R
}

// RowsFrom hashes a stream of named-field records (such as
// zones/records.CSV or JSONLines): each record's raw value for key k is
// its column cols[k] (keys not in cols, and columns a record lacks, are
// missing). The rows come back in order with their source records, through
// h.Rows: batch records at a time (2048 when batch ≤ 0), hashed on all
// cores while the next batch is read. A record with a RowNumber() int
// method (records.Record: its line) is numbered by it in errors; others by
// position. Errors from recs end the stream after the rows before them.
func RowsFrom[R Fields](ctx context.Context, h *Hasher, schema []Key, cols map[Key]string, recs iter.Seq2[R, error], batch int) iter.Seq2[SourceRow[R], error] {
	type numbered interface{ RowNumber() int }
	return func(yield func(SourceRow[R], error) bool) {
		// Rows reads recs on this goroutine, so the queue of source
		// records waiting for their row needs no lock. It holds at most
		// the three batches Rows holds.
		var queue []R
		head := 0
		in := func(yield func(Record, error) bool) {
			var rec Record
			for r, err := range recs {
				if err != nil {
					yield(Record{}, err)
					return
				}
				rec.Reset()
				if n, ok := any(r).(numbered); ok {
					rec.Row = n.RowNumber()
				}
				for k, col := range cols {
					if v, ok := r.Get(col); ok {
						rec.Set(k, v)
					}
				}
				queue = append(queue, r)
				if !yield(rec, nil) {
					return
				}
			}
		}
		var zero R
		for row, err := range h.Rows(ctx, schema, in, batch) {
			if err != nil {
				yield(SourceRow[R]{Source: zero}, err)
				return
			}
			src := queue[head]
			queue[head] = zero
			head++
			if head > 4096 && head*2 > len(queue) {
				queue = append(queue[:0], queue[head:]...)
				head = 0
			}
			if !yield(SourceRow[R]{Row: row, Source: src}, nil) {
				return
			}
		}
	}
}
