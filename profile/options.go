package profile

import (
	"log/slog"
	"runtime"
	"time"
)

// Defaults.
const (
	// DefaultMemoryBudget bounds the rows buffered before they are spilled
	// to Options.TempDir, and the person-sorted state kept in memory.
	DefaultMemoryBudget = 256 << 20
	// DefaultFrequencyWindow is the window of Traits.Frequency.
	DefaultFrequencyWindow = 90 * 24 * time.Hour
	// DefaultMaxIdentifiersPerKey bounds a profile's identifiers per key.
	DefaultMaxIdentifiersPerKey = 10
)

// Options configures a Builder. The zero value is usable except for
// RunAt, which defaults to the time NewBuilder was called: set it for
// reproducible runs.
type Options struct {
	// RunAt is the run time that recency, frequency, trait windows and
	// segment windows are relative to.
	RunAt time.Time
	// MemoryBudget bounds, in bytes, the encoded rows held in memory
	// while joining (beyond it they are spilled to TempDir), and the
	// person-sorted state a Result keeps in memory (beyond it, state goes
	// to files in TempDir). The join's record index (32 to 64 bytes per
	// assigned record, freed before partitions are processed), the
	// persons' index (16 bytes per person) and the partitions being
	// processed (about 1/256 of the rows each, Concurrency at a time)
	// come on top. Zero means DefaultMemoryBudget.
	MemoryBudget int64
	// TempDir is where spill and state files go, in a directory the
	// Builder makes on first use and Close removes. "" means os.TempDir().
	TempDir string
	// Concurrency bounds the goroutines that sort and compute partitions
	// (besides the caller's). Zero means GOMAXPROCS.
	Concurrency int
	// FrequencyWindow is the window of Traits.Frequency and the built-in
	// "frequency". Zero means DefaultFrequencyWindow.
	FrequencyWindow time.Duration
	// MaxIdentifiersPerKey bounds the identifiers a profile keeps per key
	// (most recent first). Zero means DefaultMaxIdentifiersPerKey.
	MaxIdentifiersPerKey int
	// ExpectedRecords sizes the record index up front when known.
	ExpectedRecords int
	// Logger receives debug events (counts, phases, never values). Nil
	// discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.RunAt.IsZero() {
		o.RunAt = time.Now()
	}
	o.RunAt = o.RunAt.UTC().Truncate(time.Millisecond)
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.FrequencyWindow <= 0 {
		o.FrequencyWindow = DefaultFrequencyWindow
	}
	if o.MaxIdentifiersPerKey <= 0 {
		o.MaxIdentifiersPerKey = DefaultMaxIdentifiersPerKey
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
