package awsjson

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/document"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Shapes in the style of the SDK's generated types: pointers for optional
// members, a string type for an enum, a union interface with XMemberY
// structs holding a Value.
type (
	Kind  string
	Shape interface{ isShape() }

	ShapeMemberCircle struct{ Value Circle }
	ShapeMemberLabel  struct{ Value string }
	ShapeMemberInner  struct{ Value Shape }
	unknownShape      struct{ Tag string } // as types.UnknownUnionMember
	Circle            struct{ Radius *float64 }

	Item struct {
		Name           *string
		Kind           Kind
		Count          int32
		Size           *int64
		Ratio          *float64
		Enabled        bool
		Created        *time.Time
		Blob           []byte
		Tags           map[string]string
		List           []string
		Grid           [][]string
		Shape          Shape
		Shapes         []Shape
		Children       []Item
		ResultMetadata struct{ RequestID string }
		hidden         int
	}
)

func (*ShapeMemberCircle) isShape() {}
func (*ShapeMemberLabel) isShape()  {}
func (*ShapeMemberInner) isShape()  {}
func (*unknownShape) isShape()      {}

// glueCodec is configured as catalogtest's: the zero Codec, spelled out.
var glueCodec = &Codec{}

// restCodec is configured as cleanroom's, with the test's union.
var restCodec = func() *Codec {
	u := new(Unions)
	AddUnion[Shape](u, &ShapeMemberCircle{}, &ShapeMemberLabel{}, &ShapeMemberInner{})
	return &Codec{Member: LowerFirst, OmitEmptyStrings: true, Unions: u}
}()

var created = time.Date(2026, 11, 23, 18, 0, 0, 125_000_000, time.UTC)

func item() Item {
	return Item{
		Name: aws.String("n<&>"), Count: 0, Size: aws.Int64(1 << 40), Ratio: aws.Float64(0.5),
		Created: &created, Blob: []byte{1, 2}, Tags: map[string]string{"k": ""}, List: []string{},
		Grid:           [][]string{nil, {"a"}},
		Shape:          &ShapeMemberInner{Value: &ShapeMemberCircle{Value: Circle{Radius: aws.Float64(2)}}},
		Shapes:         []Shape{&ShapeMemberLabel{Value: "l"}, nil},
		Children:       []Item{{Kind: "LEAF"}},
		ResultMetadata: struct{ RequestID string }{"r"},
		hidden:         7,
	}
}

// roundTrip marshals in, checks the bytes, and decodes them back into out.
func roundTrip[T any](t *testing.T, c *Codec, in T, want string) T {
	t.Helper()
	b, err := c.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("Marshal:\n got %s\nwant %s", b, want)
	}
	var out T
	if err := c.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// restJson1 as Clean Rooms speaks it: lowerCamel names, empty enums
