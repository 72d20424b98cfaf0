package identity

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// unionFind keeps one int32 per record: the parent, or for a root minus
// its size, so a find and a union touch one array.
type unionFind struct {
	p []int32
}

func newUnionFind(huge bool, n int) unionFind {
	u := unionFind{p: bigSlice[int32](huge, n, n)}
	for i := range u.p {
		u.p[i] = -1
	}
	return u
}

// find returns x's root, halving the path on the way.
func (u *unionFind) find(x uint32) uint32 {
	for {
		p := u.p[x]
		if p < 0 {
			return x
		}
		gp := u.p[p]
		if gp < 0 {
			return uint32(p)
		}
		u.p[x] = gp
		x = uint32(gp)
	}
}

func (u *unionFind) size(root uint32) int { return int(-u.p[root]) }

// union joins two roots, the smaller under the larger, and returns the new
// root.
func (u *unionFind) union(a, b uint32) uint32 {
	if u.p[a] > u.p[b] { // a is smaller
		a, b = b, a
	}
	u.p[a] += u.p[b]
	u.p[b] = int32(a)
	return a
}

// limitState tracks, per union-find root, the distinct value ids of one
// limited kind.
type limitState struct {
	kind string
	max  int
	// per root: 0 without a value, value id + 1 with exactly one, inMore
	// with two or more (in more), so the common cases need no map lookup
	one  []uint32
	more map[uint32][]uint32 // roots with two or more values
}

// inMore marks in limitState.one a root whose values are in more. Value
// ids are group indices, below 2^32-1.
const inMore = math.MaxUint32

func (l *limitState) values(root uint32, buf *[1]uint32) []uint32 {
	switch v := l.one[root]; v {
	case 0:
		return nil
	case inMore:
		return l.more[root]
	default:
		buf[0] = v - 1
		return buf[:]
	}
}

func (l *limitState) add(node, v uint32) {
	switch o := l.one[node]; {
	case o == 0:
		l.one[node] = v + 1
	case o == inMore:
		if m := l.more[node]; !slices.Contains(m, v) {
			l.more[node] = append(m, v)
		}
	case o-1 != v:
		l.more[node] = []uint32{o - 1, v}
		l.one[node] = inMore
	}
}

// clear drops a root's values (it was joined under another root).
func (l *limitState) clear(root uint32) {
	if l.one[root] == inMore {
		delete(l.more, root)
	}
	l.one[root] = 0
}

// seedLimit returns the limit state of rs.values with every record's own
// values of that kind (rs's groups, singletons included). Grouping calls
// it once rs is grouped, in parallel with the other rules.
func (r *resolver) seedLimit(rs *ruleSpec) *limitState {
	l := &limitState{kind: r.o.Limits[rs.values].Kind, max: r.o.Limits[rs.values].Max, more: map[uint32][]uint32{}}
	if rs.n >= r.n/2 {
		l.one = bigSlice[uint32](r.o.HugePages, r.n, r.n) // most records have the kind
	} else {
		l.one = boundSlice[uint32](r.o.HugePages, r.n, r.n)
	}
	ng := rs.groups()
	for g := range ng {
		if g+linkAhead < ng {
			for _, m := range rs.members(g + linkAhead) {
				prefetchW(uintptr(unsafe.Pointer(&l.one[m])))
			}
		}
		for _, m := range rs.members(g) {
			l.add(m, uint32(g))
		}
	}
	return l
}

type linker struct {
	r      *resolver
	u      unionFind
	limits []*limitState
	cap    int
	// exclusions: pairs of ranks, and per root the pairs touching it
	excl     [][2]uint32
	exclNote []string
	exclOf   map[uint32][]int32
	guarded  bool

	la, lb []uint32
	lrule  []uint16
	names  []string
	buf1   [1]uint32
	buf2   [1]uint32
	counts []int

	ctx  context.Context
	work int // since the last context check
}

type verdict int

const (
	linked verdict = iota
	already
	refused
)

