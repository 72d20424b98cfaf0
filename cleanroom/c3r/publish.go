package c3r

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/zones"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Format is a table file format.
type Format int

// Formats.
const (
	CSV Format = iota + 1
	Parquet
)

func (f Format) valid() bool { return f == CSV || f == Parquet }

func (f Format) ext() string {
	if f == Parquet {
		return ".parquet"
	}
	return ".csv"
}

// Published is the result of Publish.
type Published struct {
	// Object is the encrypted table's file in the clean zone.
	Object zones.Object
	// Location is Object's directory as an external URI (s3://…,
	// file://…), "" when the backend cannot say; the Glue table's location.
	Location string
	// Stats are the encryption's (from the manifest when Unchanged).
	Stats Stats
	// Unchanged reports a rerun over the same input, schema, settings and
	// keys: nothing was written.
	Unchanged bool
	// Removed lists the files of earlier runs that were replaced.
	Removed []string
}

// manifest records what produced an encrypted table, so that a rerun over
// the same input writes nothing. KeyCheck identifies the keys (an HMAC of
// a constant under the root key) without revealing them.
type manifest struct {
	Format        string         `json:"format"`
	InputSHA256   string         `json:"input_sha256"`
	Schema        Schema         `json:"schema"`
	Settings      Settings       `json:"settings"`
	KeyCheck      string         `json:"key_check"`
	FileFormat    string         `json:"file_format"`
	Object        string         `json:"object"`
	Rows          int64          `json:"rows"`
	OutputColumns []OutputColumn `json:"output_columns"`
}

const (
	partPrefix     = "part"
	manifestDir    = "_c3r"
	manifestPrefix = "manifest"
)

