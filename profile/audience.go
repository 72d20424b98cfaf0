package profile

import (
	"context"
	"iter"
	"slices"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/hashing"
)

// Diff yields how a segment's membership changed from prev to cur (two
// Results of the same Spec, e.g. yesterday's and today's): persons who
// entered and persons who exited, in the Results' order. It streams both
// member lists in one merge; nothing is held in memory. A nil prev means
// an empty previous run.
func Diff(ctx context.Context, prev, cur *Result, segment string) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		var pm iter.Seq2[string, error] = func(func(string, error) bool) {}
		if prev != nil {
			pm = prev.Members(ctx, segment)
		}
		next, stop := iter.Pull2(pm)
		defer stop()
		pid, perr, pok := next()
		for id, err := range cur.Members(ctx, segment) {
			if err != nil {
				yield(Change{}, err)
				return
			}
			for pok && perr == nil && personCmp(pid, id) < 0 {
				if !yield(Change{Segment: segment, PersonID: pid}, nil) {
					return
				}
				pid, perr, pok = next()
			}
			if pok && perr != nil {
				yield(Change{}, perr)
				return
			}
			if pok && pid == id {
				pid, perr, pok = next()
				continue
			}
			if !yield(Change{Segment: segment, PersonID: id, Entered: true}, nil) {
				return
			}
		}
		for pok {
			if perr != nil {
				yield(Change{}, perr)
				return
			}
			if !yield(Change{Segment: segment, PersonID: pid}, nil) {
				return
			}
			pid, perr, pok = next()
		}
	}
}

// personCmp is the Result order of two person ids.
func personCmp(a, b string) int {
	ca, _ := personCode(a)
	cb, _ := personCode(b)
	return blockCmp(orderKey(ca), a, orderKey(cb), b)
}

// metaKeys are the keys a Custom Audience schema may hold.
func metaKey(k hashing.Key) bool { return k != hashing.DOB }

// AudienceSchema is the multi-key schema for uploading this Result's
// profiles to Meta: every key any profile has an identifier for, in
// hashing's canonical order (DOB excluded, it is not an audience key).
func (r *Result) AudienceSchema() meta.Schema {
	var s meta.Schema
	for i, k := range allKeys {
		if r.keys&(1<<i) != 0 && metaKey(hashing.Key(k)) {
			s = append(s, hashing.Key(k))
		}
	}
	return s
}

// MetaRows turns a profile into Custom Audience rows in schema order:
// every identifier the profile has for a key in schema, the first of
// each key in the first row, the second in the second row, and so on, so
// Meta can match on each of them. Keyed (HMAC) digests are left out:
// Meta cannot match them. A profile without any usable identifier gives
// no row.
func MetaRows(p *Profile, schema meta.Schema) ([][]hashing.Cell, error) {
	per := make([][]hashing.Cell, len(schema))
	n := 0
	for _, id := range p.Identifiers {
		j := slices.Index(schema, id.Key)
		if j < 0 || id.Keyed {
			continue
		}
		var c hashing.Cell
		var err error
		if id.Key.Hashed() {
			c, err = hashing.CellFromDigest(id.Key, id.Value)
		} else {
			c, err = hashing.HashCell(id.Key, id.Value)
		}
		if err != nil {
			return nil, &Error{Op: "audience", Key: string(id.Key), Err: err}
		}
		per[j] = append(per[j], c)
		n = max(n, len(per[j]))
	}
	rows := make([][]hashing.Cell, n)
	for i := range rows {
		row := make([]hashing.Cell, len(schema))
		for j, k := range schema {
			if i < len(per[j]) {
				row[j] = per[j][i]
			} else {
				row[j] = hashing.Missing(k)
			}
		}
		rows[i] = row
	}
	return rows, nil
}

