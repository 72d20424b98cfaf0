package identity

import (
	"log/slog"
	"time"
)

// Identifier is one normalized or hashed identifier carried by a record: a
// kind ("EMAIL", "PHONE", "CUSTOMER_ID", ...) and its value. Values are
// compared byte for byte; identity never needs the raw PII behind a digest.
// A 64-digit lowercase hex value (a SHA-256 digest) is stored in 32 bytes.
//
// Kind must not be empty: a record with such an identifier is rejected
// (see Result.Rejected).
type Identifier struct {
	Kind  string
	Value string
}

// Record is one input row: a source name, a key unique within that source,
// the time the row was observed, and its identifiers. Two records with the
// same source and key are the same record: their identifiers are pooled and
// the earliest and latest times kept, whatever order they arrive in. A zero
// Time is unknown, and so is a time before 1678 or after 2262 (outside
// int64 Unix nanoseconds; counted in Stats.OutOfRangeTimes).
type Record struct {
	Source      string
	Key         string
	Time        time.Time
	Identifiers []Identifier
}

// Ref returns the record's reference.
func (r Record) Ref() RecordRef { return RecordRef{Source: r.Source, Key: r.Key} }

// RecordRef names a record by source and key. Record keys are the caller's
// identifiers for rows (not PII); they appear in outputs and audit records.
type RecordRef struct {
	Source string
	Key    string
}

func (r RecordRef) String() string { return r.Source + "/" + r.Key }

// Rule is a named match rule. Two records match under a rule when they share
// a value for every kind in Kinds: one kind is a single-identifier rule
// (same email digest), several kinds a conjunctive rule (same phone AND same
// last name AND same zip). Rules are listed strongest first: that order is
// the order links are made in, so when a guard must refuse an edge it is an
// edge of the weakest rule that is refused. A record carrying several values
// of a conjunctive rule's kinds contributes at most 16 combinations of them:
// the first 16 with each kind's values in byte order (repeated values count
// once), whatever order the identifiers came in. The others are counted in
// Stats.CombinationsDropped and audited (GuardCombinations, one Audit per
// rule: Count is the input rows that had too many, plus the records of
// several rows whose pooled values had too many; Records five of them).
type Rule struct {
	// Name names the rule in links, audits and statistics. "include" is
	// reserved for the links made by include overrides.
	Name  string
	Kinds []string
	// Sources restricts the rule to records from these sources. Empty means
	// every source.
	Sources []string
	// MaxDegree overrides the degree cap for this rule's values: a value (or
	// combination of values for a conjunctive rule) carried by more than
	// MaxDegree records is not used for linking. 0 falls back to
	// Options.DegreeCap (for single-kind rules) and Options.DefaultDegreeCap.
	MaxDegree int
}

// Limit bounds how many distinct values of Kind one person may have. Max 1
// makes Kind unique (two customer ids never end up in one person). A union
// that would push a person past a limit is refused. Limits are listed in
// priority order; a refusal is reported against the first limit it breaks.
type Limit struct {
	Kind string
	Max  int
}

// Override is a manual decision about two records, with the highest
// precedence of all guards. Include links them whatever the other guards
// say; exclude keeps them in different persons, whatever links them.
type Override struct {
	A, B    RecordRef
	Include bool
	// Reason is the operator's note, copied into audit records. It must not
	// hold PII.
	Reason string
}

// Bounds fail a run whose result jumps past what the operator expects, the
// drift alarm for over-merging. Zero fields are not checked.
type Bounds struct {
	// MaxLargestCluster fails the run when a person has more records.
	MaxLargestCluster int
	// MaxLinkageRate fails the run when a larger fraction of records
	// belongs to persons of two or more records.
	MaxLinkageRate float64
	// Baseline is a previous run's statistics; the two bounds below compare
	// against it.
	Baseline *Stats
	// MaxLargestClusterGrowth fails the run when the largest cluster is more
	// than this many times the baseline's (e.g. 2 = doubled).
	MaxLargestClusterGrowth float64
	// MaxLinkageRateIncrease fails the run when the linkage rate rose by
	// more than this (absolute, e.g. 0.05 = five points) over the baseline.
	MaxLinkageRateIncrease float64
}

