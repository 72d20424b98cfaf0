package meta

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Checkpoint stores an upload's progress so that a crashed upload can resume
// without re-sending acknowledged batches. The Uploader calls Save after
// every acknowledged batch, after opening a session and before first
// sending a session's last batch, serially, and Delete when the upload
// completes. The Save that records an
// acknowledged batch gets a context that is not canceled with the upload's
// (Meta already applied the batch), so it should not block indefinitely.
//
// Implementations must be safe for use by one upload at a time per key.
// Load returns (nil, nil) when the key has no state. Save must not retain
// st after it returns.
type Checkpoint interface {
	Load(ctx context.Context, key string) (*CheckpointState, error)
	Save(ctx context.Context, key string, st *CheckpointState) error
	Delete(ctx context.Context, key string) error
}

// CheckpointState is the persisted progress of one upload. It holds no
// identifier values: batches are identified by index, row count and a CRC-32
// of their cells, which is only used to detect that the input changed.
type CheckpointState struct {
	Version   int       `json:"version"`
	Audience  string    `json:"audience"`
	Op        Operation `json:"op"`
	Schema    Schema    `json:"schema"`
	BatchSize int       `json:"batch_size"`
	// MaxRequestBytes is Options.MaxRequestBytes (batch boundaries depend
	// on it).
	MaxRequestBytes int `json:"max_request_bytes,omitempty"`
	// Sessions lists the sessions opened so far, in order.
	Sessions []CheckpointSession `json:"sessions"`
	// Acked lists the acknowledged batches, by index.
	Acked []AckedBatch `json:"acked"`
	// Done is set once the upload completed; a Done state is ignored.
	Done bool `json:"done,omitempty"`
}

// CheckpointSession is one Graph session of an upload.
type CheckpointSession struct {
	Op Operation `json:"op"`
	ID int64     `json:"id"`
	// Start is the index of the upload batch sent as batch_seq 1.
	Start int `json:"start"`
	// Started is when the session was opened (replace sessions expire 90
	// minutes after their first batch).
	Started time.Time `json:"started"`
	// Closed is set once the session's last batch was acknowledged.
	Closed bool `json:"closed,omitempty"`
	// LastSent is the batch sent with last_batch_flag, recorded before it
	// is first sent: if the call stops before Meta's answer is recorded, a
	// resumed call knows that Meta's "session already finished"
	// (2650/1870159) acknowledges this very batch.
	LastSent *AckedBatch `json:"last_sent,omitempty"`
}

// AckedBatch is one acknowledged batch.
type AckedBatch struct {
	Index int    `json:"i"`
	Rows  int    `json:"n"`
	Sum   uint32 `json:"s"`
}

const checkpointVersion = 1

// FileCheckpoint is a Checkpoint that keeps each key's state in a
// directory as a snapshot, <key>.json (replaced atomically: write, fsync,
// rename), and a log, <key>.log, of the batches acknowledged since. A Save
// that only adds acknowledged batches to the state this FileCheckpoint last
// saved or loaded appends one line to the log and fsyncs it, so an upload of
// n batches writes O(n) bytes instead of rewriting a growing snapshot after
// every batch (O(n²): at 10,000 batches, 1.5 GB); any other change, and a
// log longer than the snapshot, writes a new snapshot. The log's first line
// names the snapshot it extends (by SHA-256), so a log left behind by a
// crash between a new snapshot and the old log's removal is ignored, and a
// last line torn by a crash is dropped (that batch was not yet recorded).
// It is safe for concurrent use with distinct keys. It remembers what it
// last saved or loaded for each key, so use one FileCheckpoint per
// directory at a time (an Uploader Loads before it Saves): a key deleted
// or re-snapshotted by another instance is noticed, batches another
// instance appended are not.
type FileCheckpoint struct {
	dir string

	mu   sync.Mutex
	logs map[string]*fileLog
}

// fileLog is what a FileCheckpoint knows of a key's files: enough to tell
// whether the next Save only appends.
type fileLog struct {
	head   []byte // the state without Acked, as JSON
	acked  []AckedBatch
	base   string // hex SHA-256 of the snapshot the log extends
	logged int    // batches in the log
	hasLog bool   // the log file exists with its header line
}

// NewFileCheckpoint returns a FileCheckpoint storing files in dir, which
// is created on first Save if missing.
func NewFileCheckpoint(dir string) *FileCheckpoint { return &FileCheckpoint{dir: dir} }

func (f *FileCheckpoint) path(key string) string {
	return filepath.Join(f.dir, safeName(key)+".json")
}

func logPath(snapshot string) string { return strings.TrimSuffix(snapshot, ".json") + ".log" }

type logHeader struct {
	Base string `json:"base"`
}

type logLine struct {
	Acked []AckedBatch `json:"acked"`
}

// Load reads the state for key, or returns (nil, nil) if there is none.
func (f *FileCheckpoint) Load(ctx context.Context, key string) (*CheckpointState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := f.path(key)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		f.forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st CheckpointState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	base := digest(b)
	lb, err := os.ReadFile(logPath(path))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// Only lines ending in a newline were written whole: a crash inside
	// Save can leave a last piece without one, even if it parses. That
	// Save did not return, so its batches are not recorded; the next
	// Save writes a snapshot instead of appending to a torn log (or, if
	// the log recorded nothing, starts it over).
	torn := len(lb) > 0 && lb[len(lb)-1] != '\n'
	if torn {
		lb = lb[:bytes.LastIndexByte(lb, '\n')+1]
	}
	logged, hasLog := 0, false
	if len(lb) > 0 {
		lines := bytes.Split(lb[:len(lb)-1], []byte("\n"))
		var h logHeader
		if json.Unmarshal(lines[0], &h) == nil && h.Base == base {
			hasLog = !torn
			for i, line := range lines[1:] {
				var l logLine
				if err := json.Unmarshal(line, &l); err != nil {
					return nil, fmt.Errorf("decode checkpoint log line %d: %w", i+2, err)
				}
				st.Acked = append(st.Acked, l.Acked...)
				logged += len(l.Acked)
			}
		}
	}
	f.remember(key, &st, base, logged, hasLog)
	return &st, nil
}

