package profile

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cdpkit/cdpkit/hashing"
)

// noTime marks a row without a time; it sorts before every known time.
const noTime = math.MinInt64

// prow is one decoded row of a person.
type prow struct {
	src    uint16
	key    []byte
	keyStr string // key as a string, made once for lineage
	t      int64  // Unix milliseconds, or noTime
	vals   []Value
	ids    []pident
	raw    []byte // the encoded row: the last tie-break
}

type pident struct {
	key   uint8 // index in allKeys
	flags uint8 // 1 keyed, 2 val is a packed 32-byte digest
	val   []byte
}

func (a pident) equal(b pident) bool {
	return a.key == b.key && a.flags == b.flags && bytes.Equal(a.val, b.val)
}

func (a pident) text() string {
	if a.flags&2 != 0 {
		return hex.EncodeToString(a.val)
	}
	return string(a.val)
}

// env is what computing a profile needs besides the rows.
type env struct {
	c        *compiled
	sources  []string // by source index
	runAt    int64    // ms
	freqFrom int64    // ms: rows after this count in Frequency
	maxIDs   int
}

func (e *env) lineage(r *prow) Lineage {
	if r.keyStr == "" {
		r.keyStr = string(r.key)
	}
	l := Lineage{Source: e.sources[r.src], RecordKey: r.keyStr}
	if r.t != noTime {
		l.ObservedAt = time.UnixMilli(r.t).UTC()
	}
	return l
}

// rowCmp is the canonical row order: time, source name, record key,
// encoded bytes. Every policy's tie-break follows from it.
func (e *env) rowCmp(a, b *prow) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	if a.src != b.src {
		if c := strings.Compare(e.sources[a.src], e.sources[b.src]); c != 0 {
			return c
		}
	}
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c
	}
	return bytes.Compare(a.raw, b.raw)
}

func (r *prow) val(col int) Value {
	if col < len(r.vals) {
		return r.vals[col]
	}
	return Null
}

// computer computes profiles on one goroutine, reusing its buffers.
type computer struct {
	e       *env
	dec     rowDecoder
	scratch Profile
	seen    []seenID
}

type seenID struct {
	id   pident
	last int
}

// profile decodes a person's rows and computes its profile and segment
// bits. With full false only what segments and statistics need is
// computed (no lineage, no identifier values) into reused buffers, and
// the Profile must not be kept; with full true the Profile owns its data.
func (c *computer) profile(id string, raws [][]byte, full bool) (Profile, uint64, error) {
	rows, err := c.dec.decode(raws)
	if err != nil {
		return Profile{}, 0, err
	}
	e := c.e
	slices.SortFunc(rows, func(a, b prow) int { return e.rowCmp(&a, &b) })
	var p Profile
	if full {
		p.Fields = make([]FieldValue, len(e.c.fields))
		p.Traits.Custom = make([]TraitValue, len(e.c.traits))
	} else {
		p = c.scratch
		p.Fields = slices.Grow(p.Fields[:0], len(e.c.fields))[:len(e.c.fields)]
		p.Traits.Custom = slices.Grow(p.Traits.Custom[:0], len(e.c.traits))[:len(e.c.traits)]
		p.Traits.Sources = p.Traits.Sources[:0]
		p.Identifiers = p.Identifiers[:0]
	}
	p.PersonID = id
	for i := range e.c.fields {
		if full || e.c.needField[i] {
			p.Fields[i] = e.field(&e.c.fields[i], rows, full)
		}
	}
	e.traits(&p.Traits, rows, full)
	p.Identifiers, p.IdentifiersDropped = c.identifiers(p.Identifiers, rows, full)
	var segs uint64
	for i, s := range e.c.segments {
		if s.eval(&p, e) {
			segs |= 1 << i
			if full {
				p.Segments = append(p.Segments, s.name)
			}
		}
	}
	if full {
		p.detach()
	} else {
		c.scratch = p
	}
	return p, segs, nil
}

// detach copies the strings a profile shares with the encoded rows.
func (p *Profile) detach() {
	for i := range p.Fields {
		f := &p.Fields[i]
		f.Value = f.Value.clone()
		for j := range f.Items {
			f.Items[j].Value = f.Items[j].Value.clone()
		}
	}
	for i := range p.Traits.Custom {
		p.Traits.Custom[i].Value = p.Traits.Custom[i].Value.clone()
	}
}

