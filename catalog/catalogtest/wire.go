package catalogtest

import (
	"bytes"
	"reflect"

	"github.com/cdpkit/cdpkit/internal/awsjson"
)

// glueJSON is the awsJson1_1 wire form of Glue shapes, which the server
// converts SDK input and output structs from and to by reflection, so it
// needs no per-shape code: member names are the SDK's Go field names,
// timestamps are epoch seconds at the SDK's millisecond precision, and
// empty enums are sent as "". Union (interface) members are left out and
// ignored; none of the served operations use them.
var glueJSON = &awsjson.Codec{}

// marshalWire encodes an SDK struct in its wire form; a nil pointer (an
// operation with no output) is an empty object.
func marshalWire(v any) ([]byte, error) {
	if rv := reflect.ValueOf(v); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		return []byte("{}"), nil
	}
	return glueJSON.Marshal(v)
}

// unmarshalWire decodes a wire body into the SDK struct pointed to by dst;
// an empty body leaves it as it is.
func unmarshalWire(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return glueJSON.Unmarshal(body, dst)
}
