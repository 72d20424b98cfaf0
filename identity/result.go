package identity

import (
	"bytes"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result is a finished resolution. It is immutable and safe for concurrent
// reads. Records, persons and links are stored compactly and read through
// iterators, in canonical order (by record hash, then source and key), so
// equal input gives equal output whatever the input order.
type Result struct {
	sources []string
	recSrc  []uint16 // input index
	recKey  arena    // input index
	first   []uint32 // rank -> input index
	hashes  []uint64 // rank
	t0      []int64  // rank
	t1      map[uint32]int64
	n       int

	cluster []uint32 // rank -> cluster
	mStart  []uint32 // cluster -> start in members
	members []uint32 // ranks grouped by cluster

	// person ids: carried ids by cluster (index into prevIDs, or -1) and
	// new ids as 64-bit values.
	carried []int32
	prevIDs []string
	newID   []uint64

	la, lb []uint32
	lrule  []uint16
	names  []string

	audits   []Audit
	rejected []Rejection
	events   []Event
	stats    Stats

	// for Add
	opts      Options
	inputN    int
	ix        map[string]*ruleIndex
	parts     map[string]*partStore // conjunctive rules' parts, by rank
	kindNames []string
	blocks    []blockSample
	combos    []blockSample
}

// blockSample is the blocked-value audit of one (kind, blocklist entry):
// how many occurrences and the five canonically smallest records. For the
// combination cap, kind is the rule's name and label its kinds, count the
// records and dropped the combinations dropped.
type blockSample struct {
	kind    string
	entry   int
	count   int
	refs    []RecordRef
	label   string
	dropped int
}

// comboSamples are the combination-cap audits of the rules, in rule
// order, merged with those of the resolution this one extends (Add).
func (r *resolver) comboSamples() []blockSample {
	var out []blockSample
	for _, rs := range r.rules {
		var b blockSample
		if r.prior != nil {
			for _, p := range r.prior.combos {
				if p.kind == rs.name {
					b = p
					b.refs = slices.Clone(p.refs)
				}
			}
		}
		if h := rs.dropHit; h != nil || rs.poolDrops > 0 {
			b.kind, b.label = rs.name, rs.kindLabel
			b.dropped += rs.dropped
			b.count += rs.poolDrops
			for _, rk := range rs.poolDropRanks {
				b.refs = append(b.refs, r.ref(rk))
			}
			if h != nil {
				b.count += h.count
				for _, in := range h.recs {
					b.refs = append(b.refs, r.inputRef(in+uint32(r.base)))
				}
			}
			slices.SortFunc(b.refs, refLess)
			b.refs = slices.Compact(b.refs)
			if len(b.refs) > 5 {
				b.refs = b.refs[:5]
			}
		}
		if b.count > 0 {
			out = append(out, b)
		}
	}
	return out
}

func newResult(r *resolver, lk *linker) *Result {
	res := &Result{
		sources: r.sources, recSrc: r.recSrc, recKey: r.recKey, first: r.first, hashes: r.hashes,
		t0: r.t0, t1: r.t1, n: r.n, la: lk.la, lb: lk.lb, lrule: lk.lrule, names: lk.names,
		audits: r.audits, rejected: r.rejected, stats: r.stats,
		opts: r.o, inputN: r.inputN,
	}
	for _, rs := range r.rules {
		if rs.ix != nil {
			if res.ix == nil {
				res.ix = map[string]*ruleIndex{}
			}
			res.ix[rs.key()] = rs.ix
			if len(rs.parts.recs) > 0 {
				if res.parts == nil {
					res.parts = map[string]*partStore{}
				}
				res.parts[rs.key()] = &rs.parts
			}
		}
	}
	for _, k := range r.kinds {
		res.kindNames = append(res.kindNames, k.name)
	}
	// Blocked-value audits, in kind then entry order, merged with those of
	// the resolution this one extends (Add).
	res.blocks = r.blockSamples()
	var blocked []Audit
	for _, b := range res.blocks {
		a := Audit{Guard: GuardBlocked, Kind: b.kind, Count: b.count, Records: slices.Clone(b.refs)}
		switch b.entry {
		case -1:
			a.Reason = "empty value"
		case -2:
			a.Reason = "value longer than 4096 bytes"
		default:
			a.Reason = "blocklisted value (entry " + itoa(b.entry) + " of Options.Blocked for this kind)"
		}
		blocked = append(blocked, a)
	}
	// Combination-cap audits, in rule order, merged likewise.
	res.combos = r.comboSamples()
	for _, b := range res.combos {
		blocked = append(blocked, Audit{Guard: GuardCombinations, Rule: b.kind, Kind: b.label, Count: b.count, Records: slices.Clone(b.refs),
			Reason: "records carry more than " + itoa(maxCombos) + " combinations of the rule's kinds; the first " + itoa(maxCombos) + " in value order are used"})
	}
	res.audits = append(blocked, res.audits...)
	res.stats.Kinds = map[string]KindStats{}
	for _, k := range r.kinds {
		res.stats.Kinds[k.name] = k.stats
	}
	for _, b := range res.combos {
		if res.stats.CombinationsDropped == nil {
			res.stats.CombinationsDropped = map[string]int{}
		}
		res.stats.CombinationsDropped[b.kind] = b.dropped
	}
	res.stats.Warnings = r.warnings(res.stats.Kinds)
	res.stats.Records = r.n
	res.stats.Duplicates = r.dups
	res.stats.Rejected = len(r.rejected)
	res.stats.OutOfRangeTimes = r.badTimes
	if r.prior != nil {
		res.stats.Duplicates += r.prior.stats.Duplicates
		res.stats.OutOfRangeTimes += r.prior.stats.OutOfRangeTimes
	}

	// Clusters, numbered in order of their smallest rank.
	u := &lk.u
	res.cluster = bigSlice[uint32](r.o.HugePages, r.n, r.n)
	rootCluster := bigSlice[uint32](r.o.HugePages, r.n, r.n) // root -> cluster+1
	var nc uint32
	for x := range uint32(r.n) {
		root := u.find(x)
		c := rootCluster[root]
		if c == 0 {
			nc++
			c = nc
			rootCluster[root] = c
		}
		res.cluster[x] = c - 1
	}
	res.mStart = make([]uint32, nc+1)
	for _, c := range res.cluster {
		res.mStart[c+1]++
	}
	for i := 1; i < len(res.mStart); i++ {
		res.mStart[i] += res.mStart[i-1]
	}
	res.members = bigSlice[uint32](r.o.HugePages, r.n, r.n)
	pos := slices.Clone(res.mStart[:nc])
	for x, c := range res.cluster {
		res.members[pos[c]] = uint32(x)
		pos[c]++
	}
	return res
}

// warnings reports rules and limits that name kinds or sources the input
// never had (a typo, or a source not loaded yet), in rule order.
func (r *resolver) warnings(kinds map[string]KindStats) []string {
	var w []string
	seen := func(k string) bool { ks := kinds[k]; return ks.Kept+ks.Blocked > 0 }
	for _, ru := range r.o.Rules {
		for _, s := range ru.Sources {
			if _, ok := r.sourceIdx[s]; !ok {
				w = append(w, "rule "+strconv.Quote(ru.Name)+": source "+strconv.Quote(s)+" not in the input")
			}
		}
		for _, k := range ru.Kinds {
			if !seen(k) {
				w = append(w, "rule "+strconv.Quote(ru.Name)+": kind "+strconv.Quote(k)+" not in the input")
			}
		}
	}
	if len(r.o.Rules) == 0 && seen("include") {
		w = append(w, `default rule "include" (for the kind) has the name of the include overrides' links`)
	}
	for _, l := range r.o.Limits {
		if !seen(l.Kind) {
			w = append(w, "limit "+strconv.Quote(l.Kind)+": kind not in the input")
		}
	}
	return w
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	p := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		p--
		b[p] = '-'
	}
	return string(b[p:])
}

