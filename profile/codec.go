package profile

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"unsafe"

	"github.com/cdpkit/cdpkit/hashing"
)

// Rows are kept (spilled and in the person-sorted state) in a compact
// binary form:
//
//	varint  time (ms, or noTime)
//	uvarint source index, uvarint key length, key
//	uvarint value count, per value: type byte and payload
//	uvarint identifier count, per identifier: key index, flags
//	        (1 keyed, 2 packed 32-byte digest), then 32 bytes or
//	        uvarint length and bytes
//
// The encoding of a row depends only on its content and its source's index.

var errCorrupt = errors.New("corrupt spill data")

func appendRow(dst []byte, src uint16, key string, t int64, vals []Value, ids []hashing.Cell, idKeys []uint8) []byte {
	dst = binary.AppendVarint(dst, t)
	dst = binary.AppendUvarint(dst, uint64(src))
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	dst = append(dst, key...)
	n := len(vals)
	for n > 0 && vals[n-1].IsNull() {
		n--
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, v := range vals[:n] {
		dst = appendValue(dst, v)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ids)))
	for i, c := range ids {
		dst = append(dst, idKeys[i])
		val := c.Value()
		var flags byte
		if c.Keyed() {
			flags |= 1
		}
		if len(val) == 64 && isLowerHex(val) {
			flags |= 2
			dst = append(dst, flags)
			var b [32]byte
			hex.Decode(b[:], []byte(val))
			dst = append(dst, b[:]...)
			continue
		}
		dst = append(dst, flags)
		dst = binary.AppendUvarint(dst, uint64(len(val)))
		dst = append(dst, val...)
	}
	return dst
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func appendValue(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.t))
	switch v.t {
	case String:
		dst = binary.AppendUvarint(dst, uint64(len(v.s)))
		dst = append(dst, v.s...)
	case Int, Time:
		dst = binary.AppendVarint(dst, v.n)
	case Bool:
		dst = append(dst, byte(v.n))
	case Float:
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.f))
	}
	return dst
}

type reader struct {
	b   []byte
	err bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if uint64(len(r.b)) < n {
		r.err = true
		r.b = nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte1() byte {
	if len(r.b) == 0 {
		r.err = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) value() Value {
	t := Type(r.byte1())
	switch t {
	case 0:
		return Null
	case String:
		b := r.bytes(r.uvarint())
		if len(b) == 0 {
			r.err = true
			return Null
		}
		return Value{t: String, s: unsafe.String(&b[0], len(b))}
	case Int, Time:
		return Value{t: t, n: r.varint()}
	case Bool:
		return Value{t: Bool, n: int64(r.byte1())}
	case Float:
		b := r.bytes(8)
		if b == nil {
			return Null
		}
		return Value{t: Float, f: math.Float64frombits(binary.LittleEndian.Uint64(b))}
	}
	r.err = true
	return Null
}

// rowDecoder decodes a person's rows into slabs it reuses from person to
// person. String values, keys and identifier values alias the encoded
// rows: a computed profile is detached (its survivors copied) before it
// leaves the package.
type rowDecoder struct {
	rows []prow
	vals []Value
	ids  []pident
	pos  [][4]int
}

func (d *rowDecoder) decode(raws [][]byte) ([]prow, error) {
	d.rows, d.vals, d.ids, d.pos = d.rows[:0], d.vals[:0], d.ids[:0], d.pos[:0]
	for _, raw := range raws {
		r := reader{b: raw}
		var pr prow
		pr.raw = raw
		pr.t = r.varint()
		pr.src = uint16(r.uvarint())
		pr.key = r.bytes(r.uvarint())
		nv := r.uvarint()
		if nv > uint64(len(r.b)) {
			return nil, errCorrupt
		}
		v0 := len(d.vals)
		for range nv {
			d.vals = append(d.vals, r.value())
		}
		ni := r.uvarint()
		if ni > uint64(len(r.b)) {
			return nil, errCorrupt
		}
		i0 := len(d.ids)
		for range ni {
			k := r.byte1()
			flags := r.byte1()
			var val []byte
			if flags&2 != 0 {
				val = r.bytes(32)
			} else {
				val = r.bytes(r.uvarint())
			}
			if int(k) >= len(allKeys) {
				r.err = true
			}
			d.ids = append(d.ids, pident{key: k, flags: flags, val: val})
		}
		if r.err || len(r.b) != 0 {
			return nil, errCorrupt
		}
		d.rows = append(d.rows, pr)
		d.pos = append(d.pos, [4]int{v0, len(d.vals), i0, len(d.ids)})
	}
	for i := range d.rows {
		p := d.pos[i]
		d.rows[i].vals = d.vals[p[0]:p[1]:p[1]]
		d.rows[i].ids = d.ids[p[2]:p[3]:p[3]]
	}
	return d.rows, nil
}