// link links the rules' groups, each once grouping has finished it (see
// waitRule).
func (r *resolver) link(ctx context.Context) (*linker, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: r.op, Err: err}
	}
	lk := &linker{r: r, u: newUnionFind(r.o.HugePages, r.n), cap: r.o.MaxClusterSize, ctx: ctx}
	st := &r.stats
	st.Matches, st.Links, st.Refused = map[string]int{}, map[string]int{}, map[Guard]int{}
	st.DegreeCapped = map[string]int{}

	// Limits, in priority order: seed every record's own values.
	if len(r.o.Limits) > 0 {
		lk.limits = make([]*limitState, len(r.o.Limits))
	}
	for _, rs := range r.rules {
		if rs.values < 0 {
			continue
		}
		if err := r.waitRule(rs); err != nil {
			return nil, err
		}
		lk.limits[rs.values] = rs.seed
		rs.seed = nil
	}
	lk.guarded = len(lk.limits) > 0 || lk.cap > 0

	// Overrides: includes are forced first; excludes are checked on every
	// union.
	var includes []Override
	for _, ov := range r.o.Overrides {
		a, okA := r.lookup(ov.A)
		b, okB := r.lookup(ov.B)
		if !okA || !okB {
			g := GuardExclude
			if ov.Include {
				g = GuardInclude
			}
			r.audits = append(r.audits, Audit{Guard: g, A: ov.A, B: ov.B, Reason: "override names a record not in the input; " + ov.Reason})
			continue
		}
		if ov.Include {
			includes = append(includes, ov)
			continue
		}
		if lk.exclOf == nil {
			lk.exclOf = map[uint32][]int32{}
		}
		p := int32(len(lk.excl))
		lk.excl = append(lk.excl, [2]uint32{a, b})
		lk.exclNote = append(lk.exclNote, ov.Reason)
		lk.exclOf[a] = append(lk.exclOf[a], p)
		lk.exclOf[b] = append(lk.exclOf[b], p)
		lk.guarded = true
	}
	lk.names = append(lk.names, "include")
	for _, ov := range includes {
		a, _ := r.lookup(ov.A)
		b, _ := r.lookup(ov.B)
		switch v, rf := lk.try(a, b, true); v {
		case linked:
			lk.addLink(a, b, 0)
			st.Forced++
			r.audits = append(r.audits, Audit{Guard: GuardInclude, A: ov.A, B: ov.B, Reason: ov.Reason})
		case refused:
			st.Refused[GuardExclude]++
			_, why := lk.reason(rf)
			r.audits = append(r.audits, Audit{Guard: GuardExclude, Rule: "include", A: ov.A, B: ov.B, Reason: why})
		}
	}

	for _, rs := range r.linkRules() {
		if err := r.waitRule(rs); err != nil {
			return nil, err
		}
		if err := lk.rule(rs); err != nil {
			return nil, &Error{Op: r.op, Err: err}
		}
	}
	return lk, nil
}

// linkRules returns the rules that link, in the order linking takes them:
// as configured, or by name for the default rules (one per kind).
func (r *resolver) linkRules() []*ruleSpec {
	var out []*ruleSpec
	for _, rs := range r.rules {
		if rs.link {
			out = append(out, rs)
		}
	}
	if len(r.o.Rules) == 0 {
		slices.SortFunc(out, func(a, b *ruleSpec) int { return strings.Compare(a.name, b.name) })
	}
	return out
}

// checkCtx returns the context's error every 64k units of work.
func (lk *linker) checkCtx(work int) error {
	lk.work += work
	if lk.work < 1<<16 {
		return nil
	}
	lk.work = 0
	return lk.ctx.Err()
}

func (lk *linker) addLink(a, b uint32, rule uint16) {
	if len(lk.la) == cap(lk.la) {
		h := lk.r.o.HugePages
		lk.la, lk.lb, lk.lrule = grow(h, lk.la, 1), grow(h, lk.lb, 1), grow(h, lk.lrule, 1)
	}
	lk.la = append(lk.la, a)
	lk.lb = append(lk.lb, b)
	lk.lrule = append(lk.lrule, rule)
	for len(lk.counts) <= int(rule) {
		lk.counts = append(lk.counts, 0)
	}
	lk.counts[rule]++
}

