package catalogtest_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

func TestPartitionExpressions(t *testing.T) {
	g := catalogtest.NewGlue()
	ctx := t.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		t.Fatal(err)
	}
	keys := []types.Column{{Name: aws.String("dt"), Type: aws.String("string")}, {Name: aws.String("n"), Type: aws.String("bigint")}, {Name: aws.String("amt"), Type: aws.String("decimal(5,2)")}}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: &types.TableInput{Name: aws.String("t"), PartitionKeys: keys}}); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"a", "1", "1.50"}, {"b", "20", "0.5"}, {"c'q", "3", "10"}, {"d_x", "-4", "2.25"}}
	var parts []types.PartitionInput
	for _, r := range rows {
		parts = append(parts, types.PartitionInput{Values: r})
	}
	if _, err := g.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionInputList: parts}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		expr string
		want string // matched dt values, sorted, or "error"
	}{
		{"", "[a b c'q d_x]"},
		{"dt = 'a'", "[a]"},
		{"DT = 'a'", "[a]"},
		{"`dt` = 'a'", "[a]"},
		{"dt <> 'a'", "[b c'q d_x]"},
		{"dt != 'a'", "[b c'q d_x]"},
		{"dt = 'c''q'", "[c'q]"},
		{"n > 2", "[b c'q]"},
		{"n >= 3 and n <= 20", "[b c'q]"},
		{"n < 0", "[d_x]"},
		{"n = -4", "[d_x]"},
		{"amt > 1.5", "error"}, // decimal keys are not filterable in Glue
		{"n between 1 and 3", "[a c'q]"},
		{"n not between 1 and 3", "[b d_x]"},
		{"n in (1, 20)", "[a b]"},
		{"dt not in ('a')", "[b c'q d_x]"},
		{"dt like 'd\\_%'", "[]"},
		{"dt like 'd_x'", "[d_x]"},
		{"dt like '_'", "[a b]"},
		{"dt not like 'c%'", "[a b d_x]"},
		{"not dt = 'a' and (n = 20 or n = 3)", "[b c'q]"},
		{"dt = 'a' or dt = 'b' and n = 1", "[a]"},
		{"(dt = 'a' or dt = 'b') and n = 20", "[b]"},
		{"nope = 1", "error"},
		{"dt = ", "error"},
		{"dt == 'a'", "error"},
		{"dt = 'a", "error"},
		{"(dt = 'a'", "error"},
		{"dt in ('a'", "error"},
		{"dt between 'a'", "error"},
		{"dt = 'a' extra", "error"},
		{"dt ~ 'a'", "error"},
		{"dt not = 'a'", "error"},
	}
	for _, tt := range tests {
		out, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), Expression: aws.String(tt.expr)})
		if tt.want == "error" {
			var ie *types.InvalidInputException
			if !errors.As(err, &ie) {
				t.Errorf("%q: err = %v, want InvalidInputException", tt.expr, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		got := []string{}
		for _, p := range out.Partitions {
			got = append(got, p.Values[0])
		}
		slices.Sort(got)
		if fmt.Sprint(got) != tt.want {
			t.Errorf("%q matched %v, want %s", tt.expr, got, tt.want)
		}
	}
}

// Any expression either compiles or is an InvalidInputException; the fake
// never panics on one.
func FuzzPartitionExpression(f *testing.F) {
	g := catalogtest.NewGlue()
	ctx := f.Context()
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("db")}}); err != nil {
		f.Fatal(err)
	}
	keys := []types.Column{{Name: aws.String("dt"), Type: aws.String("string")}, {Name: aws.String("n"), Type: aws.String("int")}}
	if _, err := g.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: &types.TableInput{Name: aws.String("t"), PartitionKeys: keys}}); err != nil {
		f.Fatal(err)
	}
	if _, err := g.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"),
		PartitionInputList: []types.PartitionInput{{Values: []string{"a", "1"}}, {Values: []string{"b", "x"}}}}); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"dt = 'a'", "n between 1 and 2 or not (dt like '%')", "`dt` in ('a','b')", "((", "'", "n > -1.5e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, err := g.GetPartitions(t.Context(), &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), Expression: aws.String(expr)})
		var ie *types.InvalidInputException
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("unexpected error type: %v", err)
		}
	})
}
