package c3r

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/cdpkit/cdpkit/cleanroom"
)

// ColumnType is how a target column is protected. It is cleanroom's
// ColumnKind, so a schema's types feed cleanroom.TableSpec.C3R directly.
type ColumnType = cleanroom.ColumnKind

// Column types.
const (
	Cleartext   = cleanroom.Cleartext
	Fingerprint = cleanroom.Fingerprint
	Sealed      = cleanroom.Sealed
)

// PadType is how a sealed column is padded.
type PadType int

// Padding kinds. PadFixed pads every value to Length bytes (the encoded
// value, one type byte plus the data, must fit); PadMax pads every value
// to the column's longest encoded value plus Length, which needs a first
// pass over the data.
const (
	PadNone PadType = iota
	PadFixed
	PadMax
)

// Pad is a sealed column's padding.
type Pad struct {
	Type   PadType
	Length int
}

// Column maps one source column to one target column. A source column
// may feed several targets (cleartext, sealed and fingerprint copies).
type Column struct {
	// Source is the input column's header (matched trimmed and
	// case-insensitively).
	Source string
	// Target is the output column's name; it is normalized (trimmed,
	// lower-cased) as the official client does. Empty means the default:
	// the source name, plus "_sealed" or "_fingerprint".
	Target string
	Type   ColumnType
	// Pad applies to sealed columns only.
	Pad Pad
}

// Schema lists the target columns of an encrypted table, in output order.
type Schema struct {
	Columns []Column
}

// normalize is the official client's header normalization.
func normalize(h string) string { return strings.ToLower(strings.TrimSpace(h)) }

// TargetName returns c's normalized target name.
func (c Column) TargetName() string {
	if c.Target != "" {
		return normalize(c.Target)
	}
	switch c.Type {
	case Sealed:
		return normalize(c.Source) + "_sealed"
	case Fingerprint:
		return normalize(c.Source) + "_fingerprint"
	}
	return normalize(c.Source)
}

// Kinds returns target name → column type, for cleanroom.TableSpec.C3R.
func (s Schema) Kinds() map[string]ColumnType {
	m := make(map[string]ColumnType, len(s.Columns))
	for _, c := range s.Columns {
		m[c.TargetName()] = c.Type
	}
	return m
}

// Targets returns the normalized target names in order.
func (s Schema) Targets() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.TargetName()
	}
	return out
}

// targetRE is Clean Rooms' column name pattern, as the client checks it.
var targetRE = regexp.MustCompile(`^[a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?$`)

// maxTargetLen is the longest target name.
const maxTargetLen = 128

// Check validates the schema on its own: target names (Clean Rooms'
// pattern, ≤ 128 characters, unique), the column count (≤ 1,600), column
// types and padding (sealed only; lengths 0…10,000; a FIXED length fits
// the 12,000-byte padded plaintext and the 16,383-byte cell).
func (s Schema) Check() error {
	const op = "validate schema"
	if len(s.Columns) == 0 {
		return newErr(op, "", 0, ErrSchema, "no columns")
	}
	if len(s.Columns) > MaxColumns {
		return newErr(op, "", 0, ErrLimit, fmt.Sprintf("%d target columns, at most %d", len(s.Columns), MaxColumns))
	}
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		name := c.TargetName()
		if normalize(c.Source) == "" {
			return newErr(op, name, 0, ErrSchema, "empty source column")
		}
		if len(name) > maxTargetLen {
			return newErr(op, name, 0, ErrSchema, "target name longer than 128 characters")
		}
		if !targetRE.MatchString(name) {
			return newErr(op, name, 0, ErrSchema, "target name does not match Clean Rooms' column pattern")
		}
		if seen[name] {
			return newErr(op, name, 0, ErrSchema, "target name used twice")
		}
		seen[name] = true
		switch c.Type {
		case Cleartext, Fingerprint:
			if c.Pad != (Pad{}) {
				return newErr(op, name, 0, ErrSchema, "padding on a column that is not sealed")
			}
		case Sealed:
			switch c.Pad.Type {
			case PadNone:
				if c.Pad.Length != 0 {
					return newErr(op, name, 0, ErrSchema, "NONE padding with a length")
				}
			case PadFixed, PadMax:
				if c.Pad.Length < 0 || c.Pad.Length > MaxPad {
					return newErr(op, name, 0, ErrLimit, fmt.Sprintf("padding length %d outside 0…%d", c.Pad.Length, MaxPad))
				}
				if c.Pad.Type == PadFixed && c.Pad.Length < 1 {
					return newErr(op, name, 0, ErrSchema, "FIXED padding needs a length of at least 1 (the type byte)")
				}
			default:
				return newErr(op, name, 0, ErrSchema, "unknown padding type")
			}
		default:
			return newErr(op, name, 0, ErrSchema, "unknown column type")
		}
	}
	return nil
}

