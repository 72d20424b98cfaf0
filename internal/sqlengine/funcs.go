package sqlengine

import (
	"crypto/sha256"
	"crypto/sha512"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
)

// engine is the package's private driver: the functions below are
// registered on it alone, never on the process-wide "sqlite" driver.
var engine = sync.OnceValues(func() (*sqlite.Driver, error) {
	d := &sqlite.Driver{}
	for name, f := range functions() {
		if err := d.RegisterFunction(name, f); err != nil {
			return nil, errors.New("registering " + name + ": " + err.Error())
		}
	}
	return d, nil
})

// functions are the Clean Rooms SQL (Spark SQL / Redshift-style) functions
// SQLite lacks that queries over audiences commonly use.
func functions() map[string]*sqlite.FunctionImpl {
	scalar := func(n int32, f func(args []driver.Value) (driver.Value, error)) *sqlite.FunctionImpl {
		return &sqlite.FunctionImpl{NArgs: n, Deterministic: true,
			Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) { return f(args) }}
	}
	m := map[string]*sqlite.FunctionImpl{
		"nvl": scalar(2, func(a []driver.Value) (driver.Value, error) {
			if a[0] != nil {
				return a[0], nil
			}
			return a[1], nil
		}),
		"nvl2": scalar(3, func(a []driver.Value) (driver.Value, error) {
			if a[0] != nil {
				return a[1], nil
			}
			return a[2], nil
		}),
		"left": scalar(2, func(a []driver.Value) (driver.Value, error) {
			s, n, ok := strInt(a)
			if !ok {
				return nil, nil
			}
			r := []rune(s)
			return string(r[:max(0, min(int(n), len(r)))]), nil
		}),
		"right": scalar(2, func(a []driver.Value) (driver.Value, error) {
			s, n, ok := strInt(a)
			if !ok {
				return nil, nil
			}
			r := []rune(s)
			return string(r[len(r)-max(0, min(int(n), len(r))):]), nil
		}),
		"len": scalar(1, func(a []driver.Value) (driver.Value, error) {
			if a[0] == nil {
				return nil, nil
			}
			return int64(utf8.RuneCountInString(text(a[0]))), nil
		}),
		"strpos": scalar(2, func(a []driver.Value) (driver.Value, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			s, sub := text(a[0]), text(a[1])
			i := strings.Index(s, sub)
			if i < 0 {
				return int64(0), nil
			}
			return int64(utf8.RuneCountInString(s[:i]) + 1), nil
		}),
		"split_part": scalar(3, func(a []driver.Value) (driver.Value, error) {
			if a[0] == nil || a[1] == nil || a[2] == nil {
				return nil, nil
			}
			n, ok := a[2].(int64)
			if !ok || n < 1 {
				return nil, errors.New("split_part: part number must be a positive integer")
			}
			parts := strings.Split(text(a[0]), text(a[1]))
			if int(n) > len(parts) {
				return "", nil
			}
			return parts[n-1], nil
		}),
		"sha2": scalar(2, func(a []driver.Value) (driver.Value, error) {
			if a[0] == nil {
				return nil, nil
			}
			b := []byte(text(a[0]))
			if x, ok := a[0].([]byte); ok {
				b = x
			}
			switch a[1] {
			case int64(0), int64(256):
				s := sha256.Sum256(b)
				return hex.EncodeToString(s[:]), nil
			case int64(224):
				s := sha256.Sum224(b)
				return hex.EncodeToString(s[:]), nil
			case int64(384):
				s := sha512.Sum384(b)
				return hex.EncodeToString(s[:]), nil
			case int64(512):
				s := sha512.Sum512(b)
				return hex.EncodeToString(s[:]), nil
			}
			return nil, nil
		}),
		"date_trunc": scalar(2, func(a []driver.Value) (driver.Value, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			t, ok := asTime(a[1])
			if !ok {
				return nil, errors.New("date_trunc: not a date or timestamp")
			}
			switch strings.ToLower(text(a[0])) {
			case "year":
				t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			case "quarter":
				t = time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
			case "month":
				t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			case "week": // ISO weeks start on Monday
				t = time.Date(t.Year(), t.Month(), t.Day()-(int(t.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
			case "day":
				t = t.Truncate(24 * time.Hour)
			case "hour":
				t = t.Truncate(time.Hour)
			case "minute":
				t = t.Truncate(time.Minute)
			case "second":
				t = t.Truncate(time.Second)
			default:
				return nil, errors.New("date_trunc: unknown unit")
			}
			return t.Format(timestampLayout), nil
		}),
		"approx_count_distinct": {NArgs: 1, Deterministic: true, MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) {
			return &distinctAgg{seen: map[any]struct{}{}}, nil
		}},
	}
	for _, v := range []struct {
		name       string
		sample, sd bool
	}{
		{"stddev", true, true}, {"stddev_samp", true, true}, {"stddev_pop", false, true},
		{"variance", true, false}, {"var_samp", true, false}, {"var_pop", false, false},
	} {
		m[v.name] = &sqlite.FunctionImpl{NArgs: 1, Deterministic: true, MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) {
			return &varAgg{sample: v.sample, sd: v.sd}, nil
		}}
	}
	return m
}

func text(v driver.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(timestampLayout)
	case nil:
		return ""
	}
	b, _ := driver.DefaultParameterConverter.ConvertValue(v)
	switch x := b.(type) {
	case int64:
		return formatInt(x)
	case float64:
		return formatFloat(x)
	}
	return ""
}

func strInt(a []driver.Value) (string, int64, bool) {
	if a[0] == nil || a[1] == nil {
		return "", 0, false
	}
	n, ok := a[1].(int64)
	return text(a[0]), n, ok
}

func asTime(v driver.Value) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		for _, l := range []string{timestampLayout, dateLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
			if t, err := time.Parse(l, x); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

type distinctAgg struct{ seen map[any]struct{} }

func (a *distinctAgg) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	switch x := args[0].(type) {
	case nil:
	case []byte:
		a.seen[string(x)] = struct{}{}
	default:
		a.seen[x] = struct{}{}
	}
	return nil
}

func (a *distinctAgg) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New("approx_count_distinct: not usable as a sliding window function")
}

func (a *distinctAgg) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	return int64(len(a.seen)), nil
}

func (a *distinctAgg) Final(*sqlite.FunctionContext) {}

// varAgg is Welford's online variance.
type varAgg struct {
	sample, sd bool
	n          int64
	mean, m2   float64
}

func (a *varAgg) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	var x float64
	switch v := args[0].(type) {
	case nil:
		return nil
	case int64:
		x = float64(v)
	case float64:
		x = v
	default:
		return errors.New("variance: argument is not a number")
	}
	a.n++
	d := x - a.mean
	a.mean += d / float64(a.n)
	a.m2 += d * (x - a.mean)
	return nil
}

func (a *varAgg) WindowInverse(*sqlite.FunctionContext, []driver.Value) error {
	return errors.New("variance: not usable as a sliding window function")
}

func (a *varAgg) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	div := a.n
	if a.sample {
		div--
	}
	if div <= 0 {
		return nil, nil
	}
	v := a.m2 / float64(div)
	if a.sd {
		v = math.Sqrt(v)
	}
	return v, nil
}

func (a *varAgg) Final(*sqlite.FunctionContext) {}

func formatInt(i int64) string     { return strconv.FormatInt(i, 10) }
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