func (v Value) clone() Value {
	if v.t == String {
		v.s = strings.Clone(v.s)
	}
	return v
}

func (e *env) field(f *cfield, rows []prow, full bool) FieldValue {
	fv := FieldValue{Name: f.Name}
	set := func(r *prow, v Value) {
		fv.Value = v
		if full {
			fv.Lineage = e.lineage(r)
		}
	}
	switch f.Policy {
	case MostRecent:
		for i := len(rows) - 1; i >= 0; i-- {
			if v := rows[i].val(f.col); !v.IsNull() {
				if fv.Rows == 0 {
					set(&rows[i], v)
				}
				fv.Rows++
			}
		}
	case Oldest:
		for i := range rows {
			if v := rows[i].val(f.col); !v.IsNull() {
				if fv.Rows == 0 {
					set(&rows[i], v)
				}
				fv.Rows++
			}
		}
	case SourcePriority:
		best := -1
		for i := len(rows) - 1; i >= 0; i-- {
			v := rows[i].val(f.col)
			if v.IsNull() {
				continue
			}
			fv.Rows++
			rank, ok := f.rank[e.sources[rows[i].src]]
			if !ok {
				rank = len(f.Sources)
			}
			if best < 0 || rank < best {
				best = rank
				set(&rows[i], v)
			}
		}
	case Min, Max:
		var bi = -1
		for i := len(rows) - 1; i >= 0; i-- {
			v := rows[i].val(f.col)
			if v.IsNull() {
				continue
			}
			fv.Rows++
			if bi < 0 {
				bi = i
				continue
			}
			c := Compare(v, rows[bi].val(f.col))
			if f.Policy == Max {
				c = -c
			}
			if c < 0 {
				bi = i
			}
		}
		if bi >= 0 {
			set(&rows[bi], rows[bi].val(f.col))
		}
	case Sum:
		var si int64
		var sf float64
		last := -1
		for i := range rows {
			v := rows[i].val(f.col)
			if v.IsNull() {
				continue
			}
			fv.Rows++
			last = i
			if f.typ == Int {
				si += v.Int()
			} else {
				sf += v.Float()
			}
		}
		if last >= 0 {
			if f.typ == Int {
				set(&rows[last], IntValue(si))
			} else {
				set(&rows[last], FloatValue(sf))
			}
		}
	case Count:
		last := -1
		for i := range rows {
			if !rows[i].val(f.col).IsNull() {
				fv.Rows++
				last = i
			}
		}
		if last >= 0 {
			set(&rows[last], IntValue(int64(fv.Rows)))
		} else {
			fv.Value = IntValue(0)
		}
	case MostFrequent, UniqueList:
		// Distinct values with their count and most recent row; rows are
		// few per person, so a sorted slice beats a map.
		type cnt struct {
			v    Value
			n    int
			last int
		}
		var cs []cnt
		for i := range rows {
			v := rows[i].val(f.col)
			if v.IsNull() {
				continue
			}
			fv.Rows++
			j := slices.IndexFunc(cs, func(c cnt) bool { return c.v.Equal(v) })
			if j < 0 {
				cs = append(cs, cnt{v: v, n: 1, last: i})
			} else {
				cs[j].n++
				cs[j].last = i
			}
		}
		if len(cs) == 0 {
			break
		}
		if f.Policy == UniqueList {
			slices.SortFunc(cs, func(a, b cnt) int { return cmp.Compare(b.last, a.last) })
			if len(cs) > f.max {
				fv.Dropped = len(cs) - f.max
				cs = cs[:f.max]
			}
			fv.Items = make([]Item, len(cs))
			for i, c := range cs {
				fv.Items[i] = Item{Value: c.v}
				if full {
					fv.Items[i].Lineage = e.lineage(&rows[c.last])
				}
			}
			break
		}
		best := 0
		for i := 1; i < len(cs); i++ {
			if cs[i].n > cs[best].n || cs[i].n == cs[best].n && cs[i].last > cs[best].last {
				best = i
			}
		}
		set(&rows[cs[best].last], cs[best].v)
		fv.Rows = cs[best].n
	}
	return fv
}

func (e *env) inWindow(t int64, w time.Duration) bool {
	return t != noTime && t <= e.runAt && t >= e.runAt-w.Milliseconds()
}