// Save records st for key: by appending to the key's log when st only adds
// acknowledged batches to the state last saved or loaded, else by replacing
// the snapshot atomically.
func (f *FileCheckpoint) Save(ctx context.Context, key string, st *CheckpointState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	head, err := stateHead(st)
	if err != nil {
		return err
	}
	path := f.path(key)
	f.mu.Lock()
	prev := f.logs[key]
	f.mu.Unlock()
	if prev != nil && bytes.Equal(prev.head, head) && len(st.Acked) > len(prev.acked) &&
		slices.Equal(st.Acked[:len(prev.acked)], prev.acked) && prev.logged+len(st.Acked)-len(prev.acked) <= max(len(prev.acked)-prev.logged, 64) {
		if err := f.appendLog(path, prev, st.Acked[len(prev.acked):]); err == nil {
			f.mu.Lock()
			prev.acked = append(prev.acked, st.Acked[len(prev.acked):]...)
			f.mu.Unlock()
			return nil
		}
		// The log could not be written: fall back to a snapshot.
	}
	if prev != nil && len(st.Acked) == len(prev.acked) && bytes.Equal(prev.head, head) && slices.Equal(st.Acked, prev.acked) {
		return nil // nothing changed
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	base := digest(b)
	lp := logPath(path)
	if logBase(lp) == base {
		// The log extends a snapshot of these very bytes (the state went
		// back to it): remove it first, or a crash after the snapshot is
		// written would replay batches st no longer has.
		if err := os.Remove(lp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			f.forget(key)
			return err
		}
		syncDir(f.dir)
	}
	if err := writeAtomic(f.dir, path, b); err != nil {
		f.forget(key)
		return err
	}
	// The old log extends the old snapshot: its header no longer matches,
	// so it is ignored even if this removal does not happen.
	os.Remove(lp)
	f.remember(key, st, base, 0, false)
	return nil
}

// digest names a snapshot in its log's header: the hex SHA-256 of its bytes.
func digest(snapshot []byte) string {
	sum := sha256.Sum256(snapshot)
	return hex.EncodeToString(sum[:])
}

// logBase returns the snapshot digest a log's header names, or "".
func logBase(lp string) string {
	file, err := os.Open(lp)
	if err != nil {
		return ""
	}
	defer file.Close()
	line, err := bufio.NewReaderSize(file, 256).ReadSlice('\n')
	if err != nil {
		return ""
	}
	var h logHeader
	if json.Unmarshal(line, &h) != nil {
		return ""
	}
	return h.Base
}

// appendLog writes batches as one line of key's log (starting the log with
// its header when needed) and fsyncs it.
func (f *FileCheckpoint) appendLog(path string, l *fileLog, batches []AckedBatch) error {
	if !l.hasLog && l.logged > 0 {
		// The log holds batches but its end is torn or unknown: starting
		// it over would drop them; the caller writes a snapshot instead.
		return errors.New("checkpoint log needs a new snapshot")
	}
	var buf []byte
	flags := os.O_WRONLY | os.O_APPEND // no O_CREATE: a log removed behind our back means a snapshot
	if !l.hasLog {
		// Start a log only over the snapshot this instance last saw.
		snap, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if digest(snap) != l.base {
			return errors.New("checkpoint snapshot changed")
		}
		h, _ := json.Marshal(logHeader{Base: l.base})
		buf = append(h, '\n')
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	line, err := json.Marshal(logLine{Acked: batches})
	if err != nil {
		return err
	}
	buf = append(append(buf, line...), '\n')
	file, err := os.OpenFile(logPath(path), flags, 0o644)
	if err != nil {
		return err
	}
	if werr := writeSync(file, buf); werr != nil {
		// A partial line may be in the file: start a new log next time.
		l.hasLog = false
		return werr
	}
	if !l.hasLog {
		syncDir(f.dir) // persist the new log's directory entry
	}
	l.hasLog = true
	l.logged += len(batches)
	return nil
}

func (f *FileCheckpoint) remember(key string, st *CheckpointState, base string, logged int, hasLog bool) {
	head, err := stateHead(st)
	if err != nil {
		f.forget(key)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logs == nil {
		f.logs = map[string]*fileLog{}
	}
	f.logs[key] = &fileLog{head: head, acked: slices.Clone(st.Acked), base: base, logged: logged, hasLog: hasLog}
}

func (f *FileCheckpoint) forget(key string) {
	f.mu.Lock()
	delete(f.logs, key)
	f.mu.Unlock()
}

// stateHead is st without its acknowledged batches, as JSON.
func stateHead(st *CheckpointState) ([]byte, error) {
	c := *st
	c.Acked = nil
	return json.Marshal(&c)
}

// writeSync writes b to file, fsyncs and closes it, returning the first
// error.
func writeSync(file *os.File, b []byte) error {
	_, err := file.Write(b)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeAtomic(dir, path string, b []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return err
	}
	werr := writeSync(tmp, b)
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return werr
	}
	syncDir(dir)
	return nil
}

// syncDir persists directory entries, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Delete removes the state for key; a missing key is not an error.
func (f *FileCheckpoint) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.forget(key)
	path := f.path(key)
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if lerr := os.Remove(logPath(path)); lerr != nil && !errors.Is(lerr, fs.ErrNotExist) && err == nil {
		err = lerr
	}
	return err
}