func (res *Result) ref(rank uint32) RecordRef {
	in := res.first[rank]
	return RecordRef{Source: res.sources[res.recSrc[in]], Key: string(res.recKey.get(int(in)))}
}

func (r *resolver) ref(rank uint32) RecordRef {
	in := r.first[rank]
	return RecordRef{Source: r.sources[r.recSrc[in]], Key: string(r.recKey.get(int(in)))}
}

func (r *resolver) inputRef(in uint32) RecordRef {
	return RecordRef{Source: r.sources[r.recSrc[in]], Key: string(r.recKey.get(int(in)))}
}

func refLess(a, b RecordRef) int {
	ha, hb := recordHash(a.Source, a.Key), recordHash(b.Source, b.Key)
	if ha != hb {
		if ha < hb {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

func (r *resolver) blockSamples() []blockSample {
	type bk struct {
		kind  string
		entry int
	}
	m := map[bk]*blockSample{}
	if r.prior != nil {
		for _, b := range r.prior.blocks {
			c := b
			c.refs = slices.Clone(b.refs)
			m[bk{b.kind, b.entry}] = &c
		}
	}
	for k, h := range r.blockHits {
		key := bk{r.kinds[k[0]].name, k[1]}
		b := m[key]
		if b == nil {
			b = &blockSample{kind: key.kind, entry: key.entry}
			m[key] = b
		}
		b.count += h.count
		for _, in := range h.recs {
			b.refs = append(b.refs, r.inputRef(in+uint32(r.base)))
		}
	}
	out := make([]blockSample, 0, len(m))
	for _, b := range m {
		slices.SortFunc(b.refs, refLess)
		b.refs = slices.Compact(b.refs)
		if len(b.refs) > 5 {
			b.refs = b.refs[:5]
		}
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b blockSample) int {
		if c := strings.Compare(a.kind, b.kind); c != 0 {
			return c
		}
		return a.entry - b.entry
	})
	return out
}

func (r *resolver) lookup(ref RecordRef) (uint32, bool) {
	return lookupRank(ref, r.hashes, r.sources, r.recSrc, &r.recKey, r.first)
}

func lookupRank(ref RecordRef, hashes []uint64, sources []string, recSrc []uint16, keys *arena, first []uint32) (uint32, bool) {
	h := recordHash(ref.Source, ref.Key)
	i, _ := slices.BinarySearch(hashes, h)
	for ; i < len(hashes) && hashes[i] == h; i++ {
		in := first[i]
		if sources[recSrc[in]] == ref.Source && bytes.Equal(keys.get(int(in)), []byte(ref.Key)) {
			return uint32(i), true
		}
	}
	return 0, false
}

// Lookup returns the person id of a record. Its signature fits
// Options.Previous, so a Result seeds the next run's ids.
func (res *Result) Lookup(ref RecordRef) (string, bool) {
	x, ok := lookupRank(ref, res.hashes, res.sources, res.recSrc, &res.recKey, res.first)
	if !ok {
		return "", false
	}
	return res.personID(res.cluster[x]), true
}

func (res *Result) personID(c uint32) string {
	if p := res.carried[c]; p >= 0 {
		return res.prevIDs[p]
	}
	return formatID(res.newID[c])
}

const hexdigits = "0123456789abcdef"

func formatID(v uint64) string {
	var b [17]byte
	b[0] = 'p'
	for i := 16; i >= 1; i-- {
		b[i] = hexdigits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// Stats returns the run's metrics.
func (res *Result) Stats() Stats { return res.stats }

// Len returns the number of records resolved.
func (res *Result) Len() int { return res.n }

// Assignments yields every record with its person, in canonical order.
func (res *Result) Assignments() iter.Seq[Assignment] {
	return func(yield func(Assignment) bool) {
		ids := make(map[uint32]string)
		for x := range uint32(res.n) {
			c := res.cluster[x]
			id, ok := ids[c]
			if !ok {
				id = res.personID(c)
				if len(ids) > 1<<16 {
					clear(ids)
				}
				ids[c] = id
			}
			if !yield(Assignment{Record: res.ref(x), Person: id}) {
				return
			}
		}
	}
}

// Persons yields every person with its cluster facts, in order of each
// person's first record in canonical order.
func (res *Result) Persons() iter.Seq[Person] {
	return func(yield func(Person) bool) {
		var srcs []uint16
		for c := range uint32(len(res.mStart) - 1) {
			m := res.members[res.mStart[c]:res.mStart[c+1]]
			p := Person{ID: res.personID(c), Size: len(m)}
			t0, t1 := int64(noTime), int64(noTime)
			srcs = srcs[:0]
			for _, x := range m {
				srcs = append(srcs, res.recSrc[res.first[x]])
				t0 = minTime(t0, res.t0[x])
				t1 = max(t1, lastTime(res.t0, res.t1, x))
			}
			slices.Sort(srcs)
			for _, s := range slices.Compact(srcs) {
				p.Sources = append(p.Sources, res.sources[s])
			}
			slices.Sort(p.Sources)
			if t0 != noTime {
				p.FirstSeen = time.Unix(0, t0).UTC()
			}
			if t1 != noTime {
				p.LastSeen = time.Unix(0, t1).UTC()
			}
			if !yield(p) {
				return
			}
		}
	}
}

// Members returns the records of the person with the given id, in
// canonical order, or nil.
func (res *Result) Members(person string) []RecordRef {
	for c := range uint32(len(res.mStart) - 1) {
		if res.personID(c) == person {
			var out []RecordRef
			for _, x := range res.members[res.mStart[c]:res.mStart[c+1]] {
				out = append(out, res.ref(x))
			}
			return out
		}
	}
	return nil
}

// Clusters yields each person's records, as Members would.
func (res *Result) Clusters() iter.Seq2[string, []RecordRef] {
	return func(yield func(string, []RecordRef) bool) {
		for c := range uint32(len(res.mStart) - 1) {
			var out []RecordRef
			for _, x := range res.members[res.mStart[c]:res.mStart[c+1]] {
				out = append(out, res.ref(x))
			}
			if !yield(res.personID(c), out) {
				return
			}
		}
	}
}

// Links yields the unions made, in the order they were made: overrides,
// then each rule in order.
func (res *Result) Links() iter.Seq[Link] {
	return func(yield func(Link) bool) {
		for i := range res.la {
			if !yield(Link{A: res.ref(res.la[i]), B: res.ref(res.lb[i]), Rule: res.names[res.lrule[i]]}) {
				return
			}
		}
	}
}

// Audits returns the guards' decisions: blocked values first, then in the
// order they were made.
func (res *Result) Audits() []Audit { return slices.Clone(res.audits) }

// Rejected returns the input records that were not resolved.
func (res *Result) Rejected() []Rejection { return slices.Clone(res.rejected) }

// Events returns how previous person ids fared: merged or split.
func (res *Result) Events() []Event { return slices.Clone(res.events) }
