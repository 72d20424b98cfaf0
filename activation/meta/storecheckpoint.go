package meta

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cdpkit/cdpkit/zones"
)

// StoreCheckpoint is a Checkpoint kept in a zone of a *zones.Store, so an
// upload resumes on whatever backend holds the lake: S3 (zones/s3zone), a
// local directory (zones/filezone) or memory. Zones are create-only, so
// each Save writes a new object under "<prefix>/<key>/": a snapshot of the
// state, or, when the Save only adds acknowledged batches, a small delta
// holding just those. A new snapshot is written once the deltas since the
// last one outnumber an eighth of its batches (so an upload of n batches
// writes O(n) bytes), after which the older objects are deleted. Load reads
// the newest snapshot and the deltas after it; objects are written whole or
// not at all, so there is no torn state to repair.
//
// Like FileCheckpoint, it remembers what it last loaded or saved per key:
// use one StoreCheckpoint per prefix at a time. A Save that finds its
// object name taken (another writer) fails with zones.ErrAlreadyExists in
// the chain.
type StoreCheckpoint struct {
	store  *zones.Store
	zone   zones.Zone
	prefix string

	mu    sync.Mutex
	known map[string]*storeLog
}

// storeLog is what a StoreCheckpoint knows of a key's objects.
type storeLog struct {
	head   []byte       // the state without Acked, as JSON
	acked  []AckedBatch // every batch of the state
	seq    int64        // the newest object's sequence number
	snap   int          // batches in the newest snapshot
	deltas int          // deltas written since it
}

// NewStoreCheckpoint returns a StoreCheckpoint keeping its objects under
// prefix (e.g. "_checkpoints/meta") in zone z of store. The raw zone cannot
// hold it (objects there cannot be deleted).
func NewStoreCheckpoint(store *zones.Store, z zones.Zone, prefix string) *StoreCheckpoint {
	return &StoreCheckpoint{store: store, zone: z, prefix: strings.Trim(prefix, "/")}
}

var _ Checkpoint = (*StoreCheckpoint)(nil)

type storeObject struct {
	seq  int64
	snap bool
	key  string
}

// dir is the key's directory in the zone.
func (c *StoreCheckpoint) dir(key string) string {
	name := safeName(key)
	if c.prefix == "" {
		return name + "/"
	}
	return c.prefix + "/" + name + "/"
}

// safeName keeps keys of letters, digits, '-', '_' and '.' as they are
// and hex-encodes any other, so that no key can leave its directory.
func safeName(key string) string {
	safe := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			safe = false
			break
		}
	}
	if !safe || key[0] == '.' {
		return "x" + hex.EncodeToString([]byte(key))
	}
	return key
}

// objects lists the key's objects in sequence order.
func (c *StoreCheckpoint) objects(ctx context.Context, key string) ([]storeObject, error) {
	if c.zone == zones.Raw {
		return nil, zones.NewError("checkpoint", string(c.zone)+"/"+c.prefix, zones.ErrInvalidInput, errors.New("checkpoints cannot live in the raw zone"))
	}
	var out []storeObject
	for o, err := range c.store.Objects(ctx, c.zone, c.dir(key)) {
		if err != nil {
			return nil, err
		}
		base := path.Base(o.Key)
		num, kind, ok := strings.Cut(base, ".")
		n, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || path.Dir(o.Key)+"/" != c.dir(key) || (kind != "snap.json" && kind != "delta.json") {
			continue
		}
		out = append(out, storeObject{seq: n, snap: kind == "snap.json", key: o.Key})
	}
	slices.SortFunc(out, func(a, b storeObject) int { return int(a.seq - b.seq) })
	return out, nil
}

func (c *StoreCheckpoint) read(ctx context.Context, key string, v any) error {
	rc, err := c.store.Get(ctx, c.zone, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode checkpoint %q: %w", key, err)
	}
	return nil
}

