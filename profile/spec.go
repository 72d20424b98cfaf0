package profile

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Column declares one input column: rows carry their values in
// Spec.Columns order (Row.Values).
type Column struct {
	Name string
	Type Type
}

// Policy is a survivorship rule: how a field's value is chosen among the
// values of a person's rows. Empty values never win; ties break by
// recency, then by source name, record key and value, so the result never
// depends on input order.
type Policy string

// The survivorship policies.
const (
	// SourcePriority takes the value of the first source in Field.Sources
	// that has one (sources not listed come last, tied), the most recent
	// among that source's values (Connect's SOURCE, falling back to
	// recency).
	SourcePriority Policy = "source_priority"
	// MostRecent takes the most recent non-empty value (Connect's RECENCY).
	MostRecent Policy = "most_recent"
	// Oldest takes the earliest non-empty value.
	Oldest Policy = "oldest"
	// MostFrequent takes the value seen in most rows; ties go to the one
	// seen most recently.
	MostFrequent Policy = "most_frequent"
	// Min and Max take the smallest or largest value (Compare order).
	Min Policy = "min"
	Max Policy = "max"
	// Sum adds an Int or Float column's values.
	Sum Policy = "sum"
	// Count counts the rows with a non-empty value (type Int).
	Count Policy = "count"
	// UniqueList keeps the distinct values, most recently seen first, at
	// most Field.MaxItems of them (the rest are counted in
	// FieldValue.Dropped).
	UniqueList Policy = "unique_list"
)

// DefaultMaxItems bounds a UniqueList field when Field.MaxItems is 0.
const DefaultMaxItems = 10

// Field is one profile field: a column of the input and its survivorship
// policy.
type Field struct {
	// Name names the field in profiles, datasets and segment expressions.
	Name string
	// Column is the input column; "" means Name.
	Column string
	Policy Policy
	// Sources orders the sources for SourcePriority, highest first.
	Sources []string
	// MaxItems bounds a UniqueList (0 means DefaultMaxItems).
	MaxItems int
}

// Agg is the aggregate of a caller-defined trait.
type Agg string

// The trait aggregates.
const (
	// AggCount counts the person's rows, or with a Column the rows where
	// it is non-empty (Int).
	AggCount Agg = "count"
	// AggCountDistinct counts the distinct non-empty values of Column (Int).
	AggCountDistinct Agg = "count_distinct"
	// AggSum adds Column's values (Int or Float, as the column).
	AggSum Agg = "sum"
	// AggAvg averages Column's values (Float).
	AggAvg Agg = "avg"
	// AggMin and AggMax take the smallest or largest value (the column's type).
	AggMin Agg = "min"
	AggMax Agg = "max"
)

// Trait is a caller-defined, typed aggregate over a person's rows,
// optionally restricted to some sources and to a time window before the
// run time.
type Trait struct {
	Name   string
	Agg    Agg
	Column string
	// Sources restricts the trait to rows of these sources (empty: all).
	Sources []string
	// Window restricts the trait to rows observed at most Window before
	// Options.RunAt (and not after it); 0 means all rows.
	Window time.Duration
}

// Segment is a named predicate over profiles. Set Where (built with And,
// Eq, Within, ...) or Text (parsed with Parse when the Builder is made;
// errors then carry positions); not both.
type Segment struct {
	Name  string
	Where Expr
	Text  string
}

// Spec declares the input columns, the profile fields with their
// survivorship policies, the caller-defined traits and the segments.
//
// Besides the fields and traits declared here, segment expressions may use
// these built-in names:
//
//	records        Int   rows of the person
//	records.<src>  Int   rows from source <src> (null when none)
//	first_seen     Time  earliest row time
//	last_seen      Time  latest row time
//	recency_days   Int   whole days from last_seen to the run time
//	frequency      Int   rows within Options.FrequencyWindow before the run time
//	sources        String list: the person's sources
//	source_count   Int   number of distinct sources
//	id.<KEY>       Int   number of identifiers of hashing key <KEY> (null when none)
type Spec struct {
	Columns  []Column
	Fields   []Field
	Traits   []Trait
	Segments []Segment
}

// builtin names.
const (
	bRecords     = "records"
	bFirstSeen   = "first_seen"
	bLastSeen    = "last_seen"
	bRecencyDays = "recency_days"
	bFrequency   = "frequency"
	bSources     = "sources"
	bSourceCount = "source_count"
)

func isBuiltin(name string) bool {
	switch name {
	case bRecords, bFirstSeen, bLastSeen, bRecencyDays, bFrequency, bSources, bSourceCount:
		return true
	}
	return strings.HasPrefix(name, "records.") || strings.HasPrefix(name, "id.")
}

// compiled is a validated Spec.
type compiled struct {
	spec     Spec
	colIdx   map[string]int
	fields   []cfield
	traits   []ctrait
	segments []csegment
	// needField and needTrait say what a build computes for segments and
	// statistics: fields and traits segments use, and UniqueList fields
	// (whose dropped items are counted).
	needField, needTrait []bool
}

