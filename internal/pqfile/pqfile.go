// Package pqfile opens Parquet files that may be corrupt or hostile.
//
// parquet-go trusts the footer length in a file's last eight bytes and
// allocates that many bytes before comparing it with the file's size, so
// an eight-byte tail can make it allocate 4 GiB; and it panics on some
// malformed metadata. Open checks the tail first and turns panics into
// errors.
package pqfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// ErrCorrupt reports a file that is not a well-formed Parquet file.
var ErrCorrupt = errors.New("parquet: corrupt file")

// Open is parquet.OpenFile after CheckTail, with panics from malformed
// metadata returned as errors wrapping ErrCorrupt.
func Open(r io.ReaderAt, size int64, options ...parquet.FileOption) (f *parquet.File, err error) {
	if err := CheckTail(r, size); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	return parquet.OpenFile(r, size, options...)
}

// CheckTail checks a Parquet file's last eight bytes: the footer length
// must fit in the file between the leading and trailing "PAR1", and the
// file must end with "PAR1". Errors wrap ErrCorrupt, or are the reader's.
func CheckTail(r io.ReaderAt, size int64) error {
	const magic = "PAR1"
	if size < 12 {
		return fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && err != io.EOF {
		return err
	}
	if string(tail[4:]) != magic {
		return fmt.Errorf("%w: no PAR1 trailer", ErrCorrupt)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("%w: footer of %d bytes in a file of %d", ErrCorrupt, n, size)
	}
	return nil
}