// Options configures a resolution. The zero value links records that share
// any identifier value of any kind, with only empty values blocked and no
// caps.
type Options struct {
	// Rules are the match rules, strongest first. Empty means one
	// single-identifier rule per kind seen, named after the kind, in kind
	// name order.
	Rules []Rule

	// Blocked lists, per kind, values never used for linking (junk emails,
	// 0000000000 phones, "unknown"), in the same normalized or hashed form
	// as the records carry. Empty values are always blocked.
	Blocked map[string][]string

	// DegreeCap is, per kind, the largest number of records one value may
	// be shared by and still link them. 0 means DefaultDegreeCap.
	DegreeCap map[string]int
	// DefaultDegreeCap applies to kinds and rules without their own cap.
	// 0 means no cap.
	DefaultDegreeCap int

	// Limits are the uniqueness and limit rules per kind, highest priority
	// first.
	Limits []Limit

	// MaxClusterSize refuses a union that would give a person more records.
	// Since links are made strongest rule first, the refused edge is the
	// weakest one. 0 means no cap.
	MaxClusterSize int

	// Overrides is the manual include/exclude table.
	Overrides []Override

	// Previous returns the person id a record had in the previous run. With
	// it, ids are carried over: a growing person keeps its id; on a merge
	// the id of the larger, then older, part survives; on a split the
	// largest part keeps it. A previous Result's Lookup method fits.
	Previous func(RecordRef) (person string, ok bool)

	// Bounds fail the run when the result looks like an over-merge.
	Bounds Bounds

	// Incremental keeps each rule's sorted identifier index in the Result
	// so that Result.Add can take new records without re-reading, re-hashing
	// or re-sorting the old ones. It costs about 45 bytes per identifier
	// occurrence.
	Incremental bool

	// ExpectedRecords, when known, sizes the internal arrays up front so
	// they are not regrown (and copied) while records stream in: faster,
	// and less peak memory (about 1.9 GiB instead of 2.5 at 10M records).
	// On Linux the per-record arrays for that many records (about 20 bytes
	// each) are resident for the whole run, so a gross overestimate costs
	// memory.
	ExpectedRecords int

	// HugePages asks the kernel (Linux only) to back the run's large
	// arrays with transparent huge pages. It lowers CPU time but may not
	// lower wall time, and the advice outlives the call (the Go runtime
	// reuses those ranges), which can raise a long-lived process's
	// resident memory later. Measure before turning it on. Off by default.
	HugePages bool

	// Concurrency bounds the goroutines that rank records and group rules
	// in parallel; from 2 up, ingest also stores records and occurrences
	// on a second goroutine, and the caller's goroutine links rules while
	// the others group. 0 means GOMAXPROCS; 1 runs everything on the
	// caller's goroutine.
	Concurrency int

	// ReadAhead runs the input iterator on the caller's goroutine while a
	// second goroutine stores the records (copied in batches, so iterators
	// may reuse their buffers). It pays when producing records is itself
	// expensive (parsing, hashing) and a core is free; with a cheap
	// iterator the copy costs more than it saves. Needs Concurrency >= 2.
	ReadAhead bool

	// Logger receives progress at debug level and a summary at info level.
	// nil means silent.
	Logger *slog.Logger

	// keyBits narrows compact keys for tests that force collisions.
	keyBits int
	// splitMin overrides splitGroupMin for tests.
	splitMin int
}

// Guard names one over-merge guard, in the order they are evaluated.
type Guard string

const (
	GuardBlocked     Guard = "blocked"
	GuardDegree      Guard = "degree_cap"
	GuardLimit       Guard = "limit"
	GuardClusterSize Guard = "cluster_size"
	GuardExclude     Guard = "exclude"
	GuardInclude     Guard = "include"
	// GuardCombinations audits records that carry more combinations of a
	// conjunctive rule's kinds than the 16 used (see Rule).
	GuardCombinations Guard = "combination_cap"
)

// Audit is one decision by a guard: an identifier value or an edge that was
// not used, and why. It names records and kinds, never values or digests.
type Audit struct {
	Guard Guard
	// Rule is the match rule whose edge or value was refused; empty for
	// blocked values, which are dropped before any rule.
	Rule string
	// Kind is the identifier kind concerned: the blocked or capped kind, or
	// the limited kind for GuardLimit.
	Kind string
	// A and B are the endpoints of a refused edge (GuardLimit,
	// GuardClusterSize, GuardExclude) or of a forced one (GuardInclude).
	// Refusals by a match rule are aggregated: one Audit per value group
	// (records sharing one value of the rule), guard and limit, whose A and
	// B are the first edge refused.
	A, B RecordRef
	// Records are up to five records (in canonical order) carrying a
	// blocked or degree-capped value, and Count is how many carried it.
	// For an aggregated refusal, Records are up to five records whose edge
	// was refused (B of the refused edges, in canonical order) and Count is
	// the exact number of edges refused; the counts of a guard's audits add
	// up to Stats.Refused for it.
	Records []RecordRef
	Count   int
	// Reason says why, in words, without values.
	Reason string
}

// Link is one union made by the resolution: the records it joined and the
// rule that fired. Links form a spanning forest of every person: a pair of
// records matched by several rules is reported under the strongest.
type Link struct {
	A, B RecordRef
	Rule string
}

// Assignment maps one record to its person.
type Assignment struct {
	Record RecordRef
	Person string
}

// Person holds the facts of one cluster.
type Person struct {
	ID        string
	Size      int
	Sources   []string
	FirstSeen time.Time
	LastSeen  time.Time
}

// Event records what happened to a previous run's person id.
type Event struct {
	Kind EventKind
	// Person is the current id concerned; From is the previous id that was
	// merged into it (EventMerged) or that it split from (EventSplit).
	Person string
	From   string
}

// EventKind names an id change across runs.
type EventKind string

const (
	// EventMerged: From no longer exists, its records are in Person.
	EventMerged EventKind = "merged"
	// EventSplit: Person is a new id made of records that had From, whose
	// larger part kept From.
	EventSplit EventKind = "split"
)

// Rejection is an input record that was not resolved, with why.
type Rejection struct {
	// Index is the record's 0-based position in the input.
	Index  int
	Source string
	Key    string
	Reason string
}
