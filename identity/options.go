package identity

import (
	"runtime"
	"slices"
	"strconv"
)

// validate checks o and returns a copy with defaults filled in.
func (o Options) validate(op string) (Options, error) {
	seen := map[string]bool{}
	for i, r := range o.Rules {
		key := r.Name
		if key == "" {
			key = "rule " + strconv.Itoa(i)
			return o, invalid(op, key, "rule has no name")
		}
		if r.Name == "include" {
			return o, invalid(op, key, "rule name is reserved for links made by include overrides")
		}
		if seen[r.Name] {
			return o, invalid(op, key, "duplicate rule name")
		}
		seen[r.Name] = true
		if len(r.Kinds) == 0 {
			return o, invalid(op, key, "rule has no kinds")
		}
		if len(r.Kinds) > 16 {
			return o, invalid(op, key, "rule has more than 16 kinds")
		}
		ks := slices.Clone(r.Kinds)
		slices.Sort(ks)
		if slices.Contains(ks, "") {
			return o, invalid(op, key, "rule has an empty kind")
		}
		if len(slices.Compact(ks)) != len(r.Kinds) {
			return o, invalid(op, key, "rule repeats a kind")
		}
		if r.MaxDegree < 0 {
			return o, invalid(op, key, "negative MaxDegree")
		}
	}
	if len(o.Rules) > 1<<15 {
		return o, invalid(op, "", "too many rules")
	}
	for k, c := range o.DegreeCap {
		if c < 0 {
			return o, invalid(op, k, "negative degree cap")
		}
	}
	if o.DefaultDegreeCap < 0 || o.MaxClusterSize < 0 {
		return o, invalid(op, "", "negative cap")
	}
	lk := map[string]bool{}
	for _, l := range o.Limits {
		if l.Kind == "" || l.Max < 1 {
			return o, invalid(op, l.Kind, "limit needs a kind and Max >= 1")
		}
		if lk[l.Kind] {
			return o, invalid(op, l.Kind, "duplicate limit")
		}
		lk[l.Kind] = true
	}
	pairs := map[[2]RecordRef]bool{}
	for _, ov := range o.Overrides {
		if ov.A == ov.B {
			return o, invalid(op, ov.A.String(), "override links a record to itself")
		}
		p := [2]RecordRef{ov.A, ov.B}
		if p[1].Source < p[0].Source || p[1].Source == p[0].Source && p[1].Key < p[0].Key {
			p[0], p[1] = p[1], p[0]
		}
		if inc, ok := pairs[p]; ok && inc != ov.Include {
			return o, invalid(op, p[0].String()+" "+p[1].String(), "override both includes and excludes a pair")
		}
		pairs[p] = ov.Include
	}
	b := o.Bounds
	if b.MaxLargestCluster < 0 || b.MaxLinkageRate < 0 || b.MaxLargestClusterGrowth < 0 || b.MaxLinkageRateIncrease < 0 {
		return o, invalid(op, "", "negative bound")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.splitMin <= 0 {
		o.splitMin = splitGroupMin
	}
	if o.keyBits <= 0 || o.keyBits > 64 {
		o.keyBits = 64
	}
	return o, nil
}
