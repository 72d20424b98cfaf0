package govern

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/ram"
)

// LakeFormationAPI is the part of the AWS Lake Formation API a Governor
// calls. The signatures are the SDK's, so a *lakeformation.Client satisfies
// it as is; catalogtest.LakeFormation is an in-memory implementation.
type LakeFormationAPI interface {
	GetDataLakeSettings(ctx context.Context, params *lakeformation.GetDataLakeSettingsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.GetDataLakeSettingsOutput, error)
	PutDataLakeSettings(ctx context.Context, params *lakeformation.PutDataLakeSettingsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.PutDataLakeSettingsOutput, error)
	RegisterResource(ctx context.Context, params *lakeformation.RegisterResourceInput, optFns ...func(*lakeformation.Options)) (*lakeformation.RegisterResourceOutput, error)
	DescribeResource(ctx context.Context, params *lakeformation.DescribeResourceInput, optFns ...func(*lakeformation.Options)) (*lakeformation.DescribeResourceOutput, error)
	CreateLFTag(ctx context.Context, params *lakeformation.CreateLFTagInput, optFns ...func(*lakeformation.Options)) (*lakeformation.CreateLFTagOutput, error)
	GetLFTag(ctx context.Context, params *lakeformation.GetLFTagInput, optFns ...func(*lakeformation.Options)) (*lakeformation.GetLFTagOutput, error)
	UpdateLFTag(ctx context.Context, params *lakeformation.UpdateLFTagInput, optFns ...func(*lakeformation.Options)) (*lakeformation.UpdateLFTagOutput, error)
	ListLFTags(ctx context.Context, params *lakeformation.ListLFTagsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.ListLFTagsOutput, error)
	AddLFTagsToResource(ctx context.Context, params *lakeformation.AddLFTagsToResourceInput, optFns ...func(*lakeformation.Options)) (*lakeformation.AddLFTagsToResourceOutput, error)
	RemoveLFTagsFromResource(ctx context.Context, params *lakeformation.RemoveLFTagsFromResourceInput, optFns ...func(*lakeformation.Options)) (*lakeformation.RemoveLFTagsFromResourceOutput, error)
	GetResourceLFTags(ctx context.Context, params *lakeformation.GetResourceLFTagsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.GetResourceLFTagsOutput, error)
	SearchDatabasesByLFTags(ctx context.Context, params *lakeformation.SearchDatabasesByLFTagsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.SearchDatabasesByLFTagsOutput, error)
	SearchTablesByLFTags(ctx context.Context, params *lakeformation.SearchTablesByLFTagsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.SearchTablesByLFTagsOutput, error)
	BatchGrantPermissions(ctx context.Context, params *lakeformation.BatchGrantPermissionsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.BatchGrantPermissionsOutput, error)
	BatchRevokePermissions(ctx context.Context, params *lakeformation.BatchRevokePermissionsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.BatchRevokePermissionsOutput, error)
	ListPermissions(ctx context.Context, params *lakeformation.ListPermissionsInput, optFns ...func(*lakeformation.Options)) (*lakeformation.ListPermissionsOutput, error)
	CreateDataCellsFilter(ctx context.Context, params *lakeformation.CreateDataCellsFilterInput, optFns ...func(*lakeformation.Options)) (*lakeformation.CreateDataCellsFilterOutput, error)
	GetDataCellsFilter(ctx context.Context, params *lakeformation.GetDataCellsFilterInput, optFns ...func(*lakeformation.Options)) (*lakeformation.GetDataCellsFilterOutput, error)
	UpdateDataCellsFilter(ctx context.Context, params *lakeformation.UpdateDataCellsFilterInput, optFns ...func(*lakeformation.Options)) (*lakeformation.UpdateDataCellsFilterOutput, error)
	DeleteDataCellsFilter(ctx context.Context, params *lakeformation.DeleteDataCellsFilterInput, optFns ...func(*lakeformation.Options)) (*lakeformation.DeleteDataCellsFilterOutput, error)
	ListDataCellsFilter(ctx context.Context, params *lakeformation.ListDataCellsFilterInput, optFns ...func(*lakeformation.Options)) (*lakeformation.ListDataCellsFilterOutput, error)
}

// RAMAPI is the part of the AWS RAM API a Governor calls on the consumer
// side, to accept the invitations Lake Formation's cross-account grants
// send. *ram.Client and catalogtest.RAM satisfy it.
type RAMAPI interface {
	GetResourceShareInvitations(ctx context.Context, params *ram.GetResourceShareInvitationsInput, optFns ...func(*ram.Options)) (*ram.GetResourceShareInvitationsOutput, error)
	AcceptResourceShareInvitation(ctx context.Context, params *ram.AcceptResourceShareInvitationInput, optFns ...func(*ram.Options)) (*ram.AcceptResourceShareInvitationOutput, error)
}