// omitted, unions as single-key objects, nanosecond-float timestamps.
func TestRESTJSON(t *testing.T) {
	in := item()
	out := roundTrip(t, restCodec, in,
		`{"blob":"AQI=","children":[{"count":0,"enabled":false,"kind":"LEAF"}],"count":0,"created":1795456800.125,"enabled":false,`+
			`"grid":[null,["a"]],"list":[],"name":"n<&>","ratio":0.5,"shape":{"inner":{"circle":{"radius":2}}},"shapes":[{"label":"l"},null],"size":1099511627776,"tags":{"k":""}}`)
	in.ResultMetadata, in.hidden = struct{ RequestID string }{}, 0
	if diff := cmp.Diff(in, out, cmpopts.IgnoreUnexported(Item{})); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	// A bare union member encodes as its union.
	if b, err := restCodec.Marshal(&ShapeMemberLabel{Value: "x"}); err != nil || string(b) != `{"label":"x"}` {
		t.Errorf("bare member: %s, %v", b, err)
	}
	// Members are matched by their wire names only; others are ignored.
	var got Item
	if err := restCodec.Unmarshal([]byte(`{"Name":"x","kind":"K","extra":{"a":[1]},"size":null}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != nil || got.Kind != "K" || got.Size != nil {
		t.Errorf("decoded %+v", got)
	}
}

// awsJson1_1 as Glue speaks it, on the SDK's own Glue types: the Go field
// names, empty enums sent as "", millisecond timestamps, document
// (interface) members left out and ignored.
func TestGlueNaming(t *testing.T) {
	idx := types.PartitionIndexDescriptor{IndexName: aws.String("i"), Keys: []types.KeySchemaElement{{Name: aws.String("k"), Type: aws.String("string")}}}
	if out := roundTrip(t, glueCodec, idx, `{"IndexName":"i","IndexStatus":"","Keys":[{"Name":"k","Type":"string"}]}`); !cmp.Equal(idx, out, cmpopts.IgnoreUnexported(types.PartitionIndexDescriptor{}, types.KeySchemaElement{})) {
		t.Errorf("round trip: %+v", out)
	}
	dec := types.DecimalNumber{UnscaledValue: []byte{1, 2}}
	if out := roundTrip(t, glueCodec, dec, `{"Scale":0,"UnscaledValue":"AQI="}`); string(out.UnscaledValue) != "\x01\x02" {
		t.Errorf("blob round trip: %v", out.UnscaledValue)
	}
	field := types.IcebergStructField{Id: 3, Name: aws.String("c"), Type: document.NewLazyDocument("int")}
	roundTrip(t, glueCodec, field, `{"Id":3,"Name":"c","Required":false}`)

	var part types.Partition
	body := `{"Values":["2026"],"CreationTime":1795456800.123,"LastAccessTime":null,"values":["x"],"Unknown":1}`
	if err := glueCodec.Unmarshal([]byte(body), &part); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 23, 18, 0, 0, 123_000_000, time.UTC); !cmp.Equal(part.Values, []string{"2026"}) ||
		part.CreationTime == nil || !part.CreationTime.Equal(want) || part.LastAccessTime != nil {
		t.Errorf("decoded %+v", part)
	}
	if err := glueCodec.Unmarshal([]byte(`{"Type":{"a":1},"Name":"c"}`), &field); err != nil || *field.Name != "c" {
		t.Errorf("document member not ignored: %v", err)
	}
	// The synthetic shape: interface members left out even when set.
	roundTrip(t, glueCodec, Item{Shape: &ShapeMemberLabel{}, Shapes: []Shape{&ShapeMemberLabel{}}},
		`{"Count":0,"Enabled":false,"Kind":"","Shapes":[null]}`)
}

func TestTimes(t *testing.T) {
	at := time.Date(2026, 11, 23, 18, 0, 0, 123_456_789, time.UTC)
	type S struct{ T *time.Time }
	for _, tc := range []struct {
		c    *Codec
		want string
		back time.Duration // how far the decoded time may be from at
	}{
		{glueCodec, `{"T":1795456800.123}`, 456_789},
	} {
		out := roundTrip(t, tc.c, S{&at}, tc.want)
		if d := at.Sub(*out.T); d < 0 || d > tc.back || out.T.Location() != time.UTC {
			t.Errorf("%s: read back as %v", tc.want, out.T)
		}
	}
	// .123 reads back exactly, as the SDK reads it.
	var s S
	if err := glueCodec.Unmarshal([]byte(`{"T":1795456800.123}`), &s); err != nil || s.T.Nanosecond() != 123_000_000 {
		t.Errorf(".123 read back as %v, %v", s.T, err)
	}
}

func TestErrors(t *testing.T) {
	const secret = "person@example.com"
	for _, tc := range []struct{ in, want string }{
		{`{"name":5}`, `unexpected json.Number for string at ".name"`},
		{`{"count":3000000000}`, `invalid int32 at ".count"`},                             // int32 overflow
		{`{"ratio":1e999}`, `invalid float64 at ".ratio"`},                                // float64 overflow
		{`{"created":"` + secret + `"}`, `unexpected string for time.Time at ".created"`}, // wrong JSON type
		{`{"blob":"` + secret + `"}`, `invalid []uint8 at ".blob"`},                       // not base64
		{`{"tags":{"k":1}}`, `unexpected json.Number for string at ".tags.k"`},
		{`{"children":[{},{"list":[1]}]}`, `at ".children[1].list[0]"`},
		{`{"shape":{"square":{}}}`, `unknown member of union awsjson.Shape at ".shape.square"`},
		{`{"shape":{"label":"a","circle":{}}}`, `needs exactly one member, got 2`},
		{`{"shape":"` + secret + `"}`, `unexpected string for awsjson.Shape at ".shape"`},
		{`{"shape":{"inner":{"label":5}}}`, `at ".shape.inner.label"`},
		{`[1]`, `unexpected []interface {} for awsjson.Item at the top level`},
		{`not json`, `awsjson: invalid character`},
		{``, `awsjson: EOF`},
	} {
		var it Item
		err := restCodec.Unmarshal([]byte(tc.in), &it)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Unmarshal(%s) = %v, want %q", tc.in, err, tc.want)
		} else if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "3000000000") {
			t.Errorf("Unmarshal(%s): error holds the value: %v", tc.in, err)
		}
	}
	if err := restCodec.Unmarshal([]byte(`{}`), Item{}); err == nil {
		t.Error("Unmarshal into a non-pointer: no error")
	}
	var u struct{ N uint }
	if err := glueCodec.Unmarshal([]byte(`{"N":1}`), &u); err == nil || !strings.Contains(err.Error(), `unsupported kind uint at ".N"`) {
		t.Errorf("Unmarshal of a uint: %v", err)
	}

	for _, tc := range []struct {
		c    *Codec
		v    any
		want string
	}{
		{restCodec, Item{Shape: &unknownShape{Tag: "v9"}}, "unknown member *awsjson.unknownShape of awsjson.Shape"},
		{restCodec, struct{ Doc document.Interface }{document.NewLazyDocument(1)}, "unsupported interface document.Interface"},
		{restCodec, Item{Ratio: aws.Float64(math.NaN())}, "NaN or infinite float64"},
		{glueCodec, Item{Ratio: aws.Float64(math.Inf(1))}, "NaN or infinite float64"},
		{glueCodec, struct{ N uint }{1}, "unsupported kind uint"},
		{glueCodec, struct{ M map[int]string }{map[int]string{}}, "unsupported map key"},
	} {
		if _, err := tc.c.Marshal(tc.v); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Marshal(%+v) = %v, want %q", tc.v, err, tc.want)
		}
	}
}

func TestAddUnionChecksMembers(t *testing.T) {
	for name, add := range map[string]func(*Unions){
		"not an interface":  func(u *Unions) { AddUnion[Circle](u, Circle{}) },
		"not a member":      func(u *Unions) { AddUnion[Shape](u, &unknownShape{}) },
		"member type value": func(u *Unions) { AddUnion[any](u, ShapeMemberLabel{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			add(new(Unions))
		}()
	}
}
