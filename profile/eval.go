package profile

import "github.com/cdpkit/cdpkit/hashing"

// allKeys are hashing's keys in canonical order, as strings.
var allKeys = func() []string {
	var out []string
	for _, k := range hashing.Keys() {
		out = append(out, string(k))
	}
	return out
}()

// evaluator decides whether a profile is in a segment.
type evaluator func(p *Profile, e *env) bool

func (c *compiled) evaluator(x Expr) evaluator {
	switch x.Op {
	case OpAnd:
		args := c.evaluators(x.Args)
		return func(p *Profile, e *env) bool {
			for _, a := range args {
				if !a(p, e) {
					return false
				}
			}
			return true
		}
	case OpOr:
		args := c.evaluators(x.Args)
		return func(p *Profile, e *env) bool {
			for _, a := range args {
				if a(p, e) {
					return true
				}
			}
			return false
		}
	case OpNot:
		a := c.evaluator(x.Args[0])
		return func(p *Profile, e *env) bool { return !a(p, e) }
	}
	o, _ := c.resolve(x.Name)
	get := func(p *Profile, e *env, yield func(Value) bool) {
		if o.field >= 0 {
			f := &p.Fields[o.field]
			if o.list {
				for _, it := range f.Items {
					if !yield(it.Value) {
						return
					}
				}
				return
			}
			yield(f.Value)
			return
		}
		if o.trait >= 0 {
			yield(p.Traits.Custom[o.trait].Value)
			return
		}
		if o.bi == bSources {
			sourcesValues(p, yield)
			return
		}
		yield(builtin(o, p))
	}
	test := func(v Value) bool { return false }
	switch x.Op {
	case OpExists:
		test = func(v Value) bool { return !v.IsNull() }
	case OpIn:
		vs := x.Values
		test = func(v Value) bool {
			for _, w := range vs {
				if !v.IsNull() && Compare(v, w) == 0 {
					return true
				}
			}
			return false
		}
	case OpWithin:
		w := x.Window
		return func(p *Profile, e *env) bool {
			ok := false
			get(p, e, func(v Value) bool {
				ok = v.t == Time && e.inWindow(v.n, w)
				return !ok
			})
			return ok
		}
	default:
		lit, op := x.Values[0], x.Op
		test = func(v Value) bool {
			if v.IsNull() {
				return false
			}
			c := Compare(v, lit)
			switch op {
			case OpEq:
				return c == 0
			case OpNe:
				return c != 0
			case OpLt:
				return c < 0
			case OpLe:
				return c <= 0
			case OpGt:
				return c > 0
			case OpGe:
				return c >= 0
			}
			return false
		}
	}
	return func(p *Profile, e *env) bool {
		ok := false
		get(p, e, func(v Value) bool {
			ok = test(v)
			return !ok
		})
		return ok
	}
}

func (c *compiled) evaluators(xs []Expr) []evaluator {
	out := make([]evaluator, len(xs))
	for i, x := range xs {
		out[i] = c.evaluator(x)
	}
	return out
}

func builtin(o operand, p *Profile) Value {
	t := &p.Traits
	switch o.bi {
	case bRecords:
		return IntValue(int64(t.Records))
	case bFirstSeen:
		return TimeValue(t.FirstSeen)
	case bLastSeen:
		return TimeValue(t.LastSeen)
	case bRecencyDays:
		if t.RecencyDays < 0 {
			return Null
		}
		return IntValue(int64(t.RecencyDays))
	case bFrequency:
		return IntValue(int64(t.Frequency))
	case bSourceCount:
		return IntValue(int64(len(t.Sources)))
	case "records.":
		for _, s := range t.Sources {
			if s.Source == o.arg {
				return IntValue(int64(s.Rows))
			}
		}
		return Null
	case "id.":
		n := 0
		for _, id := range p.Identifiers {
			if string(id.Key) == o.arg {
				n++
			}
		}
		if n == 0 {
			return Null
		}
		return IntValue(int64(n))
	}
	return Null
}

// sourcesValues yields the person's sources for the "sources" list.
func sourcesValues(p *Profile, yield func(Value) bool) {
	for _, s := range p.Traits.Sources {
		if !yield(StringValue(s.Source)) {
			return
		}
	}
}