func (lk *linker) rule(rs *ruleSpec) error {
	r := lk.r
	st := &r.stats
	ri := uint16(len(lk.names))
	lk.names = append(lk.names, rs.name)
	st.Links[rs.name] += 0
	st.Matches[rs.name] += 0
	ng := rs.groups()
	order := make([]uint32, 0, ng)
	if lk.guarded {
		// Strongest edges first within a rule: values shared by fewer
		// records are more specific. Stable, so ties keep key order.
		const maxBucket = 1 << 16
		cnt := make([]uint32, maxBucket+2)
		for g := range ng {
			cnt[min(len(rs.members(g)), maxBucket)+1]++
		}
		for i := 1; i < len(cnt); i++ {
			cnt[i] += cnt[i-1]
		}
		order = order[:ng]
		for g := range ng {
			d := min(len(rs.members(g)), maxBucket)
			order[cnt[d]] = uint32(g)
			cnt[d]++
		}
	} else {
		for g := range ng {
			order = append(order, uint32(g))
		}
	}
	var anchors []uint32
	matches := 0 // added to st.Matches once: a map update per group costs
	defer func() { st.Matches[rs.name] += matches }()
	var pend []refusalAudit
	for oi, g := range order {
		if oi+linkAhead < len(order) {
			// Start loading the union-find entries of a group to come:
			// they are random, a cache miss each.
			// The limits' entries too: a record is often its own root.
			f := rs.members(int(order[oi+linkAhead]))
			for _, x := range f[:min(len(f), 3)] {
				prefetch(uintptr(unsafe.Pointer(&lk.u.p[x])))
				for _, l := range lk.limits {
					prefetch(uintptr(unsafe.Pointer(&l.one[x])))
				}
			}
		}
		m := rs.members(int(g))
		d := len(m)
		if err := lk.checkCtx(d); err != nil {
			return err
		}
		if d < 2 {
			continue // a value id kept for a limit, not a link
		}
		if rs.maxDegree > 0 && d > rs.maxDegree {
			st.DegreeCapped[rs.name]++
			if len(rs.kinds) == 1 {
				r.kinds[rs.kinds[0]].stats.DegreeCapped++
			}
			a := Audit{Guard: GuardDegree, Rule: rs.name, Kind: rs.kindLabel, Count: d,
				Reason: "value shared by " + strconv.Itoa(d) + " records, cap " + strconv.Itoa(rs.maxDegree)}
			for _, x := range m[:min(5, d)] {
				a.Records = append(a.Records, r.ref(x))
			}
			r.audits = append(r.audits, a)
			continue
		}
		matches += d - 1
		if !lk.guarded {
			a := lk.u.find(m[0])
			for _, x := range m[1:] {
				b := lk.u.find(x)
				if a == b {
					continue
				}
				a = lk.u.union(a, b)
				lk.addLink(m[0], x, ri)
			}
			continue
		}
		// Guarded: join each record to the first anchor that accepts it;
		// a record every anchor refuses becomes an anchor itself (up to 4),
		// so one refused record does not cut the others apart.
		anchors = append(anchors[:0], m[0])
		pend = pend[:0]
		for _, x := range m[1:] {
			done := false
			for _, an := range anchors {
				v, rf := lk.try(an, x, false)
				if v == refused {
					pend = lk.refuse(pend, rs, rf, an, x)
					continue
				}
				if v == linked {
					lk.addLink(an, x, ri)
				}
				done = true
				break
			}
			if !done && len(anchors) < 4 {
				anchors = append(anchors, x)
			}
		}
		for _, p := range pend {
			st.Refused[p.a.Guard] += p.a.Count
			if p.a.Count > 1 {
				p.a.Reason += "; " + strconv.Itoa(p.a.Count) + " edges between records sharing this value refused"
			}
			r.audits = append(r.audits, p.a)
		}
	}
	if int(ri) < len(lk.counts) {
		st.Links[rs.name] = lk.counts[ri]
	}
	return nil
}

// linkAhead is how many groups ahead of the one linking rule prefetches.
const linkAhead = 8

