// Package awsjson converts aws-sdk-go-v2 generated structs to and from the
// JSON wire form of the AWS JSON protocols (awsJson1_1, restJson1) by
// reflection, so that in-process test servers and fakes need no per-shape
// code. It serves catalog/catalogtest (Glue) and cleanroom (Clean Rooms);
// a Codec holds what differs between them.
//
// Every Codec:
//   - encodes the exported fields of a struct except ResultMetadata, and
//     leaves out members that are nil pointers, slices, maps or interfaces;
//     as list elements and map values those are null. Non-nil empty slices
//     and maps are [] and {};
//   - writes []byte as standard base64 and time.Time as epoch seconds with
//     milliseconds, as smithy-go's FormatEpochSeconds and ParseEpochSeconds
//     do (truncated when written, read back without float error);
//   - reads numbers through json.Number: an integer must fit its Go type;
//   - ignores unknown members and null values when decoding, as the SDK's
//     deserializers do;
//   - rejects NaN and infinities, and kinds the SDK does not generate
//     (unsigned integers, arrays, channels, …), with an error;
//   - names the member path and the Go type in its errors, never a value.
package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	smithytime "github.com/aws/smithy-go/time"
)

// A Codec converts SDK structs to and from one protocol's JSON. The zero
// Codec is the awsJson1_1 form of Glue: Go field names, millisecond epoch
// timestamps, empty enums sent as "", no unions.
type Codec struct {
	// Member maps a Go field name (or a union member's name, such as V1 of
	// XMemberV1) to its wire name. Nil keeps the Go name, as awsJson1_1
	// does; LowerFirst gives restJson1's lowerCamel names.
	Member func(field string) string

	// OmitEmptyStrings leaves out struct members that are empty strings
	// (in SDK shapes, unset enums), as the SDK's serializers do. Without
	// it they are sent as "".
	OmitEmptyStrings bool

	// Unions lists the union interfaces the codec knows: a member encodes
	// as a single-key object {"name": value}, and an interface that is not
	// listed, or holds a member that is not, is an error. With no Unions
	// (nil), interface members are left out when encoding and ignored when
	// decoding.
	Unions *Unions
}

// LowerFirst lowers the first letter of s: restJson1's member names.
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// Unions records union interfaces and their member types. Fill it with
// AddUnion before the Codec that holds it is used; it is not safe to add
// to concurrently with use.
type Unions struct {
	members map[reflect.Type][]reflect.Type // interface -> *XMemberY types
	names   map[reflect.Type]string         // *XMemberY -> "Y"
}

// AddUnion records the union interface I with members, pointers to the
// SDK's XMemberY structs (each with a Value field); a member's name is Y.
// The SDK's UnknownUnionMember is never a member.
func AddUnion[I any](u *Unions, members ...I) {
	it := reflect.TypeFor[I]()
	if it.Kind() != reflect.Interface {
		panic("awsjson: AddUnion of a non-interface type " + it.String())
	}
	if u.members == nil {
		u.members = map[reflect.Type][]reflect.Type{}
		u.names = map[reflect.Type]string{}
	}
	prefix := it.Name() + "Member"
	for _, m := range members {
		t := reflect.TypeOf(m)
		if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || !strings.HasPrefix(t.Elem().Name(), prefix) {
			panic("awsjson: " + t.String() + " is not a member of " + it.String())
		}
		if _, ok := t.Elem().FieldByName("Value"); !ok {
			panic("awsjson: union member " + t.String() + " has no Value field")
		}
		u.members[it] = append(u.members[it], t)
		u.names[t] = strings.TrimPrefix(t.Elem().Name(), prefix)
	}
}

// memberName returns the Go name of union member type t, if t is one.
func (u *Unions) memberName(t reflect.Type) (string, bool) {
	if u == nil {
		return "", false
	}
	name, ok := u.names[t]
	return name, ok
}

func (c *Codec) member(name string) string {
	if c.Member == nil {
		return name
	}
	return c.Member(name)
}

var timeType = reflect.TypeFor[time.Time]()

