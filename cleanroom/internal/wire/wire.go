// Package wire converts aws-sdk-go-v2 Clean Rooms types to and from the
// REST-JSON wire form the SDK's serializers produce: member names are the Go
// field names with a lower-case first letter, unions are single-key objects,
// nil members and empty enums are omitted and non-nil empty slices are [],
// timestamps are epoch seconds with milliseconds, as smithy-go writes and
// reads them (a float fraction read back .123 as .122999906, so times the
// fake stored by round trip reached clients 1 ms early). The reflective
// codec is internal/awsjson's; this package configures it and lists the
// union interfaces of the shapes cdpkit sends and the fake serves, so that
// cleanroom and cleanroomtest share one registry.
package wire

import (
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/internal/awsjson"
)

var codec = &awsjson.Codec{
	Member:           awsjson.LowerFirst,
	OmitEmptyStrings: true,
	Unions:           unions(),
}

func unions() *awsjson.Unions {
	u := new(awsjson.Unions)
	awsjson.AddUnion[types.ConfiguredTableAnalysisRulePolicy](u, &types.ConfiguredTableAnalysisRulePolicyMemberV1{})
	awsjson.AddUnion[types.ConfiguredTableAnalysisRulePolicyV1](u,
		&types.ConfiguredTableAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberList{},
		&types.ConfiguredTableAnalysisRulePolicyV1MemberCustom{})
	awsjson.AddUnion[types.ConfiguredTableAssociationAnalysisRulePolicy](u, &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{})
	awsjson.AddUnion[types.ConfiguredTableAssociationAnalysisRulePolicyV1](u,
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{})
	awsjson.AddUnion[types.TableReference](u,
		&types.TableReferenceMemberGlue{},
		&types.TableReferenceMemberAthena{},
		&types.TableReferenceMemberSnowflake{})
	awsjson.AddUnion[types.SnowflakeTableSchema](u, &types.SnowflakeTableSchemaMemberV1{})
	awsjson.AddUnion[types.MembershipProtectedQueryOutputConfiguration](u, &types.MembershipProtectedQueryOutputConfigurationMemberS3{})
	awsjson.AddUnion[types.ProtectedQueryOutputConfiguration](u,
		&types.ProtectedQueryOutputConfigurationMemberS3{},
		&types.ProtectedQueryOutputConfigurationMemberMember{},
		&types.ProtectedQueryOutputConfigurationMemberDistribute{})
	awsjson.AddUnion[types.ProtectedQueryDistributeOutputConfigurationLocation](u,
		&types.ProtectedQueryDistributeOutputConfigurationLocationMemberS3{},
		&types.ProtectedQueryDistributeOutputConfigurationLocationMemberMember{})
	awsjson.AddUnion[types.ProtectedQueryOutput](u,
		&types.ProtectedQueryOutputMemberS3{},
		&types.ProtectedQueryOutputMemberMemberList{},
		&types.ProtectedQueryOutputMemberDistribute{})
	awsjson.AddUnion[types.ComputeConfiguration](u, &types.ComputeConfigurationMemberWorker{})
	awsjson.AddUnion[types.AnalysisSource](u, &types.AnalysisSourceMemberText{}, &types.AnalysisSourceMemberArtifacts{})
	awsjson.AddUnion[types.AnalysisSourceMetadata](u, &types.AnalysisSourceMetadataMemberArtifacts{})
	return u
}

// Marshal encodes v (an SDK struct, or a pointer to one) as wire JSON.
func Marshal(v any) ([]byte, error) { return codec.Marshal(v) }

// Unmarshal decodes wire JSON into v, a pointer to an SDK struct. Unknown
// members are ignored, as the SDK's deserializers do.
func Unmarshal(data []byte, v any) error { return codec.Unmarshal(data, v) }