func (e *env) traits(t *Traits, rows []prow, full bool) {
	t.Records, t.RecencyDays, t.Frequency = len(rows), -1, 0
	t.FirstSeen, t.LastSeen = time.Time{}, time.Time{}
	first, last := int64(noTime), int64(noTime)
	for i := range rows {
		r := &rows[i]
		if r.t != noTime {
			if first == noTime {
				first = r.t
			}
			last = r.t
			if r.t > e.freqFrom && r.t <= e.runAt {
				t.Frequency++
			}
		}
		src := e.sources[r.src]
		j := slices.IndexFunc(t.Sources, func(s SourceCount) bool { return s.Source == src })
		if j < 0 {
			t.Sources = append(t.Sources, SourceCount{Source: src, Rows: 1})
		} else {
			t.Sources[j].Rows++
		}
	}
	slices.SortFunc(t.Sources, func(a, b SourceCount) int { return strings.Compare(a.Source, b.Source) })
	if first != noTime {
		t.FirstSeen = time.UnixMilli(first).UTC()
		t.LastSeen = time.UnixMilli(last).UTC()
		t.RecencyDays = int((e.runAt - last) / (24 * 3600 * 1000))
		if e.runAt < last {
			t.RecencyDays = 0
		}
	}
	for k := range e.c.traits {
		if full || e.c.needTrait[k] {
			tr := &e.c.traits[k]
			t.Custom[k] = TraitValue{Name: tr.Name, Value: e.trait(tr, rows)}
		}
	}
}

func (e *env) trait(tr *ctrait, rows []prow) Value {
	var (
		n      int64
		si     int64
		sf     float64
		best   Value
		seen   []Value
		hasAny bool
	)
	for i := range rows {
		r := &rows[i]
		if tr.sources != nil && !tr.sources[e.sources[r.src]] {
			continue
		}
		if tr.Window > 0 && !e.inWindow(r.t, tr.Window) {
			continue
		}
		if tr.col < 0 {
			n++
			continue
		}
		v := r.val(tr.col)
		if v.IsNull() {
			continue
		}
		n++
		hasAny = true
		switch tr.Agg {
		case AggSum, AggAvg:
			if v.t == Int && tr.Agg == AggSum {
				si += v.n
			} else {
				sf += v.Float()
			}
		case AggMin:
			if best.IsNull() || Compare(v, best) < 0 {
				best = v
			}
		case AggMax:
			if best.IsNull() || Compare(v, best) > 0 {
				best = v
			}
		case AggCountDistinct:
			if !slices.ContainsFunc(seen, v.Equal) {
				seen = append(seen, v)
			}
		}
	}
	switch tr.Agg {
	case AggCount:
		return IntValue(n)
	case AggCountDistinct:
		return IntValue(int64(len(seen)))
	case AggSum:
		if !hasAny {
			return Null
		}
		if tr.typ == Int {
			return IntValue(si)
		}
		return FloatValue(sf)
	case AggAvg:
		if !hasAny {
			return Null
		}
		return FloatValue(sf / float64(n))
	}
	return best
}

// identifiers collects the distinct identifiers per key, most recently
// seen first, bounded per key, into dst. Without full, only keys are set.
func (c *computer) identifiers(dst []Identifier, rows []prow, full bool) ([]Identifier, int) {
	all := c.seen[:0]
	for i := range rows {
		for _, id := range rows[i].ids {
			j := slices.IndexFunc(all, func(s seenID) bool { return s.id.equal(id) })
			if j < 0 {
				all = append(all, seenID{id: id, last: i})
			} else {
				all[j].last = i
			}
		}
	}
	c.seen = all
	if len(all) == 0 {
		return dst, 0
	}
	slices.SortFunc(all, func(a, b seenID) int {
		return cmp.Or(cmp.Compare(a.id.key, b.id.key), cmp.Compare(b.last, a.last),
			cmp.Compare(a.id.flags, b.id.flags), bytes.Compare(a.id.val, b.id.val))
	})
	dropped, run := 0, 0
	for i, s := range all {
		if i > 0 && s.id.key == all[i-1].id.key {
			run++
		} else {
			run = 0
		}
		if run >= c.e.maxIDs {
			dropped++
			continue
		}
		id := Identifier{Key: hashing.Key(allKeys[s.id.key])}
		if full {
			id.Value, id.Keyed, id.Lineage = s.id.text(), s.id.flags&1 != 0, c.e.lineage(&rows[s.last])
		}
		dst = append(dst, id)
	}
	return dst, dropped
}
