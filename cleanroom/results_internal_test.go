package cleanroom

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestAppendArrowRefusesOtherTypes: a value that is not of its column's
// Arrow type is refused (ResultRecords then fails), never stored as null.
func TestAppendArrowRefusesOtherTypes(t *testing.T) {
	cols := []Column{{"n", "bigint"}, {"f", "double"}, {"b", "boolean"}, {"d", "date"}, {"ts", "timestamp"}, {"bin", "binary"}, {"s", "string"}}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrowSchema(cols))
	defer b.Release()
	good := []any{int64(1), 2.5, true, time.Now(), time.Now(), []byte("x"), "s"}
	for i, v := range good {
		if !appendArrow(b.Field(i), v) || !appendArrow(b.Field(i), nil) {
			t.Errorf("column %s refused a %T or nil", cols[i].Name, v)
		}
	}
	if !appendArrow(b.Field(1), int64(3)) || !appendArrow(b.Field(6), int64(3)) {
		t.Errorf("an integer is refused by a double or string column")
	}
	for i, v := range []any{"1", "2.5", "true", "2026-01-02", int64(5), "x"} {
		if appendArrow(b.Field(i), v) {
			t.Errorf("column %s (%s) accepted a %T", cols[i].Name, cols[i].Type, v)
		}
	}
}
