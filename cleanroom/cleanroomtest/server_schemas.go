package cleanroomtest

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/internal/awsjson"
)

// schemaCodec encodes the answers of the schema operations: the wire
// form of package cleanroom's codec plus the unions those answers hold
// (schema analysis rule policies, the ID mapping table rule's query
// constraints, schema type properties and collaboration rule policies).
var schemaCodec = &awsjson.Codec{Member: awsjson.LowerFirst, OmitEmptyStrings: true, Unions: schemaUnions()}

func schemaUnions() *awsjson.Unions {
	u := new(awsjson.Unions)
	awsjson.AddUnion[types.AnalysisRulePolicy](u, &types.AnalysisRulePolicyMemberV1{})
	awsjson.AddUnion[types.AnalysisRulePolicyV1](u,
		&types.AnalysisRulePolicyV1MemberAggregation{},
		&types.AnalysisRulePolicyV1MemberList{},
		&types.AnalysisRulePolicyV1MemberCustom{},
		&types.AnalysisRulePolicyV1MemberIdMappingTable{})
	awsjson.AddUnion[types.QueryConstraint](u, &types.QueryConstraintMemberRequireOverlap{})
	awsjson.AddUnion[types.SchemaTypeProperties](u, &types.SchemaTypePropertiesMemberIdMappingTable{})
	awsjson.AddUnion[types.ConfiguredTableAssociationAnalysisRulePolicy](u, &types.ConfiguredTableAssociationAnalysisRulePolicyMemberV1{})
	awsjson.AddUnion[types.ConfiguredTableAssociationAnalysisRulePolicyV1](u,
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberAggregation{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberList{},
		&types.ConfiguredTableAssociationAnalysisRulePolicyV1MemberCustom{})
	return u
}

// schemaRoutes binds the schema and ID mapping table operations.
func schemaRoutes(mux *http.ServeMux, f *CleanRooms) {
	const (
		co = "/collaborations/{collaborationIdentifier}"
		mt = "/memberships/{membershipIdentifier}/idmappingtables"
	)
	enc := schemaCodec.Marshal
	routeWith(mux, "GET "+co+"/schemas", f.ListSchemas, func(r *http.Request, in *cleanrooms.ListSchemasInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
		in.SchemaType = types.SchemaType(r.URL.Query().Get("schemaType"))
	}, enc)
	routeWith(mux, "GET "+co+"/schemas/{name}", f.GetSchema, func(r *http.Request, in *cleanrooms.GetSchemaInput) {
		in.CollaborationIdentifier, in.Name = path(r, "collaborationIdentifier"), path(r, "name")
	}, enc)
	routeWith(mux, "POST "+co+"/batch-schema", f.BatchGetSchema, func(r *http.Request, in *cleanrooms.BatchGetSchemaInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
	}, enc)
	routeWith(mux, "GET "+co+"/schemas/{name}/analysisRule/{type}", f.GetSchemaAnalysisRule, func(r *http.Request, in *cleanrooms.GetSchemaAnalysisRuleInput) {
		in.CollaborationIdentifier, in.Name = path(r, "collaborationIdentifier"), path(r, "name")
		in.Type = types.AnalysisRuleType(r.PathValue("type"))
	}, enc)
	routeWith(mux, "POST "+co+"/batch-schema-analysis-rule", f.BatchGetSchemaAnalysisRule, func(r *http.Request, in *cleanrooms.BatchGetSchemaAnalysisRuleInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
	}, enc)
	route(mux, "GET "+mt, f.ListIdMappingTables, func(r *http.Request, in *cleanrooms.ListIdMappingTablesInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
	})
	route(mux, "GET "+mt+"/{idMappingTableIdentifier}", f.GetIdMappingTable, func(r *http.Request, in *cleanrooms.GetIdMappingTableInput) {
		in.MembershipIdentifier, in.IdMappingTableIdentifier = path(r, "membershipIdentifier"), path(r, "idMappingTableIdentifier")
	})
	route(mux, "DELETE "+mt+"/{idMappingTableIdentifier}", f.DeleteIdMappingTable, func(r *http.Request, in *cleanrooms.DeleteIdMappingTableInput) {
		in.MembershipIdentifier, in.IdMappingTableIdentifier = path(r, "membershipIdentifier"), path(r, "idMappingTableIdentifier")
	})
}
