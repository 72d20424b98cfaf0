package cleanroom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cdpkit/cdpkit/cleanroom"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(bytes.TrimSpace(want)), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestAssociationRolePolicies(t *testing.T) {
	p, err := cleanroom.AssociationRolePolicies(cleanroom.RoleParams{
		Region: "eu-west-1", AccountID: "111122223333",
		MembershipIDs: []string{"0a1b2c3d-0000-4000-8000-00000000abcd"},
		Database:      "cdp_curated", Tables: []string{"customers", "orders"},
		Locations: []string{"s3://cdp-curated-eu/customers/", "s3://cdp-curated-eu/orders", "s3://cdp-archive.eu/2026"},
		KMSKeyARN: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{p.Trust, p.Permissions} {
		if !json.Valid(b) {
			t.Fatal("policy is not JSON")
		}
	}
	golden(t, "role-trust.json", p.Trust)
	golden(t, "role-permissions.json", p.Permissions)
}

func TestAssociationRolePoliciesInvalid(t *testing.T) {
	_, err := cleanroom.AssociationRolePolicies(cleanroom.RoleParams{
		Partition: "aws-cn", Region: "Europe", AccountID: "1111",
		MembershipIDs: []string{"not-a-uuid"}, Database: "cdp db",
		Locations: []string{"https://example.com/x", "s3://b/*"},
	})
	if !errors.Is(err, cleanroom.ErrInvalidInput) {
		t.Fatalf("err = %v, want ErrInvalidInput", err)
	}
	var ce *cleanroom.Error
	errors.As(err, &ce)
	want := []string{
		"error partition: enum", "error region: pattern", "error accountId: too_short",
		"error membershipIds[0]: pattern", "error database: pattern", "error tables: too_few",
		"error locations[0]: pattern", "error locations[1]: pattern",
	}
	if diff := cmp.Diff(want, strs(ce.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestAssociationRolePoliciesUniqueSids: IAM requires statement ids to be
// unique in a policy; bucket names differing only in punctuation map to
// the same letters.
func TestAssociationRolePoliciesUniqueSids(t *testing.T) {
	p, err := cleanroom.AssociationRolePolicies(cleanroom.RoleParams{
		Region: "eu-west-1", AccountID: "111122223333",
		MembershipIDs: []string{"0a1b2c3d-0000-4000-8000-00000000abcd"},
		Database:      "cdp", Tables: []string{"t"},
		Locations: []string{"s3://cdp-a/x/", "s3://cdp.a/x/", "s3://cdpa/x/", "s3://cdp--a/x/", "s3://cdp-a2/x/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal(p.Permissions, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range doc.Statement {
		if seen[s.Sid] {
			t.Errorf("duplicate Sid %q", s.Sid)
		}
		seen[s.Sid] = true
	}
	if len(doc.Statement) != 7 { // Glue, 5 buckets, objects
		t.Errorf("%d statements, want 7", len(doc.Statement))
	}
}
