package meta

import (
	"iter"

	"github.com/cdpkit/cdpkit/hashing"
)

// HashedRows adapts the stream of hashing.Hasher.Rows to the Uploader's
// input. Values hashing rejected are already missing cells; a row left with
// no cell at all is rejected by the Uploader (ReasonEmptyRow). Use a Hasher
// with the Meta scheme: digests made under another scheme (HMAC) upload
// fine but never match.
func HashedRows(rows iter.Seq2[hashing.Row, error]) iter.Seq2[[]hashing.Cell, error] {
	return func(yield func([]hashing.Cell, error) bool) {
		for r, err := range rows {
			if !yield(r.Cells, err) {
				return
			}
		}
	}
}
