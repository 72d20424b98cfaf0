package metatest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseObject(t *testing.T) {
	got, err := parseObject([]byte(` {"a" : {"x":[1,{"y":"}]"}]}, "b":"q\"}","c":[[ "1" ,2.5e3,null]],"d":true , "e":-1}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": `{"x":[1,{"y":"}]"}]}`, "b": `"q\"}"`, "c": `[[ "1" ,2.5e3,null]]`, "d": "true", "e": "-1"}
	gotS := map[string]string{}
	for k, v := range got {
		gotS[k] = string(v)
	}
	if diff := cmp.Diff(want, gotS); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	cells, width, err := parseData(got["c"], false)
	if err != nil || width != 3 || !cmp.Equal(cells, []string{"1", "2.5e3", ""}) {
		t.Errorf("parseData: %v %d %v", cells, width, err)
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a":1`, `{"a":[1}`, `{"a":{]}`, `{"a" 1}`, `{"a":1,}`, `{"a":1} x`, `{a:1}`, `{"a":"x}`} {
		if _, err := parseObject([]byte(bad)); err == nil {
			t.Errorf("parseObject accepted %q", bad)
		}
	}
}
