// Package wire converts aws-sdk-go-v2 Clean Rooms types to and from the
// REST-JSON wire form the SDK's serializers produce: member names are the Go
// field names with a lower-case first letter, unions are single-key objects,
// nil members are omitted and non-nil empty slices are [], timestamps are
// epoch seconds. It covers the shapes cdpkit sends and the fake serves.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// unions maps each union interface to its members by wire name; members
// maps each member type back to its wire name.
var (
	unions  = map[reflect.Type]map[string]reflect.Type{}
	members = map[reflect.Type]string{}
)

func register[I any](ms ...I) {
	it := reflect.TypeFor[I]()
	m := map[string]reflect.Type{}
	prefix := it.Name() + "Member"
	for _, mem := range ms {
		t := reflect.TypeOf(mem)
		name := lowerFirst(strings.TrimPrefix(t.Elem().Name(), prefix))
		m[name] = t
		members[t] = name
	}
	unions[it] = m
}

func init() {
	register[types.ConfiguredTableAnalysisRulePolicy](&types.ConfiguredTableAnalysisRulePolicyMemberV1{})
	register[types.ConfiguredTableAnalysisRulePolicyV1](
		&types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberList{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{})
	register[types.ConfiguredTableAssociationAnalysisRulePolicy](&types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{})
	register[types.ConfiguredTableAssociationAnalysisRulePolicyV1](
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{})
	register[types.TableReference](
		&types.TableReferenceMemberGlue{},
		&types.TableReferenceMemberAthena{},
		&types.TableReferenceMemberSnowflake{})
	register[types.SnowflakeTableSchema](&types.SnowflakeTableSchemaMemberV1{})
	register[types.MembershipProtectedQueryOutputConfiguration](&types.MembershipProtectedQueryOutputConfigurationMemberS3{})
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

var timeType = reflect.TypeFor[time.Time]()

// Marshal encodes v (an SDK struct, or a pointer to one) as wire JSON.
func Marshal(v any) ([]byte, error) {
	x, err := encode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// omit says whether the SDK serializer would leave the member out.
func omit(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0 // enums: `if len(v.X) > 0`
	}
	return false
}

func encode(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Invalid:
		return nil, nil
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		if name, ok := members[v.Type()]; ok {
			inner, err := encode(v.Elem().FieldByName("Value"))
			if err != nil {
				return nil, err
			}
			return map[string]any{name: inner}, nil
		}
		return encode(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		if _, ok := unions[v.Type()]; !ok {
			return nil, fmt.Errorf("wire: unsupported interface %s", v.Type())
		}
		if _, ok := members[v.Elem().Type()]; !ok {
			return nil, fmt.Errorf("wire: unknown member %s of %s", v.Elem().Type(), v.Type())
		}
		return encode(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			return float64(t.UnixNano()) / 1e9, nil
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			fv := v.Field(i)
			if omit(fv) {
				continue
			}
			x, err := encode(fv)
			if err != nil {
				return nil, err
			}
			out[lowerFirst(f.Name)] = x
		}
		return out, nil
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			x, err := encode(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			x, err := encode(it.Value())
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
		return v.Float(), nil
	}
	return nil, fmt.Errorf("wire: unsupported kind %s", v.Kind())
}

// Unmarshal decodes wire JSON into v, a pointer to an SDK struct. Unknown
// members are ignored, as the SDK's deserializers do.
func Unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("wire: Unmarshal needs a non-nil pointer")
	}
	return decode(rv.Elem(), x, "")
}

func decode(v reflect.Value, x any, path string) error {
	if x == nil {
		return nil
	}
	bad := func() error { return fmt.Errorf("wire: %s: unexpected %T for %s", path, x, v.Type()) }
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := decode(p.Elem(), x, path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Interface:
		m, ok := unions[v.Type()]
		obj, isObj := x.(map[string]any)
		if !ok || !isObj || len(obj) != 1 {
			return bad()
		}
		for name, inner := range obj {
			t, ok := m[name]
			if !ok {
				return fmt.Errorf("wire: %s: unknown union member %q", path, name)
			}
			mem := reflect.New(t.Elem())
			if err := decode(mem.Elem().FieldByName("Value"), inner, path+"."+name); err != nil {
				return err
			}
			v.Set(mem)
		}
		return nil
	case reflect.Struct:
		if v.Type() == timeType {
			n, ok := x.(json.Number)
			if !ok {
				return bad()
			}
			f, err := n.Float64()
			if err != nil {
				return bad()
			}
			sec := int64(f)
			v.Set(reflect.ValueOf(time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()))
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
			if inner, ok := obj[lowerFirst(f.Name)]; ok {
				if err := decode(v.Field(i), inner, path+"."+lowerFirst(f.Name)); err != nil {
					return err
				}
			}
		}
		return nil
	case reflect.Slice:
		arr, ok := x.([]any)
		if !ok {
			return bad()
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, inner := range arr {
			if err := decode(s.Index(i), inner, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		obj, ok := x.(map[string]any)
		if !ok {
			return bad()
		}
		m := reflect.MakeMapWithSize(v.Type(), len(obj))
		for k, inner := range obj {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decode(e, inner, path+"."+k); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return bad()
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return bad()
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := x.(json.Number)
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil || v.OverflowInt(i) {
			return bad()
		}
		v.SetInt(i)
		return nil
	case reflect.Float32, reflect.Float64:
		n, ok := x.(json.Number)
		if !ok {
			return bad()
		}
		f, err := n.Float64()
		if err != nil {
			return bad()
		}
		v.SetFloat(f)
		return nil
	}
	return fmt.Errorf("wire: %s: unsupported kind %s", path, v.Kind())
}
