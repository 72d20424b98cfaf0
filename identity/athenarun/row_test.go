package athenarun_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/identity/athenarun"
)

// Row.Int64 refuses what it cannot read with ErrInvalid, never a panic:
// a row whose result came without column metadata, a column out of
// range, a NULL, a non-integer type or text. No message quotes the value.
func TestRowInt64(t *testing.T) {
	v, bad := "42", "secret-value"
	bigint := []athenarun.Column{{Name: "n", Type: "bigint"}}
	for _, tc := range []struct {
		name string
		row  athenarun.Row
		i    int
		want int64
		err  bool
	}{
		{"bigint", athenarun.Row{Columns: bigint, Values: []*string{&v}}, 0, 42, false},
		{"no metadata", athenarun.Row{Values: []*string{&v}}, 0, 0, true},
		{"out of range", athenarun.Row{Columns: bigint, Values: []*string{&v}}, 1, 0, true},
		{"negative", athenarun.Row{Columns: bigint, Values: []*string{&v}}, -1, 0, true},
		{"null", athenarun.Row{Columns: bigint, Values: []*string{nil}}, 0, 0, true},
		{"varchar", athenarun.Row{Columns: []athenarun.Column{{Name: "n", Type: "varchar"}}, Values: []*string{&v}}, 0, 0, true},
		{"not a number", athenarun.Row{Columns: bigint, Values: []*string{&bad}}, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.row.Int64(tc.i)
			if tc.err {
				if !errors.Is(err, athenarun.ErrInvalid) {
					t.Fatalf("want ErrInvalid, got %v", err)
				}
				if strings.Contains(err.Error(), bad) {
					t.Error("the error quotes the value")
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("got %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}
