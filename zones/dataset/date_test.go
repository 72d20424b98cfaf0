package dataset_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	pqschema "github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/dataset"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

// A time.Time tagged date was written as truncated nanoseconds by
// parquet-go (2026-11-23 read back as a year in 338951 BC), so it is
// refused when the dataset is declared, nested fields included.
func TestTimeTaggedDateIsRejected(t *testing.T) {
	s := zonestest.New(t)
	type top struct {
		D time.Time `parquet:"d,date"`
	}
	if _, err := dataset.New[top](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), `"d"`) || !strings.Contains(err.Error(), "dataset.Date") {
		t.Errorf("time.Time tagged date: %v", err)
	}
	type inner struct {
		When *time.Time `parquet:"when,date,optional"`
	}
	type nested struct {
		In []inner `parquet:"in,list"`
	}
	if _, err := dataset.New[nested](s, zones.Clean, "x"); !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), "when") {
		t.Errorf("nested *time.Time tagged date: %v", err)
	}
}

type dated struct {
	ID       string        `parquet:"id"`
	Birth    dataset.Date  `parquet:"birth,date"`
	Renewal  *dataset.Date `parquet:"renewal,date,optional"`
	SignedAt time.Time     `parquet:"signed_at,timestamp(millisecond)"`
}

// Dates are stored as days since 1970-01-01 (the Parquet DATE type), read
// back by cdpkit's reader and by arrow-go as the same calendar days.
func TestDateColumnsStoreDays(t *testing.T) {
	s := zonestest.New(t)
	d, err := dataset.New[dated](s, zones.Clean, "contracts")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Schema().Columns[1]; got.Type != "date" {
		t.Fatalf("birth column is %q, want date", got.Type)
	}
	days := []time.Time{
		time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 28, 23, 59, 0, 0, time.FixedZone("UTC-10", -10*3600)), // its own calendar day
	}
	renew := dataset.DateOf(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))
	var rows []dated
	for i, day := range days {
		r := dated{ID: string(rune('a' + i)), Birth: dataset.DateOf(day), SignedAt: day.Truncate(time.Millisecond)}
		if i%2 == 0 {
			r.Renewal = &renew
		}
		rows = append(rows, r)
	}
	res, err := d.Write(t.Context(), "in", dataset.Slice(rows))
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for r, err := range d.Rows(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		want := days[i]
		if y, m, dd := r.Birth.Time().Date(); y != want.Year() || m != want.Month() || dd != want.Day() {
			t.Errorf("row %d: birth read back as %v, want %v", i, r.Birth, want.Format(time.DateOnly))
		}
		if r.Birth.String() != want.Format(time.DateOnly) {
			t.Errorf("row %d: String() = %q, want %q", i, r.Birth.String(), want.Format(time.DateOnly))
		}
		if (r.Renewal != nil) != (i%2 == 0) || (r.Renewal != nil && *r.Renewal != renew) {
			t.Errorf("row %d: renewal read back as %v", i, r.Renewal)
		}
		i++
	}
	if i != len(days) {
		t.Fatalf("read %d rows, want %d", i, len(days))
	}

	// Another reader sees a DATE column holding day numbers.
	rdr, err := file.NewParquetReader(bytes.NewReader(readAll(t, s, zones.Clean, res.Files[0].Key)))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	sc := rdr.MetaData().Schema
	ci := sc.ColumnIndexByName("birth")
	if _, ok := sc.Column(ci).LogicalType().(pqschema.DateLogicalType); !ok {
		t.Fatalf("arrow-go sees birth as %v, want DATE", sc.Column(ci).LogicalType())
	}
	cr, err := rdr.RowGroup(0).Column(ci)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]int32, len(days))
	if _, n, err := cr.(*file.Int32ColumnChunkReader).ReadBatch(int64(len(days)), v, nil, nil); err != nil || n != len(days) {
		t.Fatalf("read %d, %v", n, err)
	}
	if v[0] != 20780 || v[1] != -1 || v[2] != -25567 {
		t.Fatalf("birth day numbers %v, want 20780, -1, -25567, …", v)
	}
}

