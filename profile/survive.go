package profile

import (
	"bytes"
	"cmp"
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
	src  uint16
	key  string
	t    int64 // Unix milliseconds, or noTime
	vals []Value
	ids  []pident
	raw  []byte // the encoded row: the last tie-break
}

type pident struct {
	key   uint8 // index in allKeys
	keyed bool
	val   string
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
	l := Lineage{Source: e.sources[r.src], RecordKey: r.key}
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
	if c := strings.Compare(a.key, b.key); c != 0 {
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

// compute builds a person's profile from its rows, which it sorts.
func (e *env) compute(id string, rows []prow) Profile {
	slices.SortFunc(rows, func(a, b prow) int { return e.rowCmp(&a, &b) })
	p := Profile{PersonID: id}
	p.Fields = make([]FieldValue, len(e.c.fields))
	for i := range e.c.fields {
		p.Fields[i] = e.field(&e.c.fields[i], rows)
	}
	p.Traits = e.traits(rows)
	p.Identifiers, p.IdentifiersDropped = e.identifiers(rows)
	for _, s := range e.c.segments {
		if s.eval(&p, e) {
			p.Segments = append(p.Segments, s.name)
		}
	}
	return p
}

func (e *env) field(f *cfield, rows []prow) FieldValue {
	fv := FieldValue{Name: f.Name}
	set := func(r *prow, v Value) {
		fv.Value, fv.Lineage = v, e.lineage(r)
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
				fv.Items[i] = Item{Value: c.v, Lineage: e.lineage(&rows[c.last])}
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

func (e *env) traits(rows []prow) Traits {
	t := Traits{Records: len(rows), RecencyDays: -1}
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
	t.Custom = make([]TraitValue, len(e.c.traits))
	for k := range e.c.traits {
		tr := &e.c.traits[k]
		t.Custom[k] = TraitValue{Name: tr.Name, Value: e.trait(tr, rows)}
	}
	return t
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
// seen first, bounded per key.
func (e *env) identifiers(rows []prow) ([]Identifier, int) {
	type seen struct {
		id   pident
		last int
	}
	var all []seen
	for i := range rows {
		for _, id := range rows[i].ids {
			j := slices.IndexFunc(all, func(s seen) bool { return s.id == id })
			if j < 0 {
				all = append(all, seen{id: id, last: i})
			} else {
				all[j].last = i
			}
		}
	}
	if len(all) == 0 {
		return nil, 0
	}
	slices.SortFunc(all, func(a, b seen) int {
		return cmp.Or(cmp.Compare(a.id.key, b.id.key), cmp.Compare(b.last, a.last),
			strings.Compare(a.id.val, b.id.val), cmp.Compare(btoi(a.id.keyed), btoi(b.id.keyed)))
	})
	out := make([]Identifier, 0, len(all))
	dropped, run := 0, 0
	for i, s := range all {
		if i > 0 && s.id.key == all[i-1].id.key {
			run++
		} else {
			run = 0
		}
		if run >= e.maxIDs {
			dropped++
			continue
		}
		out = append(out, Identifier{Key: hashing.Key(allKeys[s.id.key]), Value: s.id.val, Keyed: s.id.keyed, Lineage: e.lineage(&rows[s.last])})
	}
	return out, dropped
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
