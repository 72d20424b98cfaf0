package catalog

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// Parquet table definition constants: exactly what AWS SDK for pandas
// (awswrangler) and the Glue crawler write for Parquet on S3.
const (
	TableTypeExternal   = "EXTERNAL_TABLE"
	ParquetInputFormat  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	ParquetOutputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
	ParquetSerDe        = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
)

// Compression is the Parquet codec recorded in the table properties.
type Compression string

// Compression codecs. The zero value means CompressionSnappy.
const (
	CompressionSnappy Compression = "snappy"
	CompressionZstd   Compression = "zstd"
	CompressionGzip   Compression = "gzip"
	CompressionNone   Compression = "none"
)

// Column is a table column or partition key.
type Column struct {
	// Name must pass ValidateName (see SanitizeNames for untrusted input).
	Name string
	// Type is a Hive type as Glue stores it: "string", "bigint",
	// "decimal(10,2)", "array<string>", "struct<a:int,b:string>" ...
	Type string
	// Comment is optional. An empty comment never removes an existing one.
	Comment string
	// Parameters are optional column parameters.
	Parameters map[string]string
}

// ProjectionType is an Athena partition projection type.
type ProjectionType string

// Partition projection types (Athena "Supported types for partition projection").
const (
	ProjectEnum     ProjectionType = "enum"
	ProjectInteger  ProjectionType = "integer"
	ProjectDate     ProjectionType = "date"
	ProjectInjected ProjectionType = "injected"
)

// ProjectedKey configures projection for one partition key.
type ProjectedKey struct {
	// Key is the partition key name.
	Key  string
	Type ProjectionType
	// Values lists the values of an enum key.
	Values []string
	// Range is "min,max" for integer and date keys (date ranges may be
	// relative, e.g. "NOW-3YEARS,NOW").
	Range string
	// Interval, IntervalUnit, Digits and Format are optional refinements.
	// Format defaults to "yyyy-MM-dd" for date keys whose partition key type
	// is date, and to "yyyy-MM-dd HH:mm:ss" (interval 1 SECONDS) for
	// timestamp keys, as awswrangler does.
	Interval     string
	IntervalUnit string
	Digits       int
	Format       string
}

// Projection enables Athena partition projection on the table.
type Projection struct {
	Keys []ProjectedKey
	// LocationTemplate is written as storage.location.template when set,
	// e.g. "s3://bucket/table/${dt}/".
	LocationTemplate string
}

// Schema is the table a caller wants: what EnsureTable creates or evolves
// towards. It holds plain values only.
type Schema struct {
	Columns       []Column
	PartitionKeys []Column
	// Location is the dataset root, e.g. "s3://bucket/clean/orders" (or
	// "file:///lake/clean/orders" for a local catalog). A trailing "/" is
	// added, so a sibling prefix never matches.
	Location    string
	Compression Compression
	Description string
	// Parameters are added to the table properties. Keys this package owns
	// (classification, compressionType, typeOfData, projection.*,
	// storage.location.template) are rejected.
	Parameters map[string]string
	// Projection, when set, enables Athena partition projection. When nil,
	// projection.enabled=false is written.
	Projection *Projection
	// Buckets and BucketColumns describe Hive bucketing (files hashed into
	// Buckets files by BucketColumns). Zero Buckets means not bucketed
	// (NumberOfBuckets -1).
	Buckets       int
	BucketColumns []string
}

func (c Compression) orDefault() Compression {
	if c == "" {
		return CompressionSnappy
	}
	return c
}

// normLocation adds the trailing slash.
func normLocation(loc string) string {
	if loc == "" || strings.HasSuffix(loc, "/") {
		return loc
	}
	return loc + "/"
}

func isOwnedParam(k string) bool {
	switch k {
	case "classification", "compressionType", "typeOfData", "storage.location.template":
		return true
	}
	return strings.HasPrefix(k, "projection.")
}

