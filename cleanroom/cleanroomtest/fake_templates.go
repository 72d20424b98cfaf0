package cleanroomtest

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// ---- analysis templates ----

// maxTemplates is the "Analysis templates per membership" quota.
const maxTemplates = 25

// CreateAnalysisTemplate implements the operation for SQL templates: the
// request is checked as cleanroom.ValidateCreateTemplate does, names are
// unique per membership (ConflictException ALREADY_EXISTS), and a
// membership holds at most 25 templates (ServiceQuotaExceededException).
func (f *CleanRooms) CreateAnalysisTemplate(ctx context.Context, in *cleanrooms.CreateAnalysisTemplateInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateAnalysisTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateAnalysisTemplate", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateCreateTemplate(in)); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, t := range f.templates {
		if aws.ToString(t.MembershipId) != *m.Id {
			continue
		}
		n++
		if aws.ToString(t.Name) == aws.ToString(in.Name) {
			return nil, conflict(types.ResourceTypeMembership, *t.Id, types.ConflictExceptionReasonAlreadyExists, "an analysis template with this name already exists")
		}
	}
	if n >= maxTemplates {
		return nil, &types.ServiceQuotaExceededException{Message: aws.String("quota exceeded"),
			QuotaName: aws.String("Analysis templates per membership"), QuotaValue: aws.Float64(maxTemplates)}
	}
	id := f.newID()
	now := f.now()
	t := clone(types.AnalysisTemplate{
		Arn: aws.String(f.arn("membership/" + *m.Id + "/analysistemplate/" + id)), Id: aws.String(id),
		CollaborationArn: m.CollaborationArn, CollaborationId: m.CollaborationId, MembershipArn: m.Arn, MembershipId: m.Id,
		Name: in.Name, Description: in.Description, Format: in.Format, Source: in.Source,
		AnalysisParameters: in.AnalysisParameters, Schema: in.Schema, CreateTime: now, UpdateTime: now,
	})
	if t.Schema == nil {
		t.Schema = &types.AnalysisSchema{ReferencedTables: []string{}}
	}
	f.templates[id] = &t
	f.tags[*t.Arn] = clone(in.Tags)
	return &cleanrooms.CreateAnalysisTemplateOutput{AnalysisTemplate: ptr(clone(t))}, nil
}

func (f *CleanRooms) template(mid, id *string) (*types.AnalysisTemplate, error) {
	m, err := f.membership(mid)
	if err != nil {
		return nil, err
	}
	if !isUUID(id) {
		return nil, badID("analysisTemplateIdentifier")
	}
	t, ok := f.templates[*id]
	if !ok || aws.ToString(t.MembershipId) != *m.Id {
		return nil, notFound(types.ResourceType("ANALYSIS_TEMPLATE"), *id)
	}
	return t, nil
}

// GetAnalysisTemplate implements the operation.
func (f *CleanRooms) GetAnalysisTemplate(ctx context.Context, in *cleanrooms.GetAnalysisTemplateInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetAnalysisTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetAnalysisTemplate", false); err != nil {
		return nil, err
	}
	t, err := f.template(in.MembershipIdentifier, in.AnalysisTemplateIdentifier)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetAnalysisTemplateOutput{AnalysisTemplate: ptr(clone(*t))}, nil
}

// UpdateAnalysisTemplate implements the operation: only the description
// changes in place.
func (f *CleanRooms) UpdateAnalysisTemplate(ctx context.Context, in *cleanrooms.UpdateAnalysisTemplateInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateAnalysisTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateAnalysisTemplate", true); err != nil {
		return nil, err
	}
	t, err := f.template(in.MembershipIdentifier, in.AnalysisTemplateIdentifier)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		t.Description = aws.String(*in.Description)
		if *in.Description == "" {
			t.Description = nil
		}
	}
	t.UpdateTime = f.now()
	return &cleanrooms.UpdateAnalysisTemplateOutput{AnalysisTemplate: ptr(clone(*t))}, nil
}

// DeleteAnalysisTemplate implements the operation.
func (f *CleanRooms) DeleteAnalysisTemplate(ctx context.Context, in *cleanrooms.DeleteAnalysisTemplateInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.DeleteAnalysisTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteAnalysisTemplate", true); err != nil {
		return nil, err
	}
	t, err := f.template(in.MembershipIdentifier, in.AnalysisTemplateIdentifier)
	if err != nil {
		return nil, err
	}
	delete(f.templates, *t.Id)
	delete(f.tags, *t.Arn)
	return &cleanrooms.DeleteAnalysisTemplateOutput{}, nil
}

// ListAnalysisTemplates implements the operation.
func (f *CleanRooms) ListAnalysisTemplates(ctx context.Context, in *cleanrooms.ListAnalysisTemplatesInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListAnalysisTemplatesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListAnalysisTemplates", false); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	var all []types.AnalysisTemplateSummary
	for _, t := range f.templates {
		if aws.ToString(t.MembershipId) != *m.Id {
			continue
		}
		all = append(all, types.AnalysisTemplateSummary{Arn: t.Arn, Id: t.Id, Name: t.Name, Description: t.Description,
			CollaborationArn: t.CollaborationArn, CollaborationId: t.CollaborationId, MembershipArn: t.MembershipArn,
			MembershipId: t.MembershipId, CreateTime: t.CreateTime, UpdateTime: t.UpdateTime})
	}
	slices.SortFunc(all, func(a, b types.AnalysisTemplateSummary) int { return strings.Compare(*a.Id, *b.Id) })
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListAnalysisTemplatesOutput{AnalysisTemplateSummaries: page, NextToken: next}, nil
}

// templateByARN finds a template anywhere in a collaboration (another
// member's template may be run when a rule allows it).
func (f *CleanRooms) templateByARN(collaborationID, arn string) *types.AnalysisTemplate {
	for _, t := range f.templates {
		if aws.ToString(t.Arn) == arn && aws.ToString(t.CollaborationId) == collaborationID {
			return t
		}
	}
	return nil
}
