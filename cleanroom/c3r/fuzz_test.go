package c3r

import (
	"bytes"
	"io"
	"testing"
)

func fuzzSeeds(t testing.TB) [][]byte {
	k, _ := newKeys(sampleSecret(t).b, sampleSalt, false)
	c := newRowCipher(k.root)
	var nonce [nonceLen]byte
	c.reset(&nonce)
	var seeds [][]byte
	for _, v := range []Value{StringValue("x"), {Type: TypeBigInt, Int: 7}, {Type: TypeDate, Int: 1}, {Type: TypeBoolean, Bool: true},
		{Type: TypeDouble, Float: 1.5}, {Type: TypeDecimal, Bytes: []byte("1.50"), Precision: 5, Scale: 2}, Null(TypeInt),
		{Type: TypeTimestamp, Int: 5, UTC: true, Unit: Micros}, {Type: TypeVarchar, Bytes: []byte("v"), MaxLength: 9}} {
		seeds = append(seeds, c.appendSealed(nil, []byte("c"), appendEncoded(nil, v), 3))
	}
	// A cell sealed by the official client.
	seeds = append(seeds, []byte("02:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6aWfsQmMshIXB+aQeNKcVLRIG4IqVn2RSlGoabQoytMye/pDz15Oas"),
		[]byte("01:enc:AAAA"), []byte("02:hmac:AAAA"), []byte(""), []byte("02:enc:"))
	return seeds
}

// FuzzDecryptCell: any cell decrypts or fails with an *Error; never a
// panic.
func FuzzDecryptCell(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	d, _ := NewDecryptor(sampleSecret(f), sampleSalt)
	k, _ := newKeys(sampleSecret(f).b, sampleSalt, false)
	f.Fuzz(func(t *testing.T, cell []byte) {
		v, err := d.DecryptCell(cell)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		_ = v.Text()
		// The value decoder on its own, with arbitrary bytes: it must not
		// panic either, and what it accepts must re-encode identically
		// (Booleans and strings are canonical; all fixed-size types too).
		if dv, err := decodeValue(cell); err == nil && !bytes.Equal(appendEncoded(nil, dv), cell) {
			t.Fatalf("decode/encode mismatch")
		}
		_, _ = openSealed(k.root, cell)
	})
}

// FuzzDecryptCSV: any CSV input decrypts or fails with an error; never a
// panic.
func FuzzDecryptCSV(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add("a,b\n" + string(s) + ",\"q\"\n")
	}
	f.Add("a\n\"unterminated")
	f.Add("a,b\n1\n")
	d, _ := NewDecryptor(sampleSecret(f), sampleSalt)
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = d.DecryptCSV(t.Context(), io.Discard, bytes.NewReader([]byte(in)))
	})
}

// FuzzDecryptParquet: any bytes given as a Parquet result decrypt or fail
// with an error; a panic inside parquet-go on a corrupt file becomes
// ErrInput. Long fuzzing runs have seen the worker hang or die while
// minimizing mutated files (inside parquet-go's reader; the minimized
// inputs pass on their own), so Parquet results should come from a
// trusted source such as Clean Rooms' result location.
func FuzzDecryptParquet(f *testing.F) {
	d, _ := NewDecryptor(sampleSecret(f), sampleSalt)
	e, _ := NewEncryptor(sampleSecret(f), sampleSalt, LowAssurance())
	pq := writeTyped(f, typedRows(3, true))
	var enc bytes.Buffer
	schema := Schema{Columns: []Column{{Source: "s", Type: Sealed}, {Source: "i32", Type: Fingerprint}, {Source: "d", Type: Cleartext},
		{Source: "dec64", Type: Sealed}, {Source: "ts_us", Type: Sealed}, {Source: "dec32", Type: Cleartext}}}
	if _, err := e.Encrypt(f.Context(), &enc, Parquet, Input{Parquet, bytes.NewReader(pq), int64(len(pq))}, schema); err != nil {
		f.Fatal(err)
	}
	f.Add(enc.Bytes())
	f.Add(pq)
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = d.DecryptParquet(t.Context(), io.Discard, bytes.NewReader(data), int64(len(data)))
		for _, err := range d.Rows(t.Context(), Input{Parquet, bytes.NewReader(data), int64(len(data))}) {
			if err != nil {
				break
			}
		}
	})
}

// FuzzDecimalBytes: any two's complement unscaled value renders as text
// that parses back to the same value and re-encodes to the same bytes.
func FuzzDecimalBytes(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xfe}, uint8(12))
	f.Add([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, uint8(0))
	f.Add([]byte{0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, uint8(38))
	f.Fuzz(func(t *testing.T, b []byte, scale uint8) {
		s := int32(scale % 60)
		p := int32(3*len(b) + 1) // digits of any len(b)-byte value
		text, ok := decimalFromBytes(nil, b, p, s)
		if !ok {
			if len(b) != 0 {
				t.Fatal("refused")
			}
			return
		}
		if !isDecimalText(text) || !decimalFits(p, s, text) {
			t.Fatal("text does not fit its column")
		}
		n, ok := decimalUnscaled(text, p, s)
		if !ok {
			t.Fatal("text does not parse")
		}
		back, ok := twosComplement(n, len(b))
		if !ok || !bytes.Equal(back, b) {
			t.Fatal("value changed")
		}
	})
}
