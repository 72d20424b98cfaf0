package identity

import "time"

// Stats are a run's metrics.
type Stats struct {
	// Records is the number of distinct records resolved; Duplicates the
	// input rows that repeated a source and key already seen.
	Records    int
	Duplicates int
	Rejected   int
	// OutOfRangeTimes counts input rows whose time was outside what Unix
	// nanoseconds hold (before 1678 or after 2262): it is treated as
	// unknown, like a zero time.
	OutOfRangeTimes int
	// Kinds holds identifier counts per kind.
	Kinds map[string]KindStats
	// Matches counts, per rule, record pairs found sharing a value (one per
	// record beyond the first in each group); Links the unions made.
	Matches map[string]int
	Links   map[string]int
	// DegreeCapped counts, per rule, values dropped by the degree cap.
	DegreeCapped map[string]int
	// CombinationsDropped counts, per conjunctive rule, value combinations
	// not used because a record carried more than 16 (see Rule); a record
	// with more than 2^30 counts 2^30.
	CombinationsDropped map[string]int
	// Refused counts edges refused per guard (GuardLimit,
	// GuardClusterSize, GuardExclude): every refused attempt to join two
	// records counts once, so a record tried against several records of a
	// group (see "Guards" in the package doc) may count several times.
	// Forced counts include overrides applied.
	Refused map[Guard]int
	Forced  int
	// Persons is the number of clusters, Singletons those of one record.
	Persons        int
	Singletons     int
	LargestCluster int
	// LinkageRate is the fraction of records in persons of two or more.
	LinkageRate float64
	// Sizes is the cluster-size histogram in power-of-two buckets.
	Sizes []SizeBucket
	// Carried, New, Merged and Split count person ids carried over from
	// Options.Previous, newly made, retired by a merge, and made by a split.
	Carried, New, Merged, Split int
	Elapsed                     time.Duration
	// Warnings name rules and limits whose kinds or sources the input
	// (all batches, after Add) never had: a typo, or a source not loaded
	// yet; and a default rule named "include" (a kind of that name), the
	// name of the include overrides' links. They do not fail the run.
	Warnings []string
}

// KindStats counts the identifiers of one kind.
type KindStats struct {
	// Kept identifier occurrences went into linking; Blocked were dropped
	// as empty or blocklisted.
	Kept    int
	Blocked int
	// DegreeCapped counts values (not occurrences) dropped because too many
	// records shared them, under some rule using this kind.
	DegreeCapped int
}

// SizeBucket counts clusters with Min <= size <= Max.
type SizeBucket struct {
	Min, Max int
	Count    int
}

func histogram(sizes []uint32) []SizeBucket {
	var b []SizeBucket
	for _, s := range sizes {
		i := 0
		for v := s; v > 1; v >>= 1 {
			i++
		}
		// bucket i holds [2^i, 2^(i+1)-1]
		for len(b) <= i {
			n := len(b)
			b = append(b, SizeBucket{Min: 1 << n, Max: 1<<(n+1) - 1})
		}
		b[i].Count++
	}
	return b
}