func TestDateOf(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want dataset.Date
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1970, 1, 1, 23, 59, 59, 0, time.UTC), 0},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), -1},
		{time.Date(2026, 11, 23, 1, 0, 0, 0, time.FixedZone("CET", 3600)), 20780},
	} {
		if got := dataset.DateOf(tc.t); got != tc.want {
			t.Errorf("DateOf(%v) = %d, want %d", tc.t, got, tc.want)
		}
	}
	if got := dataset.Date(20780).Time(); !got.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
}

// Unsigned integers are written as UINT_8/16/32/64, which older Spark and
// Glue Parquet readers refuse: they are rejected when the dataset is
// declared, with the signed type to use instead.
func TestUnsignedIntegersAreRejected(t *testing.T) {
	s := zonestest.New(t)
	type u8 struct {
		N uint8 `parquet:"n"`
	}
	type u16 struct {
		N uint16 `parquet:"n"`
	}
	type u32 struct {
		N uint32 `parquet:"n"`
	}
	type u struct {
		N []uint `parquet:"n,list"`
	}
	check := func(name string, err error, want string) {
		t.Helper()
		if !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), `"n"`) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (want a mention of %s)", name, err, want)
		}
	}
	_, err := dataset.New[u8](s, zones.Clean, "x")
	check("uint8", err, "int16")
	_, err = dataset.New[u16](s, zones.Clean, "x")
	check("uint16", err, "int32")
	_, err = dataset.New[u32](s, zones.Clean, "x")
	check("uint32", err, "int64")
	_, err = dataset.New[u](s, zones.Clean, "x")
	check("[]uint", err, "int64")
	// A signed annotation on an unsigned Go field is a signed column.
	type tagged struct {
		N uint16 `parquet:"n,int(32)"`
	}
	if _, err := dataset.New[tagged](s, zones.Clean, "x"); err != nil {
		t.Errorf("uint16 tagged int(32): %v", err)
	}
}

// Names Glue/Athena or Clean Rooms would refuse are refused when the
// dataset is declared, before any file is written.
func TestColumnNamesCatalogsRefuseAreRejected(t *testing.T) {
	s := zonestest.New(t)
	type upper struct {
		Email string `parquet:"Email"`
	}
	type dash struct {
		Email string `parquet:"e-mail"`
	}
	type inner struct {
		City string `parquet:"City"`
	}
	type nested struct {
		Addr inner `parquet:"addr"`
	}
	type fine struct {
		Email string            `parquet:"email_sha256"`
		Tags  []string          `parquet:"tags,list"`
		Attrs map[string]string `parquet:"attrs"`
		Addr  struct {
			City string `parquet:"city"`
		} `parquet:"addr"`
	}
	for name, err := range map[string]error{
		"upper case": func() error { _, err := dataset.New[upper](s, zones.Clean, "x"); return err }(),
		"hyphen":     func() error { _, err := dataset.New[dash](s, zones.Clean, "x"); return err }(),
		"nested":     func() error { _, err := dataset.New[nested](s, zones.Clean, "x"); return err }(),
		"partition key": func() error {
			_, err := dataset.New[fine](s, zones.Clean, "x", func(o *dataset.Options[fine]) {
				o.PartitionKeys = []string{"Country"}
				o.Partition = func(fine) []string { return []string{"fr"} }
			})
			return err
		}(),
	} {
		if !errors.Is(err, zones.ErrInvalidInput) || !strings.Contains(err.Error(), "lowercase") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := dataset.New[fine](s, zones.Clean, "x"); err != nil {
		t.Errorf("valid names: %v", err)
	}
	for o, err := range s.Objects(t.Context(), zones.Clean, "") {
		t.Errorf("declaring datasets wrote %v (%v)", o.Key, err)
	}
}
