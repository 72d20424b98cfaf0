package catalogtest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ram"

	"github.com/cdpkit/cdpkit/catalog"
	"github.com/cdpkit/cdpkit/catalog/catalogtest"
)

// A producer grants a consumer's role some columns of a table, over real
// SDK clients on the wire server; the consumer accepts the RAM invitation
// and links the table; Select answers what the role can read.
func ExampleNewLakeFormationServer() {
	ctx := context.Background()
	producer := catalogtest.NewLakeFormation(func(o *catalogtest.LakeFormationOptions) { o.Account = "111111111111" })
	consumer := producer.AddAccount("222222222222", nil)
	srv := catalogtest.NewLakeFormationServer(producer)
	defer srv.Close()
	role := "arn:aws:iam::222222222222:role/analyst"

	// The producer's table.
	s := catalog.Schema{Columns: []catalog.Column{{Name: "id", Type: "string"}, {Name: "email", Type: "string"}}, Location: "s3://lake/t/"}
	_, _ = producer.Glue().CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("sales")}})
	_, _ = producer.Glue().CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: s.TableInput("orders")})

	lf := srv.Client()
	settings, _ := lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	settings.DataLakeSettings.Parameters["CROSS_ACCOUNT_VERSION"] = "3"
	_, _ = lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: settings.DataLakeSettings})
	out, err := lf.BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{Entries: []types.BatchPermissionsRequestEntry{
		{Id: aws.String("1"), Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(role)}, Permissions: []types.Permission{types.PermissionSelect},
			Resource: &types.Resource{TableWithColumns: &types.TableWithColumnsResource{DatabaseName: aws.String("sales"), Name: aws.String("orders"), ColumnNames: []string{"id"}}}},
		{Id: aws.String("2"), Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(role)}, Permissions: []types.Permission{types.PermissionSelect},
			Resource: &types.Resource{Table: &types.TableResource{DatabaseName: aws.String("sales"), Name: aws.String("missing")}}},
	}})
	fmt.Println("failed entries:", len(out.Failures), aws.ToString(out.Failures[0].RequestEntry.Id), aws.ToString(out.Failures[0].Error.ErrorCode), err)

	// The consumer accepts the invitation and links the table.
	rc := srv.RAMClient("222222222222")
	invs, _ := rc.GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{})
	inv := invs.ResourceShareInvitations[0]
	fmt.Println(inv.Status, aws.ToString(inv.SenderAccountId))
	_, _ = rc.AcceptResourceShareInvitation(ctx, &ram.AcceptResourceShareInvitationInput{ResourceShareInvitationArn: inv.ResourceShareInvitationArn})
	_, _ = consumer.Glue().CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("shared")}})
	_, _ = consumer.Glue().CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("shared"), TableInput: &gluetypes.TableInput{
		Name: aws.String("orders"), TargetTable: &gluetypes.TableIdentifier{CatalogId: aws.String("111111111111"), DatabaseName: aws.String("sales"), Name: aws.String("orders")},
	}})
	_, _ = srv.ClientFor("222222222222").BatchGrantPermissions(ctx, &lakeformation.BatchGrantPermissionsInput{Entries: []types.BatchPermissionsRequestEntry{
		{Id: aws.String("1"), Principal: &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(role)}, Permissions: []types.Permission{types.PermissionDescribe},
			Resource: &types.Resource{Table: &types.TableResource{DatabaseName: aws.String("shared"), Name: aws.String("orders")}}},
	}})

	sel, err := consumer.Select(ctx, role, "shared", "orders", "id")
	fmt.Println(sel.CatalogID, sel.Columns, err)
	_, err = consumer.Select(ctx, role, "shared", "orders", "email")
	fmt.Println(err != nil)
	// Output:
	// failed entries: 1 2 EntityNotFoundException <nil>
	// PENDING 111111111111
	// 111111111111 [id] <nil>
	// true
}