type cfield struct {
	Field
	col  int
	typ  Type // output type
	list bool
	rank map[string]int // SourcePriority
	max  int
}

type ctrait struct {
	Trait
	col     int // -1 for a row count
	typ     Type
	sources map[string]bool
}

type csegment struct {
	name string
	expr Expr
	eval evaluator
}

func specErr(key string, kind error, msg string) error { return newErr("spec", key, kind, msg) }

func compile(s Spec) (*compiled, error) {
	c := &compiled{spec: s, colIdx: map[string]int{}}
	for i, col := range s.Columns {
		if col.Name == "" {
			return nil, specErr("", ErrInvalidInput, "column "+strconv.Itoa(i)+" has no name")
		}
		if !col.Type.valid() {
			return nil, specErr(col.Name, ErrInvalidInput, "column has no valid type")
		}
		if _, dup := c.colIdx[col.Name]; dup {
			return nil, specErr(col.Name, ErrInvalidInput, "duplicate column")
		}
		c.colIdx[col.Name] = i
	}
	names := map[string]string{}
	claim := func(name, what string) error {
		if !validName(name) {
			return specErr(name, ErrInvalidInput, what+" name must be letters, digits, '_' or '.', starting with a letter or '_', and not a keyword")
		}
		if isBuiltin(name) {
			return specErr(name, ErrInvalidInput, what+" name is a built-in trait's")
		}
		if prev, dup := names[name]; dup {
			return specErr(name, ErrInvalidInput, what+" name is already used by a "+prev)
		}
		names[name] = what
		return nil
	}
	for _, f := range s.Fields {
		if err := claim(f.Name, "field"); err != nil {
			return nil, err
		}
		cf := cfield{Field: f}
		colName := f.Column
		if colName == "" {
			colName = f.Name
		}
		ci, ok := c.colIdx[colName]
		if !ok {
			return nil, specErr(f.Name, ErrUnknownName, "field's column "+strconv.Quote(colName)+" is not in Spec.Columns")
		}
		cf.col = ci
		ct := s.Columns[ci].Type
		cf.typ = ct
		switch f.Policy {
		case SourcePriority:
			if len(f.Sources) == 0 {
				return nil, specErr(f.Name, ErrInvalidInput, "source_priority needs Sources")
			}
			cf.rank = map[string]int{}
			for i, src := range f.Sources {
				if _, dup := cf.rank[src]; !dup {
					cf.rank[src] = i
				}
			}
		case MostRecent, Oldest, MostFrequent, Min, Max:
		case Sum:
			if !numeric(ct) {
				return nil, specErr(f.Name, ErrInvalidInput, "sum needs an int or float column")
			}
		case Count:
			cf.typ = Int
		case UniqueList:
			cf.list = true
			cf.max = f.MaxItems
			if cf.max == 0 {
				cf.max = DefaultMaxItems
			}
			if cf.max < 0 {
				return nil, specErr(f.Name, ErrInvalidInput, "negative MaxItems")
			}
		default:
			return nil, specErr(f.Name, ErrInvalidInput, "unknown policy "+strconv.Quote(string(f.Policy)))
		}
		c.fields = append(c.fields, cf)
	}
	for _, t := range s.Traits {
		if err := claim(t.Name, "trait"); err != nil {
			return nil, err
		}
		ct := ctrait{Trait: t, col: -1}
		if t.Column != "" {
			ci, ok := c.colIdx[t.Column]
			if !ok {
				return nil, specErr(t.Name, ErrUnknownName, "trait's column "+strconv.Quote(t.Column)+" is not in Spec.Columns")
			}
			ct.col = ci
		}
		var colType Type
		if ct.col >= 0 {
			colType = s.Columns[ct.col].Type
		}
		switch t.Agg {
		case AggCount:
			ct.typ = Int
		case AggCountDistinct:
			if ct.col < 0 {
				return nil, specErr(t.Name, ErrInvalidInput, "count_distinct needs a Column")
			}
			ct.typ = Int
		case AggSum:
			if !numeric(colType) {
				return nil, specErr(t.Name, ErrInvalidInput, "sum needs an int or float Column")
			}
			ct.typ = colType
		case AggAvg:
			if !numeric(colType) {
				return nil, specErr(t.Name, ErrInvalidInput, "avg needs an int or float Column")
			}
			ct.typ = Float
		case AggMin, AggMax:
			if ct.col < 0 {
				return nil, specErr(t.Name, ErrInvalidInput, string(t.Agg)+" needs a Column")
			}
			ct.typ = colType
		default:
			return nil, specErr(t.Name, ErrInvalidInput, "unknown aggregate "+strconv.Quote(string(t.Agg)))
		}
		if t.Window < 0 {
			return nil, specErr(t.Name, ErrInvalidInput, "negative Window")
		}
		if len(t.Sources) > 0 {
			ct.sources = map[string]bool{}
			for _, src := range t.Sources {
				ct.sources[src] = true
			}
		}
		c.traits = append(c.traits, ct)
	}
	if len(s.Segments) > 64 {
		return nil, specErr("", ErrInvalidInput, "more than 64 segments")
	}
	segNames := map[string]bool{}
	for _, sg := range s.Segments {
		if sg.Name == "" || strings.ContainsAny(sg.Name, "/\x00") {
			return nil, specErr(sg.Name, ErrInvalidInput, "segment needs a name without '/'")
		}
		if segNames[sg.Name] {
			return nil, specErr(sg.Name, ErrInvalidInput, "duplicate segment")
		}
		segNames[sg.Name] = true
		e := sg.Where
		if sg.Text != "" {
			if e.Op != 0 {
				return nil, specErr(sg.Name, ErrInvalidInput, "segment sets both Where and Text")
			}
			var err error
			if e, err = Parse(sg.Text); err != nil {
				return nil, &Error{Op: "spec", Key: sg.Name, Err: err}
			}
		}
		if e.Op == 0 {
			return nil, specErr(sg.Name, ErrInvalidInput, "segment has no expression")
		}
		ev, err := c.compileExpr(sg.Name, e)
		if err != nil {
			return nil, err
		}
		c.segments = append(c.segments, csegment{name: sg.Name, expr: e, eval: ev})
	}
	c.needField = make([]bool, len(c.fields))
	c.needTrait = make([]bool, len(c.traits))
	for i, f := range c.fields {
		c.needField[i] = f.list
	}
	for _, sg := range c.segments {
		for _, leaf := range sg.expr.names(nil) {
			o, _ := c.resolve(leaf.Name)
			if o.field >= 0 {
				c.needField[o.field] = true
			}
			if o.trait >= 0 {
				c.needTrait[o.trait] = true
			}
		}
	}
	return c, nil
}

