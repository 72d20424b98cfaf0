package sqlcheck

import (
	"context"
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// SchemaAPI is the part of the Clean Rooms API that TablesOf uses.
// *cleanrooms.Client and cleanroomtest's fake satisfy it.
type SchemaAPI interface {
	ListSchemas(ctx context.Context, in *cleanrooms.ListSchemasInput, optFns ...func(*cleanrooms.Options)) (*cleanrooms.ListSchemasOutput, error)
	BatchGetSchema(ctx context.Context, in *cleanrooms.BatchGetSchemaInput, optFns ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaOutput, error)
	BatchGetSchemaAnalysisRule(ctx context.Context, in *cleanrooms.BatchGetSchemaAnalysisRuleInput, optFns ...func(*cleanrooms.Options)) (*cleanrooms.BatchGetSchemaAnalysisRuleOutput, error)
}

// batchLimit is the most names or rule requests one batch call takes.
const batchLimit = 25

// TablesOf reads every table of a collaboration as a member sees it and
// returns them as Tables for Check and Simulate: the schemas (ListSchemas,
// then BatchGetSchema 25 at a time) with each schema's analysis rules
// (BatchGetSchemaAnalysisRule, 25 requests at a time), ID mapping tables
// included, each converted by FromSchema. Tables come in ListSchemas
// order, without sample rows (set Table.Rows to Simulate).
//
// A service error is a *cleanroom.Error classified as cleanroom.Classify
// does; a schema or rule the service lists but then does not return (a
// batch's error entry) is a *cleanroom.Error of kind cleanroom.ErrNotFound
// (or ErrAccessDenied, ErrInvalidInput by its code) naming the schema.
func TablesOf(ctx context.Context, api SchemaAPI, collaborationID string) ([]Table, error) {
	const op = "read collaboration schemas"
	var names []string
	for p := cleanrooms.NewListSchemasPaginator(api, &cleanrooms.ListSchemasInput{CollaborationIdentifier: aws.String(collaborationID)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, cleanroom.Classify(op, "", err)
		}
		for _, s := range page.SchemaSummaries {
			if s.Name != nil {
				names = append(names, *s.Name)
			}
		}
	}
	schemas := make(map[string]types.Schema, len(names))
	var requests []types.SchemaAnalysisRuleRequest
	for start := 0; start < len(names); start += batchLimit {
		batch := names[start:min(start+batchLimit, len(names))]
		out, err := api.BatchGetSchema(ctx, &cleanrooms.BatchGetSchemaInput{CollaborationIdentifier: aws.String(collaborationID), Names: batch})
		if err != nil {
			return nil, cleanroom.Classify(op, "", err)
		}
		for _, e := range out.Errors {
			return nil, batchError(op, aws.ToString(e.Name), aws.ToString(e.Code))
		}
		for _, s := range out.Schemas {
			name := aws.ToString(s.Name)
			schemas[name] = s
			for _, t := range s.AnalysisRuleTypes {
				requests = append(requests, types.SchemaAnalysisRuleRequest{Name: aws.String(name), Type: t})
			}
		}
	}
	rules := map[string][]types.AnalysisRule{}
	for start := 0; start < len(requests); start += batchLimit {
		batch := requests[start:min(start+batchLimit, len(requests))]
		out, err := api.BatchGetSchemaAnalysisRule(ctx, &cleanrooms.BatchGetSchemaAnalysisRuleInput{
			CollaborationIdentifier: aws.String(collaborationID), SchemaAnalysisRuleRequests: batch})
		if err != nil {
			return nil, cleanroom.Classify(op, "", err)
		}
		for _, e := range out.Errors {
			return nil, batchError(op, aws.ToString(e.Name), aws.ToString(e.Code))
		}
		for _, r := range out.AnalysisRules {
			name := aws.ToString(r.Name)
			rules[name] = append(rules[name], r)
		}
	}
	tables := make([]Table, 0, len(names))
	for _, n := range names {
		s, ok := schemas[n]
		if !ok {
			return nil, batchError(op, n, "ResourceNotFoundException")
		}
		tables = append(tables, FromSchema(s, rules[n]...))
	}
	return tables, nil
}

// batchError is the error of a batch call's error entry for one schema.
func batchError(op, name, code string) error {
	kind := cleanroom.ErrNotFound
	switch code {
	case "AccessDeniedException":
		kind = cleanroom.ErrAccessDenied
	case "ValidationException":
		kind = cleanroom.ErrInvalidInput
	case "ThrottlingException":
		kind = cleanroom.ErrThrottled
	case "InternalServerException":
		kind = cleanroom.ErrInternal
	}
	return &cleanroom.Error{Op: op, Key: name, Kind: kind, Reason: code,
		ResourceType: "SCHEMA", ResourceID: name, Err: errors.New("the service returned no schema or rule for this name (" + strconv.Quote(code) + ")")}
}
