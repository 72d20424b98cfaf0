package cleanroomtest

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

// TestParamValueErrorsQuoteNoValue: a parameter value that is not of its
// type fails the query with a message naming the type, not the value
// (strconv's errors quote it).
func TestParamValueErrorsQuoteNoValue(t *testing.T) {
	for _, typ := range []types.ParameterType{types.ParameterTypeBigint, types.ParameterTypeDouble, types.ParameterTypeBoolean} {
		_, err := paramValue(typ, "secret-value")
		if err == nil || strings.Contains(err.Error(), "secret-value") || !strings.Contains(err.Error(), strings.ToLower(string(typ))) {
			t.Errorf("%s: err = %v", typ, err)
		}
	}
	if v, err := paramValue(types.ParameterTypeBigint, " 42 "); err != nil || v != int64(42) {
		t.Errorf("bigint 42: %v, %v", v, err)
	}
	if v, err := paramValue(types.ParameterTypeVarchar, "x"); err != nil || v != "x" {
		t.Errorf("varchar: %v, %v", v, err)
	}
}

func TestARNAccount(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:cleanrooms:us-east-1:111122223333:configuredtable/x": "111122223333",
		"arn:aws:cleanrooms": "", "": "",
	} {
		if got := arnAccount(arn); got != want {
			t.Errorf("arnAccount(%q) = %q, want %q", arn, got, want)
		}
	}
}