// Marshal encodes v, an SDK struct or a pointer to one, as wire JSON; a nil
// pointer encodes as null. HTML characters are not escaped, as the SDK's
// encoder does not escape them.
func (c *Codec) Marshal(v any) ([]byte, error) {
	x, err := c.encode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, fmt.Errorf("awsjson: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// omit says whether a struct member is left out of the encoding.
func (c *Codec) omit(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.Interface:
		return v.IsNil() || c.Unions == nil
	case reflect.String:
		return c.OmitEmptyStrings && v.Len() == 0 // enums: `if len(v.X) > 0`
	}
	return false
}

// encode returns v as a value encoding/json writes: nil, bool, string,
// int64, float64, json.Number, []any or map[string]any.
func (c *Codec) encode(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, nil
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		if name, ok := c.Unions.memberName(v.Type()); ok {
			inner, err := c.encode(v.Elem().FieldByName("Value"))
			if err != nil {
				return nil, err
			}
			return map[string]any{c.member(name): inner}, nil
		}
		return c.encode(v.Elem())
	case reflect.Interface:
		if v.IsNil() || c.Unions == nil {
			return nil, nil
		}
		if _, ok := c.Unions.members[v.Type()]; !ok {
			return nil, fmt.Errorf("awsjson: unsupported interface %s", v.Type())
		}
		if _, ok := c.Unions.names[v.Elem().Type()]; !ok {
			return nil, fmt.Errorf("awsjson: unknown member %s of %s", v.Elem().Type(), v.Type())
		}
		return c.encode(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return encodeTime(v.Interface().(time.Time)), nil
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			fv := v.Field(i)
			if c.omit(fv) {
				continue
			}
			x, err := c.encode(fv)
			if err != nil {
				return nil, err
			}
			out[c.member(f.Name)] = x
		}
		return out, nil
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := c.encode(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("awsjson: unsupported map key of %s", v.Type())
		}
		if v.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			x, err := c.encode(it.Value())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = x
		}
		return out, nil
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("awsjson: NaN or infinite %s", v.Type())
		}
		return f, nil
	}
	return nil, fmt.Errorf("awsjson: unsupported kind %s", v.Kind())
}

func encodeTime(t time.Time) any {
	return json.Number(strconv.FormatFloat(smithytime.FormatEpochSeconds(t), 'f', -1, 64))
}

func decodeTime(f float64) time.Time { return smithytime.ParseEpochSeconds(f) }

// Unmarshal decodes the first JSON value in data into v, a non-nil pointer
// to an SDK struct. Empty data is an error.
func (c *Codec) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("awsjson: Unmarshal needs a non-nil pointer")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("awsjson: %w", err)
	}
	return c.decode(rv.Elem(), x, "")
}

// decode sets v from x, a value encoding/json decoded with UseNumber; path
// is where v is, for errors: ".member", "[index]" and ".key" steps.
func (c *Codec) decode(v reflect.Value, x any, path string) error {
	if x == nil {
		return nil
	}
	bad := func() error { return fmt.Errorf("awsjson: unexpected %T for %s at %s", x, v.Type(), where(path)) }
	invalid := func() error { return fmt.Errorf("awsjson: invalid %s at %s", v.Type(), where(path)) }
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := c.decode(p.Elem(), x, path); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Interface:
		if c.Unions == nil {
			return nil
		}
		ms, ok := c.Unions.members[v.Type()]
		if !ok {
			return fmt.Errorf("awsjson: unsupported interface %s at %s", v.Type(), where(path))
		}
		obj, ok := x.(map[string]any)
		if !ok {
			return bad()
		}
		if len(obj) != 1 {
			return fmt.Errorf("awsjson: union %s at %s needs exactly one member, got %d", v.Type(), where(path), len(obj))
		}
		for name, inner := range obj {
			i := slices.IndexFunc(ms, func(t reflect.Type) bool { return c.member(c.Unions.names[t]) == name })
			if i < 0 {
				return fmt.Errorf("awsjson: unknown member of union %s at %s", v.Type(), where(path+"."+name))
			}
			mem := reflect.New(ms[i].Elem())
			if err := c.decode(mem.Elem().FieldByName("Value"), inner, path+"."+name); err != nil {
				return err
			}
			v.Set(mem)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			n, ok := x.(json.Number)
			if !ok {
				return bad()
			}
			f, err := n.Float64()
			if err != nil {
				return invalid()
			}
			v.Set(reflect.ValueOf(decodeTime(f)))
			return nil
		}
		obj, ok := x.(map[string]any)
		if !ok {
			return bad()
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name := c.member(f.Name)
			if inner, ok := obj[name]; ok {
				if err := c.decode(v.Field(i), inner, path+"."+name); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			s, ok := x.(string)
			if !ok {
				return bad()
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return invalid()
			}
			v.SetBytes(b)
			return nil
		}
		arr, ok := x.([]any)
		if !ok {
			return bad()
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, inner := range arr {
			if err := c.decode(s.Index(i), inner, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		obj, ok := x.(map[string]any)
		if !ok || v.Type().Key().Kind() != reflect.String {
			return bad()
		}
		m := reflect.MakeMapWithSize(v.Type(), len(obj))
		for k, inner := range obj {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := c.decode(e, inner, path+"."+k); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return bad()
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return bad()
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		n, ok := x.(json.Number)
		if !ok {
			return bad()
		}
		if v.CanInt() {
			i, err := n.Int64()
			if err != nil || v.OverflowInt(i) {
				return invalid()
			}
			v.SetInt(i)
		} else {
			f, err := n.Float64()
			if err != nil || v.OverflowFloat(f) {
				return invalid()
			}
			v.SetFloat(f)
		}
	default:
		return fmt.Errorf("awsjson: unsupported kind %s at %s", v.Kind(), where(path))
	}
	return nil
}

// where names a path in an error: quoted, as map keys may hold any text.
func where(path string) string {
	if path == "" {
		return "the top level"
	}
	return strconv.Quote(path)
}
