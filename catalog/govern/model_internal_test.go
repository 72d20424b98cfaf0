package govern

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

func TestPermSet(t *testing.T) {
	if len(permOrder) > 64 {
		t.Fatalf("%d permissions do not fit a permSet", len(permOrder))
	}
	for _, p := range permOrder {
		if permBit(p) == 0 || !newPermSet([]types.Permission{p}).has(p) {
			t.Errorf("%s has no bit", p)
		}
	}
	s := newPermSet([]types.Permission{types.PermissionSelect, types.PermissionAll, types.PermissionDescribe, types.PermissionCreateTable})
	if got := s.String(); got != "ALL,CREATE_TABLE" {
		t.Fatalf("canon: %s", got)
	}
	if got := newPermSet([]types.Permission{types.PermissionSelect, types.PermissionDescribe}).minus(newPermSet([]types.Permission{types.PermissionDescribe})).String(); got != "SELECT" {
		t.Fatalf("minus: %s", got)
	}
}