// operand describes what a name in an expression refers to.
type operand struct {
	typ   Type
	list  bool
	field int    // >= 0: field index
	trait int    // >= 0: trait index
	bi    string // builtin
	arg   string // source for records.<src>, key for id.<KEY>
}

func (c *compiled) resolve(name string) (operand, bool) {
	o := operand{field: -1, trait: -1}
	for i, f := range c.fields {
		if f.Name == name {
			o.field, o.typ, o.list = i, f.typ, f.list
			return o, true
		}
	}
	for i, t := range c.traits {
		if t.Name == name {
			o.trait, o.typ = i, t.typ
			return o, true
		}
	}
	switch name {
	case bRecords, bRecencyDays, bFrequency, bSourceCount:
		o.bi, o.typ = name, Int
		return o, true
	case bFirstSeen, bLastSeen:
		o.bi, o.typ = name, Time
		return o, true
	case bSources:
		o.bi, o.typ, o.list = name, String, true
		return o, true
	}
	if src, ok := strings.CutPrefix(name, "records."); ok && src != "" {
		o.bi, o.arg, o.typ = "records.", src, Int
		return o, true
	}
	if k, ok := strings.CutPrefix(name, "id."); ok && k != "" {
		if keyIndex(k) < 0 {
			return o, false
		}
		o.bi, o.arg, o.typ = "id.", k, Int
		return o, true
	}
	return o, false
}

func (c *compiled) compileExpr(seg string, e Expr) (evaluator, error) {
	fail := func(x Expr, kind error, msg string) error {
		return &Error{Op: "spec", Key: seg, Kind: kind, Err: msgError(msg + " (at byte " + strconv.Itoa(x.pos) + " of the expression)")}
	}
	if m := e.validate(); m != "" {
		return nil, fail(e, ErrInvalidInput, m)
	}
	for _, leaf := range e.names(nil) {
		o, ok := c.resolve(leaf.Name)
		if !ok {
			return nil, fail(leaf, ErrUnknownName, "unknown field or trait "+strconv.Quote(leaf.Name))
		}
		for _, v := range leaf.Values {
			if v.t == Float && (math.IsInf(v.f, 0)) {
				return nil, fail(leaf, ErrInvalidInput, "infinite number")
			}
			if !(v.t == o.typ || numeric(v.t) && numeric(o.typ)) {
				return nil, fail(leaf, ErrInvalidInput, strconv.Quote(leaf.Name)+" is "+o.typ.String()+", compared with a "+v.t.String())
			}
		}
		if leaf.Op == OpWithin && o.typ != Time {
			return nil, fail(leaf, ErrInvalidInput, strconv.Quote(leaf.Name)+" is "+o.typ.String()+": within needs a time")
		}
	}
	return c.evaluator(e), nil
}

// keyIndex is the index of a hashing key name in canonical order, or -1.
func keyIndex(k string) int {
	return slices.IndexFunc(allKeys, func(x string) bool { return x == k })
}
