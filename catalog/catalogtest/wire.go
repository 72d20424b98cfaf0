package catalogtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	smithytime "github.com/aws/smithy-go/time"
)

// The awsJson1_1 wire form of Glue shapes uses the member names, which are
// the SDK's Go field names, and epoch seconds for timestamps. These two
// functions convert SDK input/output structs from and to that form by
// reflection, so the server needs no per-shape code. Union (interface)
// members are not supported; none of the modelled operations use them.

var timeType = reflect.TypeOf(time.Time{})

func toWire(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() || v.Kind() == reflect.Interface {
			return nil, false
		}
		return toWire(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			// The SDK's own encoding: milliseconds as a decimal fraction.
			t := v.Interface().(time.Time)
			return json.Number(strconv.FormatFloat(smithytime.FormatEpochSeconds(t), 'f', -1, 64)), true
		}
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Name == "ResultMetadata" {
				continue
			}
			if w, ok := toWire(v.Field(i)); ok {
				m[f.Name] = w
			}
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(v.Bytes()), true
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			w, _ := toWire(v.Index(i))
			out = append(out, w)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			w, _ := toWire(it.Value())
			out[it.Key().String()] = w
		}
		return out, true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	}
	return nil, false
}

// marshalWire encodes an SDK struct in its wire form.
func marshalWire(v any) ([]byte, error) {
	w, ok := toWire(reflect.ValueOf(v))
	if !ok {
		return []byte("{}"), nil
	}
	return json.Marshal(w)
}

// unmarshalWire decodes a wire body into the SDK struct pointed to by dst.
func unmarshalWire(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return err
	}
	return fromWire(x, reflect.ValueOf(dst).Elem(), "")
}

func fromWire(x any, v reflect.Value, path string) error {
	if x == nil {
		return nil
	}
	bad := func() error { return fmt.Errorf("unexpected JSON type %T at %q", x, path) }
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fromWire(x, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Interface:
		return nil // unions are not modelled
	case reflect.Struct:
		if v.Type() == timeType {
			n, ok := x.(json.Number)
			if !ok {
				return bad()
			}
			f, err := n.Float64()
			if err != nil {
				return err
			}
			// As the SDK decodes: rounded to the millisecond without
			// float error (math.Modf would give .122999906 for .123).
			v.Set(reflect.ValueOf(smithytime.ParseEpochSeconds(f)))
			return nil
		}
		m, ok := x.(map[string]any)
		if !ok {
			return bad()
		}
		for k, val := range m {
			f, ok := v.Type().FieldByName(k)
			if !ok || !f.IsExported() || len(f.Index) != 1 {
				continue // unknown members are ignored, as services do
			}
			if err := fromWire(val, v.FieldByIndex(f.Index), path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			s, ok := x.(string)
			if !ok {
				return bad()
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		a, ok := x.([]any)
		if !ok {
			return bad()
		}
		s := reflect.MakeSlice(v.Type(), len(a), len(a))
		for i, e := range a {
			if err := fromWire(e, s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			return bad()
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, e := range m {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := fromWire(e, ev, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
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
			return fmt.Errorf("bad integer at %q", path)
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
			return err
		}
		v.SetFloat(f)
		return nil
	}
	return nil
}
