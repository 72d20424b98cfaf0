package profile

import (
	"context"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/cdpkit/cdpkit/identity"
)

const reasonNoPerson = "record has no person"

// Update rebuilds the profiles an identity.Result.Add touched and returns
// the combined Result; prev is not changed and stays valid.
//
//   - lookup gives a record's person in the new resolution (the new
//     identity.Result's Lookup method fits);
//   - events are the new resolution's events (its Events method): persons
//     merged into others and persons split off;
//   - rows are the new rows (those of the Add batch, or any new rows of
//     records identity already had).
//
// The persons rebuilt are those of the new rows, those named by the
// events, and, transitively, the persons any of their previous records now
// belong to. Everyone else keeps the profile of prev. Rows prev rejected
// because their record had no person are tried again. The result equals
// what Build gives on all the rows with the new assignments.
//
// The new rows and the rebuilt persons are held in memory (not spilled),
// and a chain of Updates keeps every person rebuilt since the last Build
// there: Build again from time to time. Update computes with the
// Builder's Options (RunAt included): for a new run time, make a new
// Builder and Build. prev must come from this Builder.
func (b *Builder) Update(ctx context.Context, prev *Result, lookup func(identity.RecordRef) (string, bool), events []identity.Event, rows iter.Seq2[Row, error]) (*Result, error) {
	const op = "update"
	start := time.Now()
	if prev == nil || prev.b != b {
		return nil, newErr(op, "", ErrInvalidInput, "prev must be a Result of this Builder")
	}
	if lookup == nil {
		return nil, newErr(op, "", ErrInvalidInput, "nil lookup")
	}
	if err := prev.alive(); err != nil {
		return nil, err
	}
	in := &ingest{b: b, op: op, srcIdx: map[string]uint16{}, sources: slices.Clone(prev.sources),
		odd: maps.Clone(prev.odd), keys: prev.keys}
	for i, s := range in.sources {
		in.srcIdx[s] = uint16(i)
	}

	affected := map[uint64]string{}
	var queue []uint64
	touch := func(id string) (uint64, error) {
		code, err := in.code(id)
		if err != nil {
			return 0, err
		}
		if _, ok := affected[code]; !ok {
			affected[code] = id
			queue = append(queue, code)
		}
		return code, nil
	}
	gathered := map[uint64][][]byte{}

	// The new rows.
	n := 0
	for r, err := range rows {
		if err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		if n++; n&0xfff == 0 && ctx.Err() != nil {
			return nil, &Error{Op: op, Err: ctx.Err()}
		}
		raw, reason, err := in.encode(&r, nil)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			in.reject(&r, reason)
			continue
		}
		id, ok := lookup(identity.RecordRef{Source: r.Source, Key: r.Key})
		if !ok {
			in.reject(&r, reasonNoPerson)
			in.orphans = append(in.orphans, orphan{raw: slices.Clone(raw)})
			continue
		}
		code, err := touch(id)
		if err != nil {
			return nil, err
		}
		in.rows++
		gathered[code] = append(gathered[code], slices.Clone(raw))
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: op, Err: err}
	}

	// The previous run's rows without a person, tried again.
	placed := map[[2]string]int{}
	var still []orphan
	for _, o := range prev.orphans {
		src, key, err := rowSourceKey(o.raw, prev.sources)
		if err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		id, ok := lookup(identity.RecordRef{Source: src, Key: key})
		if !ok {
			still = append(still, o)
			continue
		}
		code, err := touch(id)
		if err != nil {
			return nil, err
		}
		placed[[2]string{src, key}]++
		in.rows++
		gathered[code] = append(gathered[code], o.raw)
	}

	for _, e := range events {
		for _, id := range []string{e.Person, e.From} {
			if id == "" {
				continue
			}
			if _, err := touch(id); err != nil {
				return nil, err
			}
		}
	}

	// Every affected person's previous rows go to their records' new
	// persons, which are affected in turn.
	res := newResult(b, in)
	res.parts = prev.parts
	res.removed = make(map[uint64]struct{}, len(prev.removed))
	maps.Copy(res.removed, prev.removed)
	cur := &computer{e: b.env(in.sources)}
	old := &computer{e: b.env(prev.sources)}
	res.persons.Store(int64(prev.stats.Persons))
	for i := range prev.b.c.segments {
		res.segCount[i].Store(int64(prev.stats.Segments[prev.b.c.segments[i].name]))
	}
	res.idsDrop.Store(int64(prev.stats.IdentifiersDropped))
	res.itemDrop.Store(int64(prev.stats.ItemsDropped))
	res.stats.Rows = prev.stats.Rows + in.rows
	dropped := 0 // previous rows whose record lost its person
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		code := queue[0]
		queue = queue[1:]
		bl, found, err := prev.find(affected[code])
		if err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		if !found {
			continue
		}
		p, segs, err := old.profile(bl.id, bl.raws, false)
		if err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		res.account(&p, segs, -1)
		res.removed[code] = struct{}{}
		for _, raw := range bl.raws {
			src, key, err := rowSourceKey(raw, prev.sources)
			if err != nil {
				return nil, &Error{Op: op, Err: err}
			}
			id, ok := lookup(identity.RecordRef{Source: src, Key: key})
			if !ok {
				in.rejected = append(in.rejected, Rejection{Source: src, Key: key, Reason: reasonNoPerson})
				still = append(still, orphan{raw: raw})
				dropped++
				continue
			}
			nc, err := touch(id)
			if err != nil {
				return nil, err
			}
			gathered[nc] = append(gathered[nc], raw)
		}
	}
	res.stats.Rows -= dropped

	// Rebuild.
	var overlay [nParts][]block
	for p := range nParts {
		for _, bl := range prev.overlay[p] {
			if _, ok := affected[bl.code]; !ok {
				overlay[p] = append(overlay[p], bl)
			}
		}
	}
	codes := slices.Sorted(maps.Keys(affected))
	for _, code := range codes {
		raws := gathered[code]
		if len(raws) == 0 {
			continue
		}
		id := affected[code]
		p, segs, err := cur.profile(id, raws, false)
		if err != nil {
			return nil, &Error{Op: op, Err: err}
		}
		res.account(&p, segs, 1)
		ok := orderKey(code)
		pi := ok >> (64 - partBits)
		overlay[pi] = append(overlay[pi], block{ok: ok, code: code, id: id, segs: segs, raws: raws})
		res.removed[code] = struct{}{}
	}
	for p := range overlay {
		slices.SortFunc(overlay[p], func(a, b block) int { return blockCmp(a.ok, a.id, b.ok, b.id) })
	}
	res.overlay = overlay

	// Rejections: the previous ones, less the rows placed now, and the new.
	var rej []Rejection
	for _, r := range prev.rejected {
		k := [2]string{r.Source, r.Key}
		if r.Reason == reasonNoPerson && placed[k] > 0 {
			placed[k]--
			continue
		}
		rej = append(rej, r)
	}
	res.rejected = append(rej, in.rejected...)
	res.orphans = append(still, in.orphans...)
	res.stats.Rejected = len(res.rejected)
	res.stats.Updated = len(affected)
	res.sources = in.sources
	res.odd = in.odd
	res.keys = in.keys
	res.finish(start)
	return res, nil
}

// rowSourceKey reads an encoded row's source name and record key.
func rowSourceKey(raw []byte, sources []string) (string, string, error) {
	r := reader{b: raw}
	r.varint()
	src := r.uvarint()
	key := r.bytes(r.uvarint())
	if r.err || src >= uint64(len(sources)) {
		return "", "", errCorrupt
	}
	return sources[src], string(key), nil
}