// validate checks everything Glue would not (or would only half) check.
func (s *Schema) validate() error {
	if len(s.Columns) == 0 {
		return &InputError{Field: "schema", Index: -1, Reason: "no columns"}
	}
	seen := map[string]bool{}
	check := func(what string, cols []Column, partition bool) error {
		for _, c := range cols {
			if err := ValidateName(what, c.Name); err != nil {
				return err
			}
			if seen[c.Name] {
				return &NameError{What: what, Name: c.Name, Reason: "duplicate column"}
			}
			seen[c.Name] = true
			if reason := glueText(c.Comment, maxCommentLen); reason != "" {
				return &InputError{Field: what + " " + strconv.Quote(c.Name) + " comment", Index: -1, Reason: reason}
			}
			if err := validateParams(what+" "+strconv.Quote(c.Name)+" parameter", c.Parameters); err != nil {
				return err
			}
			var err error
			if partition {
				err = validatePartitionType(c.Name, c.Type)
			} else {
				err = ValidateType(c.Name, c.Type)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := check("column", s.Columns, false); err != nil {
		return err
	}
	if err := check("partition key", s.PartitionKeys, true); err != nil {
		return err
	}
	if err := validateLocation(s.Location); err != nil {
		return err
	}
	switch s.Compression.orDefault() {
	case CompressionSnappy, CompressionZstd, CompressionGzip, CompressionNone:
	default:
		return &InputError{Field: "compression", Index: -1, Reason: "must be snappy, zstd, gzip or none"}
	}
	if reason := glueText(s.Description, maxDescriptionLen); reason != "" {
		return &InputError{Field: "description", Index: -1, Reason: reason}
	}
	if err := validateParams("parameter", s.Parameters); err != nil {
		return err
	}
	for k := range s.Parameters {
		if isOwnedParam(k) {
			return &InputError{Field: "parameter " + strconv.Quote(k), Index: -1, Reason: "set by this package; use Schema.Compression or Schema.Projection"}
		}
	}
	if s.Buckets < 0 || s.Buckets > 100000 || (s.Buckets > 0) != (len(s.BucketColumns) > 0) {
		return &InputError{Field: "bucketing", Index: -1, Reason: "Buckets (1-100000) and BucketColumns go together"}
	}
	for i, c := range s.BucketColumns {
		if !slices.ContainsFunc(s.Columns, func(col Column) bool { return col.Name == c }) {
			return &InputError{Field: "bucket column", Index: i, Reason: "not a column"}
		}
	}
	if s.Projection != nil {
		keys := map[string]string{}
		for _, k := range s.PartitionKeys {
			keys[k.Name] = k.Type
		}
		if len(s.Projection.Keys) == 0 {
			return &InputError{Field: "projection", Index: -1, Reason: "no keys"}
		}
		projected := map[string]bool{}
		for i, p := range s.Projection.Keys {
			if _, ok := keys[p.Key]; !ok {
				return &InputError{Field: "projection key", Index: i, Reason: "not a partition key"}
			}
			if projected[p.Key] {
				return &InputError{Field: "projection key", Index: i, Reason: "listed twice"}
			}
			projected[p.Key] = true
			switch p.Type {
			case ProjectEnum:
				if len(p.Values) == 0 {
					return &InputError{Field: "projection key", Index: i, Reason: "enum needs values"}
				}
				// Athena reads projection.<key>.values as a comma-separated list.
				for _, v := range p.Values {
					if v == "" || strings.Contains(v, ",") {
						return &InputError{Field: "projection key", Index: i, Reason: "enum values must be non-empty and contain no comma"}
					}
				}
			case ProjectInteger, ProjectDate:
				if p.Range == "" {
					return &InputError{Field: "projection key", Index: i, Reason: string(p.Type) + " needs a range"}
				}
				if p.Type == ProjectDate && p.Format == "" && keys[p.Key] != "date" && keys[p.Key] != "timestamp" {
					return &InputError{Field: "projection key", Index: i, Reason: "date projection on a non-date key needs a format"}
				}
			case ProjectInjected:
			default:
				return &InputError{Field: "projection key", Index: i, Reason: "unknown projection type"}
			}
		}
	}
	return nil
}

// Glue's length limits (API reference, Column and TableInput), in UTF-16
// code units as the service counts them.
const (
	maxCommentLen     = 255
	maxDescriptionLen = 2048
	maxParamKeyLen    = 255
	maxParamValueLen  = 512000
)

// glueText checks s against Glue's single-line string pattern
// ([\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*) and length
// limit; it returns the reason it fails or "".
func glueText(s string, max int) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	n := 0
	for _, r := range s {
		switch {
		case r == '\t', r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD:
			n++
		case r >= 0x10000:
			n += 2 // a surrogate pair
		default:
			return "must be a single line without control characters"
		}
	}
	if n > max {
		return "longer than " + strconv.Itoa(max) + " characters"
	}
	return ""
}

// validateParams checks parameter keys (1-255 characters, single line) and
// values (at most 512000 characters). Keys, not values, appear in errors.
func validateParams(field string, params map[string]string) error {
	for k, v := range params {
		if k == "" {
			return &InputError{Field: field, Index: -1, Reason: "empty key"}
		}
		if reason := glueText(k, maxParamKeyLen); reason != "" {
			return &InputError{Field: field + " key", Index: -1, Reason: reason}
		}
		if utf8.RuneCountInString(v) > maxParamValueLen {
			return &InputError{Field: field + " " + strconv.Quote(k), Index: -1, Reason: "value longer than " + strconv.Itoa(maxParamValueLen) + " characters"}
		}
	}
	return nil
}

// validateLocation accepts absolute URIs: s3://bucket/prefix (also s3a,
// s3n) with a bucket, and others such as file:///lake/clean/orders/ for
// local catalogs.
func validateLocation(loc string) error {
	scheme, rest, ok := strings.Cut(loc, "://")
	bad := !ok || scheme == "" || rest == "" || strings.ContainsAny(scheme, "/?#") || strings.ContainsAny(loc, "\n\r")
	switch strings.ToLower(scheme) {
	case "s3", "s3a", "s3n":
		bad = bad || strings.HasPrefix(rest, "/")
	}
	if bad {
		return &InputError{Field: "location", Index: -1, Reason: "must be an absolute URI such as s3://bucket/prefix"}
	}
	return nil
}

// tableParameters are the table properties for s: awswrangler's, then
// projection keys, then the caller's.
func (s *Schema) tableParameters() map[string]string {
	c := string(s.Compression.orDefault())
	p := map[string]string{
		"classification":     "parquet",
		"compressionType":    c,
		"typeOfData":         "file",
		"projection.enabled": "false",
	}
	if pr := s.Projection; pr != nil {
		p["projection.enabled"] = "true"
		types := map[string]string{}
		for _, k := range s.PartitionKeys {
			types[k.Name] = k.Type
		}
		for _, k := range pr.Keys {
			pre := "projection." + k.Key + "."
			p[pre+"type"] = string(k.Type)
			if len(k.Values) > 0 {
				p[pre+"values"] = strings.Join(k.Values, ",")
			}
			if k.Range != "" {
				p[pre+"range"] = k.Range
			}
			format, interval, unit := k.Format, k.Interval, k.IntervalUnit
			if k.Type == ProjectDate && format == "" {
				switch types[k.Key] {
				case "date":
					format = "yyyy-MM-dd"
				case "timestamp":
					format = "yyyy-MM-dd HH:mm:ss"
					if interval == "" {
						interval, unit = "1", "SECONDS"
					}
				}
			}
			if format != "" {
				p[pre+"format"] = format
			}
			if interval != "" {
				p[pre+"interval"] = interval
			}
			if unit != "" {
				p[pre+"interval.unit"] = unit
			}
			if k.Digits > 0 {
				p[pre+"digits"] = strconv.Itoa(k.Digits)
			}
		}
		if pr.LocationTemplate != "" {
			p["storage.location.template"] = pr.LocationTemplate
		}
	}
	maps.Copy(p, s.Parameters)
	return p
}

func (s *Schema) storageParameters() map[string]string {
	return map[string]string{
		"CrawlerSchemaDeserializerVersion": "1.0",
		"classification":                   "parquet",
		"compressionType":                  string(s.Compression.orDefault()),
		"typeOfData":                       "file",
	}
}

func glueColumns(cols []Column) []types.Column {
	out := make([]types.Column, 0, len(cols))
	for _, c := range cols {
		gc := types.Column{Name: aws.String(c.Name), Type: aws.String(c.Type)}
		if c.Comment != "" {
			gc.Comment = aws.String(c.Comment)
		}
		if len(c.Parameters) > 0 {
			gc.Parameters = maps.Clone(c.Parameters)
		}
		out = append(out, gc)
	}
	return out
}

func (s *Schema) numberOfBuckets() int32 {
	if s.Buckets <= 0 {
		return -1
	}
	return int32(s.Buckets)
}

// TableInput returns the Glue table definition EnsureTable creates for s: an
// EXTERNAL_TABLE with the Parquet SerDe and input/output formats, the
// crawler-style storage parameters, NumberOfBuckets -1 and an explicit (maybe
// empty) partition key list. s is not validated; EnsureTable does that.
func (s *Schema) TableInput(name string) *types.TableInput {
	in := &types.TableInput{
		Name:          aws.String(name),
		TableType:     aws.String(TableTypeExternal),
		Parameters:    s.tableParameters(),
		PartitionKeys: glueColumns(s.PartitionKeys),
		StorageDescriptor: &types.StorageDescriptor{
			Columns:      glueColumns(s.Columns),
			Location:     aws.String(normLocation(s.Location)),
			InputFormat:  aws.String(ParquetInputFormat),
			OutputFormat: aws.String(ParquetOutputFormat),
			Compressed:   s.Compression.orDefault() != CompressionNone,
			SerdeInfo: &types.SerDeInfo{
				SerializationLibrary: aws.String(ParquetSerDe),
				Parameters:           map[string]string{"serialization.format": "1"},
			},
			NumberOfBuckets:        s.numberOfBuckets(),
			BucketColumns:          append([]string{}, s.BucketColumns...),
			SortColumns:            []types.Order{},
			StoredAsSubDirectories: false,
			Parameters:             s.storageParameters(),
		},
	}
	if s.Description != "" {
		in.Description = aws.String(s.Description)
	}
	return in
}

// inputFromTable copies the fields of a GetTable result that are valid in a
// TableInput (a GetTable result cannot be sent back as is).
func inputFromTable(t *types.Table) *types.TableInput {
	return &types.TableInput{
		Name:              t.Name,
		Description:       t.Description,
		Owner:             t.Owner,
		LastAccessTime:    t.LastAccessTime,
		LastAnalyzedTime:  t.LastAnalyzedTime,
		Retention:         t.Retention,
		StorageDescriptor: t.StorageDescriptor,
		PartitionKeys:     t.PartitionKeys,
		ViewOriginalText:  t.ViewOriginalText,
		ViewExpandedText:  t.ViewExpandedText,
		TableType:         t.TableType,
		Parameters:        t.Parameters,
		TargetTable:       t.TargetTable,
	}
}

// MissingColumns says what EnsureTable does with a column that is in the
// table but not in the requested schema.
type MissingColumns int

const (
	// MissingColumnsError (the default) fails with a *SchemaError.
	MissingColumnsError MissingColumns = iota
	// MissingColumnsKeep leaves the column in the table: the right choice
	// when several writers each write a subset of the columns.
	MissingColumnsKeep
	// MissingColumnsDrop removes the column from the table definition (the
	// data files are not touched).
	MissingColumnsDrop
)

func typeKey(t string) string { return strings.ToLower(strings.ReplaceAll(t, " ", "")) }

// merge evolves the table cur towards s. base holds the column names of the
// table as first read by this call: a column missing from s that is not in
// base was added by a concurrent writer after that read, so it is kept
// whatever the policy (the caller never saw it, so cannot have meant to
// remove it). It returns the input for UpdateTable, the columns it appends
// and whether anything changed. cur is modified.
func merge(cur *types.Table, s *Schema, base map[string]bool, o *Options) (*types.TableInput, []string, bool, error) {
	var bad []SchemaChange
	changed := false
	if aws.ToString(cur.TableType) != TableTypeExternal {
		bad = append(bad, SchemaChange{Kind: ChangeFormat, From: aws.ToString(cur.TableType), To: TableTypeExternal})
	}
	sd := cur.StorageDescriptor
	if sd == nil {
		sd = &types.StorageDescriptor{}
		cur.StorageDescriptor = sd
	}
	if f := aws.ToString(sd.InputFormat); f != ParquetInputFormat {
		bad = append(bad, SchemaChange{Kind: ChangeFormat, From: f, To: ParquetInputFormat})
	}

	// Partition keys: names and types are fixed for the life of a table.
	if !samePartitionKeys(cur.PartitionKeys, s.PartitionKeys) {
		bad = append(bad, SchemaChange{Kind: ChangePartitionKeys, From: describeCols(cur.PartitionKeys), To: describeCols(glueColumns(s.PartitionKeys))})
	} else {
		if cur.PartitionKeys == nil {
			// Glue may omit an empty list; sending it back is not a change.
			cur.PartitionKeys = []types.Column{}
		}
		for i, k := range s.PartitionKeys {
			if k.Comment != "" && aws.ToString(cur.PartitionKeys[i].Comment) != k.Comment {
				cur.PartitionKeys[i].Comment = aws.String(k.Comment)
				changed = true
			}
		}
	}

	// Bucketing is fixed: files already written are hashed into the old
	// buckets, and Athena prunes by them.
	haveBuckets := sd.NumberOfBuckets
	if haveBuckets == 0 {
		haveBuckets = -1
	}
	if haveBuckets != s.numberOfBuckets() || !slices.Equal(sd.BucketColumns, s.BucketColumns) {
		bad = append(bad, SchemaChange{Kind: ChangeBucketing,
			From: strconv.Itoa(int(haveBuckets)) + " by " + strings.Join(sd.BucketColumns, ","),
			To:   strconv.Itoa(int(s.numberOfBuckets())) + " by " + strings.Join(s.BucketColumns, ",")})
	}

	if want, have := normLocation(s.Location), normLocation(aws.ToString(sd.Location)); want != have {
		if o.AllowLocationChange {
			sd.Location = aws.String(want)
			changed = true
		} else {
			bad = append(bad, SchemaChange{Kind: ChangeLocation, From: have, To: want})
		}
	}

	desired := make(map[string]*Column, len(s.Columns))
	for i := range s.Columns {
		desired[s.Columns[i].Name] = &s.Columns[i]
	}
	cols := make([]types.Column, 0, len(sd.Columns)+len(s.Columns))
	present := make(map[string]bool, len(sd.Columns))
	for _, c := range sd.Columns {
		name := aws.ToString(c.Name)
		present[name] = true
		d, ok := desired[name]
		if !ok {
			if !base[name] || o.MissingColumns == MissingColumnsKeep {
				cols = append(cols, c)
				continue
			}
			if o.MissingColumns == MissingColumnsDrop {
				changed = true
				continue
			}
			bad = append(bad, SchemaChange{Kind: ChangeRemoved, Column: name, From: aws.ToString(c.Type)})
			cols = append(cols, c)
			continue
		}
		if typeKey(aws.ToString(c.Type)) != typeKey(d.Type) {
			if o.AllowTypeChanges {
				c.Type = aws.String(d.Type)
				changed = true
			} else {
				bad = append(bad, SchemaChange{Kind: ChangeType, Column: name, From: aws.ToString(c.Type), To: d.Type})
			}
		}
		if d.Comment != "" && aws.ToString(c.Comment) != d.Comment {
			c.Comment = aws.String(d.Comment)
			changed = true
		}
		for k, v := range d.Parameters {
			if cv, ok := c.Parameters[k]; !ok || cv != v {
				c.Parameters = maps.Clone(c.Parameters)
				if c.Parameters == nil {
					c.Parameters = map[string]string{}
				}
				c.Parameters[k] = v
				changed = true
			}
		}
		cols = append(cols, c)
	}
	var added []string
	for _, c := range s.Columns {
		if !present[c.Name] {
			cols = append(cols, glueColumns([]Column{c})...)
			added = append(added, c.Name)
			changed = true
		}
	}
	if len(bad) > 0 {
		return nil, nil, false, &SchemaError{Changes: bad}
	}
	sd.Columns = cols

	want := s.tableParameters()
	cur.Parameters, changed = syncParams(cur.Parameters, want, true, changed)
	sd.Parameters, changed = syncParams(sd.Parameters, s.storageParameters(), false, changed)
	if compressed := s.Compression.orDefault() != CompressionNone; sd.Compressed != compressed {
		sd.Compressed = compressed
		changed = true
	}
	if s.Description != "" && aws.ToString(cur.Description) != s.Description {
		cur.Description = aws.String(s.Description)
		changed = true
	}
	return inputFromTable(cur), added, changed, nil
}

// syncParams sets every key of want in have; with owned, it also removes the
// keys this package owns that want does not have (stale projection keys).
func syncParams(have, want map[string]string, owned, changed bool) (map[string]string, bool) {
	if have == nil {
		have = map[string]string{}
	}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			have[k] = v
			changed = true
		}
	}
	if owned {
		for k := range have {
			if _, ok := want[k]; !ok && isOwnedParam(k) {
				delete(have, k)
				changed = true
			}
		}
	}
	return have, changed
}

func samePartitionKeys(have []types.Column, want []Column) bool {
	if len(have) != len(want) {
		return false
	}
	for i := range have {
		if aws.ToString(have[i].Name) != want[i].Name || typeKey(aws.ToString(have[i].Type)) != typeKey(want[i].Type) {
			return false
		}
	}
	return true
}

func describeCols(cols []types.Column) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		parts = append(parts, aws.ToString(c.Name)+" "+aws.ToString(c.Type))
	}
	return strings.Join(parts, ", ")
}

func columnSet(t *types.Table) map[string]bool {
	m := map[string]bool{}
	if t.StorageDescriptor != nil {
		for _, c := range t.StorageDescriptor.Columns {
			m[aws.ToString(c.Name)] = true
		}
	}
	return m
}

func fromGlueColumns(cols []types.Column) []Column {
	out := make([]Column, 0, len(cols))
	for _, c := range cols {
		out = append(out, Column{Name: aws.ToString(c.Name), Type: aws.ToString(c.Type), Comment: aws.ToString(c.Comment), Parameters: maps.Clone(c.Parameters)})
	}
	return out
}