// refusal says why try refused an edge: the guard, and for GuardLimit the
// limit's index, for GuardExclude the exclusion's, and n the values or
// records the union would have given the person. Reasons are formatted
// only for the audit records kept (see reason).
type refusal struct {
	guard Guard
	index int
	n     int
}

// refusalAudit is the audit record of one (guard, limit or exclusion)
// within one value group, being aggregated.
type refusalAudit struct {
	rf refusal
	a  Audit
}

// refuse records a refused edge of group member x to anchor an. Refusals
// are aggregated per value group and guard (and limit): one Audit each,
// naming the first refused edge, up to five refused records and the exact
// count, so a hub value that thousands of edges try costs one audit record.
func (lk *linker) refuse(pend []refusalAudit, rs *ruleSpec, rf refusal, an, x uint32) []refusalAudit {
	r := lk.r
	i := 0
	for i < len(pend) && (pend[i].rf.guard != rf.guard || pend[i].rf.index != rf.index) {
		i++
	}
	if i == len(pend) {
		kind, why := lk.reason(rf)
		if kind == "" {
			kind = rs.kindLabel
		}
		pend = append(pend, refusalAudit{rf: rf, a: Audit{Guard: rf.guard, Rule: rs.name, Kind: kind, A: r.ref(an), B: r.ref(x), Reason: why}})
	}
	a := &pend[i].a
	a.Count++
	if n := len(a.Records); n < 5 {
		if ref := r.ref(x); n == 0 || a.Records[n-1] != ref {
			a.Records = append(a.Records, ref)
		}
	}
	return pend
}

// reason formats a refusal: the limited kind for GuardLimit (else "") and
// why, without values.
func (lk *linker) reason(rf refusal) (kind, why string) {
	switch rf.guard {
	case GuardExclude:
		return "", "records are excluded from one person by an override: " + lk.exclNote[rf.index]
	case GuardLimit:
		l := lk.limits[rf.index]
		return l.kind, "would give the person " + strconv.Itoa(rf.n) + " values of a kind limited to " + strconv.Itoa(l.max)
	}
	return "", "would give the person " + strconv.Itoa(rf.n) + " records, cap " + strconv.Itoa(lk.cap)
}

// try unions the persons of a and b unless a guard refuses. Exclusions are
// checked first (highest precedence), then limits in priority order, then
// the size cap; force skips all but exclusions.
func (lk *linker) try(a, b uint32, force bool) (verdict, refusal) {
	u := &lk.u
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return already, refusal{}
	}
	if lk.exclOf != nil {
		la, lb := lk.exclOf[ra], lk.exclOf[rb]
		other := rb
		if len(lb) < len(la) {
			la, other = lb, ra
		}
		for _, p := range la {
			e := lk.excl[p]
			if u.find(e[0]) == other || u.find(e[1]) == other {
				return refused, refusal{guard: GuardExclude, index: int(p)}
			}
		}
	}
	if !force {
		for li, l := range lk.limits {
			va := l.values(ra, &lk.buf1)
			vb := l.values(rb, &lk.buf2)
			if len(va) == 0 || len(vb) == 0 {
				continue
			}
			n := len(va)
			for _, v := range vb {
				if !slices.Contains(va, v) {
					n++
				}
			}
			if n > l.max && n > max(len(va), len(vb)) {
				return refused, refusal{guard: GuardLimit, index: li, n: n}
			}
		}
		if lk.cap > 0 && u.size(ra)+u.size(rb) > lk.cap {
			return refused, refusal{guard: GuardClusterSize, n: u.size(ra) + u.size(rb)}
		}
	}
	if root := u.union(ra, rb); root != ra {
		ra, rb = rb, ra
	}
	for _, l := range lk.limits {
		vb := l.values(rb, &lk.buf2)
		for _, v := range vb {
			l.add(ra, v)
		}
		l.clear(rb)
	}
	if lk.exclOf != nil {
		if lb, ok := lk.exclOf[rb]; ok {
			lk.exclOf[ra] = append(lk.exclOf[ra], lb...)
			delete(lk.exclOf, rb)
		}
	}
	return linked, refusal{}
}
