package c3r

import "bytes"

// openSealed is openSealedTo returning a copy of the encoded value, for
// tests.
func openSealed(root []byte, body []byte) (encoded []byte, err error) {
	err = openSealedTo(root, body, func(b []byte) error { encoded = bytes.Clone(b); return nil })
	return encoded, err
}