// Validate checks the schema (Check) against the collaboration's settings
// and, when rule is not nil, the configured table's analysis rule:
// cleartext columns need AllowCleartext; every column a rule joins on must
// be a target column and not sealed (fingerprints are what C3R joins on);
// the column-type rules of cleanroom.TableSpec (SUM/AVG need cleartext,
// fingerprints only join or count, sealed columns never join, group or
// count distinct) hold. Joins across differently named fingerprint columns
// only match when AllowJoinsOnColumnsWithDifferentNames is set; that needs
// the other table and is not checked here.
func (s Schema) Validate(settings Settings, rule cleanroom.Rule) error {
	if err := s.Check(); err != nil {
		return err
	}
	const op = "validate schema"
	for _, c := range s.Columns {
		if c.Type == Cleartext && !settings.AllowCleartext {
			return newErr(op, c.TargetName(), 0, ErrNotAllowed, "cleartext columns are not allowed")
		}
	}
	if rule == nil || isNilRule(rule) {
		return nil
	}
	kinds := s.Kinds()
	join, dims := ruleColumns(rule)
	for _, col := range join {
		k, ok := kinds[col]
		switch {
		case !ok:
			return newErr(op, col, 0, ErrNotAllowed, "the analysis rule joins on a column the schema does not produce")
		case k == Sealed:
			return newErr(op, col, 0, ErrNotAllowed, "the analysis rule joins on a sealed column; join on a fingerprint column")
		}
	}
	for _, col := range dims {
		if _, ok := kinds[col]; !ok {
			return newErr(op, col, 0, ErrNotAllowed, "the analysis rule uses a column the schema does not produce")
		}
	}
	spec := cleanroom.TableSpec{Key: "c3r", Rule: rule, C3R: kinds, Table: cleanroom.Table{AllowedColumns: s.Targets()}}
	for _, p := range spec.Validate() {
		if p.Reason == cleanroom.ReasonC3RColumnKind {
			return newErr(op, "", 0, ErrNotAllowed, "the analysis rule uses a column in a way its protection does not support ("+p.Path+")")
		}
	}
	return nil
}

