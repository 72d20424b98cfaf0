package identity

import "github.com/cdpkit/cdpkit/hashing"

// Cells turns hashing cells into identifiers (kind = the hashing key, value =
// the cell's wire value), skipping missing cells.
func Cells(cells ...hashing.Cell) []Identifier {
	return AppendCells(nil, cells...)
}

// AppendCells is Cells appending to dst, for reuse of one slice per record.
func AppendCells(dst []Identifier, cells ...hashing.Cell) []Identifier {
	for _, c := range cells {
		if c.IsMissing() {
			continue
		}
		dst = append(dst, Identifier{Kind: string(c.Key()), Value: c.Value()})
	}
	return dst
}
