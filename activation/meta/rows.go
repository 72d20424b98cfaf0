package meta

import (
	"iter"

	"github.com/cdpkit/cdpkit/hashing"
)

// HashedRows adapts the stream of hashing.Hasher.Rows to the Uploader's
// input. Values hashing rejected are already missing cells; report, when not
// nil, receives each row's number and hashing errors (key and reason, never
// the value) before the row is uploaded. A row left with no cell at all is
// rejected by the Uploader (ReasonEmptyRow).
//
// Use a Hasher with the Meta scheme: digests made under another scheme
// (HMAC) upload fine but never match.
func HashedRows(rows iter.Seq2[hashing.Row, error], report func(row int, errs []*hashing.Error)) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for r, err := range rows {
			if err == nil && report != nil && len(r.Errs) > 0 {
				report(r.Number, r.Errs)
			}
			if !yield(r.Cells, err) {
				return
			}
		}
	}
}