// AudienceRows yields the Custom Audience rows of a segment's members
// (for meta.Uploader.Replace, or Add on a first run), with
// AudienceSchema's columns.
func (r *Result) AudienceRows(ctx context.Context, segment string) iter.Seq2[[]hashing.Cell, error] {
	schema := r.AudienceSchema()
	return func(yield func([]hashing.Cell, error) bool) {
		si, err := r.segment(segment)
		if err != nil {
			yield(nil, err)
			return
		}
		for p, err := range r.Profiles(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !slices.Contains(p.Segments, r.b.c.segments[si].name) {
				continue
			}
			rows, err := MetaRows(&p, schema)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, row := range rows {
				if !yield(row, nil) {
					return
				}
			}
		}
	}
}

// AudienceChanges returns what to send Meta to move a segment's audience
// from prev's members to cur's (pass prev nil on the first run), and the
// schema for both uploads (the keys of either Result): add holds the rows of entered persons and of members
// who gained identifiers; remove holds, for exited persons, the rows of
// their previous identifiers that no current member still has (a person
// merged into a member is not removed). Feed them to meta.Uploader.Add
// and Remove.
//
// The current members' identifiers are held in memory as 64-bit
// fingerprints (8 bytes each) while remove is iterated.
func AudienceChanges(ctx context.Context, prev, cur *Result, segment string) (schema meta.Schema, add, remove iter.Seq2[[]hashing.Cell, error]) {
	schema = cur.AudienceSchema()
	if prev != nil {
		for _, k := range prev.AudienceSchema() {
			if !slices.Contains(schema, k) {
				schema = append(schema, k)
			}
		}
		slices.SortFunc(schema, func(a, b hashing.Key) int { return keyIndex(string(a)) - keyIndex(string(b)) })
	}
	add = func(yield func([]hashing.Cell, error) bool) {
		// One merge of both runs' profiles, which come in the same order.
		var pp iter.Seq2[Profile, error] = func(func(Profile, error) bool) {}
		if prev != nil {
			pp = prev.Profiles(ctx)
		}
		next, stop := iter.Pull2(pp)
		defer stop()
		old, oerr, ok := next()
		for p, err := range cur.Profiles(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			for ok && oerr == nil && personCmp(old.PersonID, p.PersonID) < 0 {
				old, oerr, ok = next()
			}
			if ok && oerr != nil {
				yield(nil, oerr)
				return
			}
			if !slices.Contains(p.Segments, segment) {
				continue
			}
			send := p
			if ok && old.PersonID == p.PersonID && slices.Contains(old.Segments, segment) {
				// A member in both runs: only the identifiers it gained.
				send = Profile{}
				for _, id := range p.Identifiers {
					if !slices.ContainsFunc(old.Identifiers, func(o Identifier) bool { return o.Key == id.Key && o.Value == id.Value }) {
						send.Identifiers = append(send.Identifiers, id)
					}
				}
			}
			rows, err := MetaRows(&send, schema)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, row := range rows {
				if !yield(row, nil) {
					return
				}
			}
		}
	}
	remove = func(yield func([]hashing.Cell, error) bool) {
		if prev == nil {
			return
		}
		var held []uint64
		for p, err := range cur.Profiles(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			if slices.Contains(p.Segments, segment) {
				for _, id := range p.Identifiers {
					held = append(held, idPrint(id))
				}
			}
		}
		slices.Sort(held)
		for p, err := range prev.Profiles(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !slices.Contains(p.Segments, segment) {
				continue
			}
			var gone Profile
			for _, id := range p.Identifiers {
				if _, still := slices.BinarySearch(held, idPrint(id)); !still {
					gone.Identifiers = append(gone.Identifiers, id)
				}
			}
			rows, err := MetaRows(&gone, schema)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, row := range rows {
				if !yield(row, nil) {
					return
				}
			}
		}
	}
	return schema, add, remove
}

func idPrint(id Identifier) uint64 { return strHash(id.Value, uint64(keyIndex(string(id.Key)))+1) }