// isNilRule reports a typed nil pointer in the interface (e.g. a nil
// *cleanroom.Aggregation), whose methods would dereference it.
func isNilRule(r cleanroom.Rule) bool {
	v := reflect.ValueOf(r)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// ruleColumns returns the columns a rule joins on and groups by.
func ruleColumns(r cleanroom.Rule) (join, dims []string) {
	v1, ok := r.Policy().(*types.ConfiguredTableAnalysisRulePolicyMemberV1)
	if !ok {
		return nil, nil
	}
	switch v := v1.Value.(type) {
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation:
		return v.Value.JoinColumns, v.Value.DimensionColumns
	case *types.ConfiguredTableAnalysisRulePolicyV1MemberList:
		return v.Value.JoinColumns, v.Value.ListColumns
	}
	return nil, nil
}

// GenerateSchema builds a schema from an input header: each column named
// in kinds becomes one target column of that type (default target name);
// the others are sealed, or kept in cleartext when settings allow it and
// cleartextRest is true. Sealed columns get pad, fingerprint and cleartext
// columns none. The result is checked (Check).
func GenerateSchema(header []string, kinds map[string]ColumnType, pad Pad, settings Settings, cleartextRest bool) (Schema, error) {
	norm := make(map[string]ColumnType, len(kinds))
	for k, v := range kinds {
		norm[normalize(k)] = v
	}
	var s Schema
	for _, h := range header {
		t, ok := norm[normalize(h)]
		if !ok {
			t = Sealed
			if cleartextRest && settings.AllowCleartext {
				t = Cleartext
			}
		}
		c := Column{Source: h, Type: t}
		if t == Sealed {
			c.Pad = pad
		}
		s.Columns = append(s.Columns, c)
	}
	return s, s.Check()
}

// The official client's schema file (JSON).
type jsonSchema struct {
	HeaderRow *bool        `json:"headerRow,omitempty"`
	Columns   []jsonColumn `json:"columns"`
}

type jsonColumn struct {
	SourceHeader string   `json:"sourceHeader"`
	TargetHeader string   `json:"targetHeader,omitempty"`
	Type         string   `json:"type"`
	Pad          *jsonPad `json:"pad,omitempty"`
}

type jsonPad struct {
	Type   string `json:"type"`
	Length *int   `json:"length,omitempty"`
}

// UnmarshalJSON reads the official client's format (see ParseSchema).
func (s *Schema) UnmarshalJSON(data []byte) error {
	v, err := ParseSchema(data)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSchema reads a schema file of the official client (headerRow true,
// columns with sourceHeader, targetHeader, type and pad). Positional
// schemas (no header row) are not supported.
func ParseSchema(data []byte) (Schema, error) {
	const op = "parse schema"
	var js jsonSchema
	if err := json.Unmarshal(data, &js); err != nil {
		return Schema{}, &Error{Op: op, Kind: ErrSchema, Err: err}
	}
	if js.HeaderRow != nil && !*js.HeaderRow {
		return Schema{}, newErr(op, "", 0, ErrSchema, "positional schemas (headerRow false) are not supported")
	}
	var s Schema
	for i, jc := range js.Columns {
		c := Column{Source: jc.SourceHeader, Target: jc.TargetHeader}
		switch strings.ToLower(jc.Type) {
		case "cleartext":
			c.Type = Cleartext
		case "fingerprint":
			c.Type = Fingerprint
		case "sealed":
			c.Type = Sealed
		default:
			return Schema{}, newErr(op, "", 0, ErrSchema, "column "+strconv.Itoa(i)+": unknown type")
		}
		if jc.Pad != nil {
			switch strings.ToLower(jc.Pad.Type) {
			case "none", "":
				c.Pad.Type = PadNone
			case "fixed":
				c.Pad.Type = PadFixed
			case "max":
				c.Pad.Type = PadMax
			default:
				return Schema{}, newErr(op, "", 0, ErrSchema, "column "+strconv.Itoa(i)+": unknown pad type")
			}
			if jc.Pad.Length != nil {
				c.Pad.Length = *jc.Pad.Length
			}
		}
		s.Columns = append(s.Columns, c)
	}
	return s, s.Check()
}

// MarshalJSON writes the schema in the official client's format.
func (s Schema) MarshalJSON() ([]byte, error) {
	t := true
	js := jsonSchema{HeaderRow: &t, Columns: []jsonColumn{}}
	for _, c := range s.Columns {
		jc := jsonColumn{SourceHeader: c.Source, TargetHeader: c.TargetName()}
		switch c.Type {
		case Cleartext:
			jc.Type = "cleartext"
		case Fingerprint:
			jc.Type = "fingerprint"
		case Sealed:
			jc.Type = "sealed"
			l := c.Pad.Length
			jc.Pad = &jsonPad{Type: [...]string{"none", "fixed", "max"}[min(max(int(c.Pad.Type), 0), 2)]}
			if c.Pad.Type != PadNone {
				jc.Pad.Length = &l
			}
		}
		js.Columns = append(js.Columns, jc)
	}
	return json.Marshal(js)
}

// ReadHeader returns an input file's column names (a CSV's header row, a
// Parquet file's top-level columns), for GenerateSchema.
func ReadHeader(in Input) ([]string, error) {
	if in.R == nil || !in.Format.valid() {
		return nil, newErr("read header", "", 0, ErrInput, "unknown format or no input")
	}
	if in.Format == Parquet {
		s, err := openParquet(in.R, in.Size)
		if err != nil {
			return nil, err
		}
		return s.hdr, nil
	}
	s, err := newCSVSource(io.NewSectionReader(in.R, 0, in.Size), csvNulls{})
	if err != nil {
		return nil, err
	}
	return s.hdr, nil
}
