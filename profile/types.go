package profile

import (
	"time"

	"github.com/cdpkit/cdpkit/hashing"
)

// Row is one input row from a clean-zone dataset: the record it belongs
// to (source and key, as identity saw them), when it was observed, its
// values in Spec.Columns order (fewer values mean trailing nulls) and its
// hashed identifiers. A record may have several rows (one per dataset, or
// repeated observations); every row counts.
type Row struct {
	Source string
	Key    string
	// Time is when the row was observed; zero is unknown (older than any
	// known time). It is kept to the millisecond.
	Time        time.Time
	Values      []Value
	Identifiers []hashing.Cell
}

// Lineage says which row a surviving value came from.
type Lineage struct {
	Source     string
	RecordKey  string
	ObservedAt time.Time
}

// Item is one value of a UniqueList field with its lineage (the most
// recent row that had it).
type Item struct {
	Value   Value
	Lineage Lineage
}

// FieldValue is a field of a profile after survivorship.
type FieldValue struct {
	Name string
	// Value is the surviving value (null when no row had one, and for
	// UniqueList fields, whose values are Items).
	Value Value
	// Items are a UniqueList's values, most recently seen first.
	Items []Item
	// Lineage is the row the value came from: for Sum and Count the most
	// recent contributing row; for Min, Max and MostFrequent the most
	// recent row with the winning value. Zero when Value is null.
	Lineage Lineage
	// Rows is the number of rows that had a value for the field (for
	// MostFrequent: that had the winning value).
	Rows int
	// Dropped counts UniqueList values beyond Field.MaxItems.
	Dropped int
}

// SourceCount is how many rows of a person came from one source.
type SourceCount struct {
	Source string
	Rows   int
}

// TraitValue is a caller-defined trait's value (null when no row
// qualified, except counts, which are 0).
type TraitValue struct {
	Name  string
	Value Value
}

// Traits are the computed facts of a person.
type Traits struct {
	// Records is the number of rows.
	Records int
	// Sources counts rows per source, by source name.
	Sources []SourceCount
	// FirstSeen and LastSeen are the earliest and latest row times (zero
	// when no row had a time).
	FirstSeen, LastSeen time.Time
	// RecencyDays is the number of whole days from LastSeen to the run
	// time; -1 when LastSeen is unknown.
	RecencyDays int
	// Frequency is the number of rows within Options.FrequencyWindow
	// before the run time.
	Frequency int
	// Custom are the Spec's traits, in Spec order.
	Custom []TraitValue
}

// Identifier is one hashed (or normalized, for MADID and EXTERN_ID)
// identifier of a person, with the most recent row that carried it.
type Identifier struct {
	Key     hashing.Key
	Value   string
	Keyed   bool // an hmac-sha256-v1 digest: never sent to Meta
	Lineage Lineage
}

// Profile is one person's unified profile.
type Profile struct {
	PersonID string
	// Fields are the Spec's fields, in Spec order.
	Fields []FieldValue
	Traits Traits
	// Identifiers are the person's identifiers per key, keys in hashing's
	// canonical order, most recently seen first within a key, at most
	// Options.MaxIdentifiersPerKey per key.
	Identifiers []Identifier
	// IdentifiersDropped counts identifiers beyond that bound.
	IdentifiersDropped int
	// Segments names the segments the person is in, in Spec order.
	Segments []string
}

// Field returns the named field, or false.
func (p *Profile) Field(name string) (FieldValue, bool) {
	for _, f := range p.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return FieldValue{}, false
}

// Identifier returns the person's most recent identifier of key (a digest,
// or a normalized value for MADID and EXTERN_ID), or "".
func (p *Profile) Identifier(key hashing.Key) string {
	for _, id := range p.Identifiers {
		if id.Key == key {
			return id.Value
		}
	}
	return ""
}

// Trait returns the named caller-defined trait's value, or null.
func (p *Profile) Trait(name string) Value {
	for _, t := range p.Traits.Custom {
		if t.Name == name {
			return t.Value
		}
	}
	return Null
}

// Rejection is an input row that was not used, with why. Record keys are
// the caller's row identifiers, not PII; no value is included.
type Rejection struct {
	Source string
	Key    string
	Reason string
}

// Membership is one person in one segment.
type Membership struct {
	Segment  string
	PersonID string
}

// Change is a person entering or leaving a segment between two runs.
type Change struct {
	Segment  string
	PersonID string
	// Entered is true for a person who is now a member and was not; false
	// for one who was and is not.
	Entered bool
}