// Publish encrypts a CSV or Parquet file (in) into the clean
// zone of store, under dir: one file named from its content
// (dir/part-<sha256>.csv or .parquet, as format says; describe a Parquet
// one for Glue with CatalogSchema), plus a manifest under dir/_c3r/
// (a directory Glue, Athena and Clean Rooms ignore). The file is spooled
// with bounded memory and written create-only; only then are the files an
// earlier run left in dir removed, so a rerun replaces rather than
// duplicates and nothing is deleted before its replacement exists. A rerun
// whose input, schema, settings and keys match the manifest writes
// nothing (Published.Unchanged).
func (e *Encryptor) Publish(ctx context.Context, store *zones.Store, dir string, in Input, format Format, schema Schema, optFns ...func(*Options)) (Published, error) {
	const op = "publish"
	dir = strings.Trim(dir, "/")
	if !format.valid() || !in.Format.valid() {
		return Published{}, newErr(op, "", 0, cdpkit.ErrInvalid, "unknown format")
	}
	src, size := in.R, in.Size
	if err := zones.ValidateKey(dir + "/x"); err != nil {
		return Published{}, &Error{Op: op, Kind: cdpkit.ErrInvalid, Err: err}
	}
	if err := schema.Validate(e.settings, nil); err != nil {
		return Published{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(src, 0, size)); err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	want := manifest{
		Format:      "02",
		InputSHA256: hex.EncodeToString(h.Sum(nil)),
		Schema:      normalizedSchema(schema),
		Settings:    e.settings,
		KeyCheck:    e.keyCheck(),
		FileFormat:  strings.TrimPrefix(in.Format.ext(), ".") + "->" + strings.TrimPrefix(format.ext(), "."),
	}
	if have, err := latestManifest(ctx, store, dir); err != nil {
		return Published{}, &Error{Op: op, Err: err}
	} else if have != nil && sameRun(*have, want) {
		if o, err := store.Stat(ctx, zones.Clean, have.Object); err == nil {
			return Published{Object: o, Location: store.Location(zones.Clean, dir), Unchanged: true,
				Stats: Stats{Rows: have.Rows, Columns: len(have.OutputColumns), Output: have.OutputColumns}}, nil
		} else if !errors.Is(err, zones.ErrNotFound) {
			return Published{}, &Error{Op: op, Err: err}
		}
	}

	out := store.NewOutput()
	defer out.Discard()
	st, err := e.Encrypt(ctx, out, format, in, schema, optFns...)
	if err != nil {
		return Published{}, err
	}
	obj, err := out.Publish(ctx, zones.Clean, dir, partPrefix, format.ext())
	if err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	want.Object, want.Rows, want.OutputColumns = obj.Key, st.Rows, st.Output
	mb, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	mo := store.NewOutput()
	defer mo.Discard()
	mo.Write(mb)
	mobj, err := mo.Publish(ctx, zones.Clean, dir+"/"+manifestDir, manifestPrefix, ".json")
	if err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	removed, err := store.RemoveStale(ctx, zones.Clean, dir+"/", partPrefix+"-", []zones.Object{obj})
	if err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	rm2, err := store.RemoveStale(ctx, zones.Clean, dir+"/"+manifestDir+"/", manifestPrefix+"-", []zones.Object{mobj})
	if err != nil {
		return Published{}, &Error{Op: op, Err: err}
	}
	return Published{Object: obj, Location: store.Location(zones.Clean, dir), Stats: st, Removed: append(removed, rm2...)}, nil
}

func sameRun(a, b manifest) bool {
	a.Object, a.Rows, a.OutputColumns = "", 0, nil
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// normalizedSchema writes default target names out, so equal schemas
// compare equal.
func normalizedSchema(s Schema) Schema {
	out := Schema{Columns: make([]Column, len(s.Columns))}
	for i, c := range s.Columns {
		c.Source = normalize(c.Source)
		c.Target = c.TargetName()
		out.Columns[i] = c
	}
	return out
}

func (e *Encryptor) keyCheck() string {
	m := hmac.New(sha256.New, e.keys.root)
	m.Write([]byte("cdpkit c3r manifest key check"))
	fk, _ := e.keys.fingerprintKey("cdpkit key check")
	m.Write(fk)
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// latestManifest reads the manifest in dir/_c3r/ (there is one after a
// completed run; with several, the newest).
func latestManifest(ctx context.Context, store *zones.Store, dir string) (*manifest, error) {
	var best zones.Object
	for o, err := range store.Objects(ctx, zones.Clean, dir+"/"+manifestDir+"/") {
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(path.Base(o.Key), manifestPrefix+"-") {
			continue
		}
		if best.Key == "" || o.ModTime.After(best.ModTime) {
			best = o
		}
	}
	if best.Key == "" {
		return nil, nil
	}
	rc, err := store.Get(ctx, zones.Clean, best.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var m manifest
	if err := json.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&m); err != nil {
		return nil, nil // unreadable: treat as absent, the run rewrites it
	}
	return &m, nil
}

// hiveType is the Glue (Hive) type of a stored column.
func hiveType(c OutputColumn) string {
	switch c.Type {
	case TypeUnknown:
		if c.HiveType != "" {
			return c.HiveType
		}
		return "binary"
	case TypeDecimal:
		return "decimal(" + strconv.Itoa(int(c.Precision)) + "," + strconv.Itoa(int(c.Scale)) + ")"
	case TypeTimestamp:
		return "timestamp"
	case TypeBigInt:
		return "bigint"
	case TypeInt:
		return "int"
	case TypeSmallInt:
		return "smallint"
	case TypeBoolean:
		return "boolean"
	case TypeDate:
		return "date"
	case TypeFloat:
		return "float"
	case TypeDouble:
		return "double"
	}
	return "string"
}

// hiveOfParquet is the Glue type of a Parquet column C3R has no type for.
func hiveOfParquet(t parquet.Type) string {
	if t == nil {
		return "binary"
	}
	var lt format.LogicalTypeValue
	if l := t.LogicalType(); l != nil {
		lt = l.Value
	}
	switch l := lt.(type) {
	case *format.IntType:
		switch {
		case l.BitWidth == 8 && l.IsSigned:
			return "tinyint"
		case l.BitWidth <= 16:
			return "int"
		case l.BitWidth == 32:
			return "bigint"
		default:
			return "decimal(20,0)"
		}
	case *format.StringType, *format.EnumType, *format.JsonType:
		return "string"
	}
	switch t.Kind() {
	case parquet.Int96:
		return "timestamp"
	case parquet.Int32:
		return "int"
	case parquet.Int64:
		return "bigint"
	}
	return "binary"
}

// CatalogSchema describes an encrypted Parquet table for Glue (catalog's
// Registrar.EnsureTable): fingerprint and sealed columns are strings,
// cleartext columns keep their type, each column's comment says its
// protection, and the table parameter "c3r_format" is "02". location is
// the table's directory (Published.Location). Only Parquet output can be
// described: catalog writes Parquet table definitions.
func CatalogSchema(cols []OutputColumn, location string) catalog.Schema {
	s := catalog.Schema{Location: location, Parameters: map[string]string{"c3r_format": "02"},
		Description: "Encrypted with Cryptographic Computing for Clean Rooms (C3R)"}
	for _, c := range cols {
		comment := "c3r cleartext"
		switch c.Kind {
		case Fingerprint:
			comment = "c3r fingerprint"
		case Sealed:
			comment = "c3r sealed"
		}
		s.Columns = append(s.Columns, catalog.Column{Name: c.Name, Type: hiveType(c), Comment: comment})
	}
	return s
}
