package meta

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// FileCheckpoint is a Checkpoint that keeps one JSON file per key in a
// directory, replaced atomically (write, fsync, rename) on every Save.
// It is safe for concurrent use with distinct keys.
type FileCheckpoint struct {
	dir string
}

// NewFileCheckpoint returns a FileCheckpoint storing files in dir, which
// is created on first Save if missing.
func NewFileCheckpoint(dir string) *FileCheckpoint { return &FileCheckpoint{dir: dir} }

func (f *FileCheckpoint) path(key string) string {
	safe := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			safe = false
			break
		}
	}
	if !safe || key[0] == '.' {
		key = "x" + hex.EncodeToString([]byte(key))
	}
	return filepath.Join(f.dir, key+".json")
}

// Load reads the state for key, or returns (nil, nil) if there is none.
func (f *FileCheckpoint) Load(ctx context.Context, key string) (*CheckpointState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st CheckpointState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	return &st, nil
}

// Save atomically replaces the state for key.
func (f *FileCheckpoint) Save(ctx context.Context, key string, st *CheckpointState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(f.dir, ".checkpoint-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), f.path(key))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return werr
	}
	if d, err := os.Open(f.dir); err == nil {
		d.Sync() // best effort: persist the rename
		d.Close()
	}
	return nil
}

// Delete removes the state for key; a missing key is not an error.
func (f *FileCheckpoint) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := os.Remove(f.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
