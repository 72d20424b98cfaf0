package cleanroomtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// A real SDK client talks to the fake through the REST test server and
// gets the service's error types back.
func ExampleNewCleanRoomsServer() {
	ctx := context.Background()
	srv := cleanroomtest.NewCleanRoomsServer(cleanroomtest.NewCleanRooms())
	defer srv.Close()
	client := srv.Client()
	tbl, err := client.CreateConfiguredTable(ctx, cleanroom.Table{
		Name: "Customers", Database: "cdp_curated", Table: "customers",
		AllowedColumns: []string{"hashed_email", "segment"},
	}.CreateInput(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(tbl.ConfiguredTable.Name), tbl.ConfiguredTable.AnalysisMethod)

	// A LIST rule whose join column is also a list column (rule L1).
	rule := cleanroom.List{JoinColumns: []string{"hashed_email"}, ListColumns: []string{"hashed_email"}}
	_, err = client.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: tbl.ConfiguredTable.Id, AnalysisRuleType: rule.Type(), AnalysisRulePolicy: rule.Policy()})
	var ve *types.ValidationException
	if errors.As(err, &ve) {
		fmt.Println(ve.Reason, aws.ToString(ve.FieldList[0].Name), aws.ToString(ve.FieldList[0].Message))
	}
	// Output:
	// Customers DIRECT_QUERY
	// FIELD_VALIDATION_FAILED analysisRulePolicy.v1.list.listColumns[0] column_placement
}