// Load reads the state for key, or returns (nil, nil) if there is none.
func (c *StoreCheckpoint) Load(ctx context.Context, key string) (*CheckpointState, error) {
	objs, err := c.objects(ctx, key)
	if err != nil {
		return nil, err
	}
	last := -1
	for i, o := range objs {
		if o.snap {
			last = i
		}
	}
	if last < 0 {
		c.forget(key)
		return nil, nil
	}
	var st CheckpointState
	if err := c.read(ctx, objs[last].key, &st); err != nil {
		return nil, err
	}
	l := &storeLog{seq: objs[last].seq, snap: len(st.Acked)}
	for _, o := range objs[last+1:] {
		var d logLine
		if err := c.read(ctx, o.key, &d); err != nil {
			return nil, err
		}
		st.Acked = append(st.Acked, d.Acked...)
		l.seq = o.seq
		l.deltas++
	}
	if l.head, err = stateHead(&st); err != nil {
		return nil, err
	}
	l.acked = slices.Clone(st.Acked)
	c.mu.Lock()
	if c.known == nil {
		c.known = map[string]*storeLog{}
	}
	c.known[key] = l
	c.mu.Unlock()
	return &st, nil
}

// Save records st for key: as a delta when st only adds acknowledged
// batches to the state last saved or loaded, else as a new snapshot.
func (c *StoreCheckpoint) Save(ctx context.Context, key string, st *CheckpointState) error {
	head, err := stateHead(st)
	if err != nil {
		return err
	}
	c.mu.Lock()
	prev := c.known[key]
	c.mu.Unlock()
	if prev == nil {
		// Not loaded by this instance: continue after the newest object.
		objs, err := c.objects(ctx, key)
		if err != nil {
			return err
		}
		prev = &storeLog{}
		if n := len(objs); n > 0 {
			prev.seq = objs[n-1].seq
		}
	}
	if prev.head != nil && bytes.Equal(prev.head, head) && len(st.Acked) >= len(prev.acked) && slices.Equal(st.Acked[:len(prev.acked)], prev.acked) {
		added := st.Acked[len(prev.acked):]
		if len(added) == 0 {
			return nil // nothing changed
		}
		if prev.deltas < max(16, prev.snap/8) {
			b, err := json.Marshal(logLine{Acked: added})
			if err != nil {
				return err
			}
			if err := c.put(ctx, key, prev.seq+1, "delta.json", b); err != nil {
				c.forget(key)
				return err
			}
			c.remember(key, &storeLog{head: head, acked: slices.Clone(st.Acked), seq: prev.seq + 1, snap: prev.snap, deltas: prev.deltas + 1})
			return nil
		}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := c.put(ctx, key, prev.seq+1, "snap.json", b); err != nil {
		c.forget(key)
		return err
	}
	c.remember(key, &storeLog{head: head, acked: slices.Clone(st.Acked), seq: prev.seq + 1, snap: len(st.Acked)})
	// The new snapshot holds everything: older objects are garbage. A
	// failed removal only leaves them behind; Load skips them.
	objs, err := c.objects(ctx, key)
	if err != nil {
		return nil
	}
	for _, o := range objs {
		if o.seq <= prev.seq {
			if err := c.store.Delete(ctx, c.zone, o.key); err != nil && !errors.Is(err, zones.ErrNotFound) {
				return nil
			}
		}
	}
	return nil
}

func (c *StoreCheckpoint) put(ctx context.Context, key string, seq int64, kind string, b []byte) error {
	_, err := c.store.Put(ctx, c.zone, fmt.Sprintf("%s%020d.%s", c.dir(key), seq, kind), bytes.NewReader(b))
	return err
}

func (c *StoreCheckpoint) remember(key string, l *storeLog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil {
		c.known = map[string]*storeLog{}
	}
	c.known[key] = l
}

func (c *StoreCheckpoint) forget(key string) {
	c.mu.Lock()
	delete(c.known, key)
	c.mu.Unlock()
}

// Delete removes the state for key; a missing key is not an error.
func (c *StoreCheckpoint) Delete(ctx context.Context, key string) error {
	c.forget(key)
	objs, err := c.objects(ctx, key)
	if err != nil {
		return err
	}
	// Snapshots last, newest first: a Delete cut short leaves a state
	// that Load still reads whole, or none.
	slices.SortStableFunc(objs, func(a, b storeObject) int {
		if a.snap != b.snap {
			if a.snap {
				return 1
			}
			return -1
		}
		return int(b.seq - a.seq)
	})
	for _, o := range objs {
		if err := c.store.Delete(ctx, c.zone, o.key); err != nil && !errors.Is(err, zones.ErrNotFound) {
			return err
		}
	}
	return nil
}
