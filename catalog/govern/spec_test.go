package govern_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/cdpkit/cdpkit/catalog/govern"
)

func TestValidate(t *testing.T) {
	if err := (&govern.Spec{CatalogID: central}).Validate(); err != nil {
		t.Fatalf("empty spec: %v", err)
	}
	s := centralSpec()
	if err := s.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	for _, c := range []struct {
		field string
		edit  func(*govern.Spec)
	}{
		{"CatalogID", func(s *govern.Spec) { s.CatalogID = "acme" }},
		{"Settings.CrossAccountVersion", func(s *govern.Spec) { s.Settings.CrossAccountVersion = 6 }},
		{"Settings.Admins[0]", func(s *govern.Spec) { s.Settings.Admins = []string{"admin"} }},
		{"Tags[1].Key", func(s *govern.Spec) { s.Tags[1].Key = "DOMAIN" }},
		{"Tags[0].Key", func(s *govern.Spec) { s.Tags[0].Key = "bad|key" }},
		{"Tags[0].Values", func(s *govern.Spec) { s.Tags[0].Values = nil }},
		{"Products[0].Tags", func(s *govern.Spec) { s.Products[0].Tags["domain"] = "finance" }},
		{"Products[0].Tags", func(s *govern.Spec) { s.Products[0].Tags["owner"] = "x" }},
		{"Products[0].Location", func(s *govern.Spec) { s.Products[0].Location = "/data/sales" }},
		{"Products[1].Database", func(s *govern.Spec) { s.Products[1].Database = "sales" }},
		{"Products[0].Tables[0].ColumnTags", func(s *govern.Spec) {
			s.Products[0].Tables[0].ColumnTags = map[string]map[string]string{"nope": {"domain": "sales"}}
		}},
		{"Products[1].Grants[1].Columns", func(s *govern.Spec) { s.Products[1].Grants[1].Columns = []string{"clicks"} }},
		{"Products[1].Grants[1].Permissions", func(s *govern.Spec) { s.Products[1].Grants[1].Permissions = describe }},
		{"Products[1].Grants[1].Table", func(s *govern.Spec) { s.Products[1].Grants[1].Table = "*" }},
		{"Products[1].Grants[1].RowFilter.Expression", func(s *govern.Spec) {
			s.Products[1].Grants[1].RowFilter.Expression = strings.Repeat("x", 2049)
		}},
		{"Products[1].Grants[0].Principal", func(s *govern.Spec) { s.Products[1].Grants[0].Principal = "analyst" }},
		{"Products[1].Grants[0].Grantable", func(s *govern.Spec) { s.Products[1].Grants[0].Grantable = sel }},
		{"Products[1].Grants[0].Permissions", func(s *govern.Spec) { s.Products[1].Grants[0].Permissions = []types.Permission{"READ"} }},
		{"TagGrants[0].Expression", func(s *govern.Spec) { s.TagGrants[0].Expression = map[string][]string{"owner": {"x"}} }},
		{"TagGrants[0].ResourceType", func(s *govern.Spec) { s.TagGrants[0].ResourceType = "COLUMN" }},
		{"Grants[0].Database", func(s *govern.Spec) { s.Grants = []govern.Grant{{Principal: analyst, Permissions: describe}} }},
		{"Links[0].Target", func(s *govern.Spec) {
			s.Links = []govern.Link{{Database: "shared", Name: "l", Target: govern.TableRef{Database: "sales", Table: "orders"}}}
		}},
		{"AcceptSharesFrom[0]", func(s *govern.Spec) { s.AcceptSharesFrom = []string{"producer"} }},
	} {
		s := centralSpec()
		c.edit(&s)
		err := s.Validate()
		var se *govern.SpecError
		if !errors.As(err, &se) || !errors.Is(err, govern.ErrInvalid) || se.Field != c.field {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
}

// More than 50 values: CreateLFTag with the first 50, UpdateLFTag with the
// rest, 50 per call; a rerun has nothing to add.
func TestTagValuesAreChunked(t *testing.T) {
	w := newWorld(t)
	g := govern.New(w.lf, w.glue, noWait)
	var values []string
	for i := range 120 {
		values = append(values, "v"+strconv.Itoa(i))
	}
	spec := govern.Spec{CatalogID: central, Tags: []govern.TagDef{{Key: "segment", Values: values}}}
	mustApply(t, g, spec)
	if w.lf.Count("CreateLFTag") != 1 || w.lf.Count("UpdateLFTag") != 2 {
		t.Fatalf("calls: %d create, %d update", w.lf.Count("CreateLFTag"), w.lf.Count("UpdateLFTag"))
	}
	out, err := w.lf.GetLFTag(t.Context(), &lakeformation.GetLFTagInput{TagKey: aws.String("segment")})
	if err != nil || len(out.TagValues) != 120 {
		t.Fatalf("%d values, %v", len(out.TagValues), err)
	}
	spec.Tags[0].Values = append(values, "new")
	p, _ := mustApply(t, g, spec)
	if p.Changes() != 1 || !slices.ContainsFunc(p.Actions, func(a govern.Action) bool { return a.Kind == govern.Update && a.Reason == "add 1 values" }) {
		t.Fatalf("plan:\n%s", p)
	}
}
