package dataset

import "time"

// Date is a calendar day, stored as the Parquet DATE type: days since
// 1970-01-01. Tag a Date field `parquet:"name,date"` for a Glue/Athena
// "date" column.
//
// A time.Time field tagged date is refused by New: parquet-go writes it as
// truncated nanoseconds, which every reader (DuckDB, Spark, cdpkit's own)
// reads back as a day hundreds of millennia ago.
type Date int32

// DateOf returns the calendar day of t in t's own location: 23:30 on the
// 1st in UTC-10 is the 1st, although it is already the 2nd in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns midnight UTC of the day.
func (d Date) Time() time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

// String formats the day as YYYY-MM-DD.
func (d Date) String() string {
	return d.Time().Format(time.DateOnly)
}
