package cleanroomtest

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// ---- collaborations and memberships ----

type collabRec struct {
	c       types.Collaboration // MemberStatus and Membership* are per caller: see view
	members []types.MemberSummary
}

func (r *collabRec) member(account string) int {
	return slices.IndexFunc(r.members, func(m types.MemberSummary) bool { return aws.ToString(m.AccountId) == account })
}

// visible reports whether the caller is a member that has not left.
func (f *CleanRooms) visible(r *collabRec) (int, bool) {
	i := r.member(f.account)
	return i, i >= 0 && (r.members[i].Status == types.MemberStatusInvited || r.members[i].Status == types.MemberStatusActive)
}

// view is the collaboration as the caller sees it.
func (f *CleanRooms) view(r *collabRec) types.Collaboration {
	c := clone(r.c)
	if i := r.member(f.account); i >= 0 {
		c.MemberStatus, c.MembershipId, c.MembershipArn = r.members[i].Status, r.members[i].MembershipId, r.members[i].MembershipArn
	}
	return c
}

func accessDenied() error { return &types.AccessDeniedException{Message: aws.String("access denied")} }

// CreateCollaboration implements the operation: the caller becomes the
// creator (a member with status INVITED until it creates its membership);
// members are invited. The creator cannot also be listed as a member.
func (f *CleanRooms) CreateCollaboration(ctx context.Context, in *cleanrooms.CreateCollaborationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateCollaborationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateCollaboration", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateCreateCollaboration(in)); err != nil {
		return nil, err
	}
	seen := map[string]bool{f.account: true}
	for i, m := range in.Members {
		if seen[aws.ToString(m.AccountId)] {
			return nil, validation(cleanroom.Problems{{Path: "members[" + itoa(i) + "].accountId", Reason: cleanroom.ReasonDuplicate, Severity: cleanroom.SeverityError}})
		}
		seen[aws.ToString(m.AccountId)] = true
	}
	id := f.newID()
	now := f.now()
	c := types.Collaboration{
		Arn: aws.String(f.arn("collaboration/" + id)), Id: aws.String(id), Name: in.Name, Description: in.Description,
		CreatorAccountId: aws.String(f.account), CreatorDisplayName: in.CreatorDisplayName,
		QueryLogStatus: in.QueryLogStatus, JobLogStatus: in.JobLogStatus,
		DataEncryptionMetadata: in.DataEncryptionMetadata, AnalyticsEngine: in.AnalyticsEngine,
		CreateTime: now, UpdateTime: now,
	}
	rec := &collabRec{c: clone(c)}
	rec.members = append(rec.members, types.MemberSummary{
		AccountId: aws.String(f.account), DisplayName: in.CreatorDisplayName, PaymentConfiguration: clone(in.CreatorPaymentConfiguration),
		Abilities: slices.Clone(in.CreatorMemberAbilities), Status: types.MemberStatusInvited, CreateTime: now, UpdateTime: now})
	for _, m := range in.Members {
		rec.members = append(rec.members, types.MemberSummary{
			AccountId: m.AccountId, DisplayName: m.DisplayName, Abilities: slices.Clone(m.MemberAbilities),
			PaymentConfiguration: clone(m.PaymentConfiguration),
			Status:               types.MemberStatusInvited, CreateTime: now, UpdateTime: now})
	}
	f.collabs[id] = rec
	f.tags[*c.Arn] = clone(in.Tags)
	return &cleanrooms.CreateCollaborationOutput{Collaboration: ptr(f.view(rec))}, nil
}

// GetCollaboration implements the operation. A collaboration the account
// is not a member of, or that does not exist, is AccessDeniedException, as
// the service does for cross-account resources.
func (f *CleanRooms) GetCollaboration(ctx context.Context, in *cleanrooms.GetCollaborationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetCollaborationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetCollaboration", false); err != nil {
		return nil, err
	}
	rec, ok := f.collabs[aws.ToString(in.CollaborationIdentifier)]
	if !ok {
		return nil, accessDenied()
	}
	if _, ok := f.visible(rec); !ok {
		return nil, accessDenied()
	}
	return &cleanrooms.GetCollaborationOutput{Collaboration: ptr(f.view(rec))}, nil
}

// ListCollaborations implements the operation: the collaborations the
// caller is an INVITED or ACTIVE member of (MemberStatus filters), oldest
// first.
func (f *CleanRooms) ListCollaborations(ctx context.Context, in *cleanrooms.ListCollaborationsInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListCollaborationsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListCollaborations", false); err != nil {
		return nil, err
	}
	var all []types.CollaborationSummary
	for _, rec := range f.collabs {
		if _, ok := f.visible(rec); !ok {
			continue
		}
		c := f.view(rec)
		if in.MemberStatus != "" && string(in.MemberStatus) != string(c.MemberStatus) {
			continue
		}
		all = append(all, types.CollaborationSummary{Arn: c.Arn, Id: c.Id, Name: c.Name, CreateTime: c.CreateTime, UpdateTime: c.UpdateTime,
			CreatorAccountId: c.CreatorAccountId, CreatorDisplayName: c.CreatorDisplayName, MemberStatus: c.MemberStatus,
			MembershipId: c.MembershipId, MembershipArn: c.MembershipArn, AnalyticsEngine: c.AnalyticsEngine})
	}
	slices.SortFunc(all, func(a, b types.CollaborationSummary) int { return strings.Compare(*a.Id, *b.Id) })
	page, next, err := paginate(f, all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListCollaborationsOutput{CollaborationList: page, NextToken: next}, nil
}

// UpdateCollaboration implements the operation (creator only): name,
// description and analytics engine.
func (f *CleanRooms) UpdateCollaboration(ctx context.Context, in *cleanrooms.UpdateCollaborationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateCollaborationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateCollaboration", true); err != nil {
		return nil, err
	}
	rec, ok := f.collabs[aws.ToString(in.CollaborationIdentifier)]
	if !ok || aws.ToString(rec.c.CreatorAccountId) != f.account {
		return nil, accessDenied()
	}
	if in.Name != nil {
		rec.c.Name = aws.String(*in.Name)
	}
	if in.Description != nil {
		rec.c.Description = aws.String(*in.Description)
	}
	if in.AnalyticsEngine != "" {
		rec.c.AnalyticsEngine = in.AnalyticsEngine
	}
	rec.c.UpdateTime = f.now()
	return &cleanrooms.UpdateCollaborationOutput{Collaboration: ptr(f.view(rec))}, nil
}

// ListMembers implements the operation (one page).
func (f *CleanRooms) ListMembers(ctx context.Context, in *cleanrooms.ListMembersInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListMembersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListMembers", false); err != nil {
		return nil, err
	}
	rec, ok := f.collabs[aws.ToString(in.CollaborationIdentifier)]
	if !ok {
		return nil, accessDenied()
	}
	if _, ok := f.visible(rec); !ok {
		return nil, accessDenied()
	}
	page, next, err := paginate(f, clone(rec.members), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListMembersOutput{MemberSummaries: page, NextToken: next}, nil
}

// CreateMembership implements the operation: the caller joins a
// collaboration it is invited to (ConflictException if already joined).
// The payment configuration must echo the creator's choice for the
// caller: isResponsible true exactly when the creator made it the payer
// (ValidationException otherwise).
func (f *CleanRooms) CreateMembership(ctx context.Context, in *cleanrooms.CreateMembershipInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.CreateMembershipOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateMembership", true); err != nil {
		return nil, err
	}
	if !isUUID(in.CollaborationIdentifier) {
		return nil, badID("collaborationIdentifier")
	}
	if in.QueryLogStatus == "" {
		return nil, validation(cleanroom.Problems{{Path: "queryLogStatus", Reason: cleanroom.ReasonRequired, Severity: cleanroom.SeverityError}})
	}
	if err := validation(cleanroom.ValidateMembershipResults(in.DefaultResultConfiguration)); err != nil {
		return nil, err
	}
	rec, ok := f.collabs[*in.CollaborationIdentifier]
	if !ok {
		return nil, notFound(types.ResourceTypeCollaboration, *in.CollaborationIdentifier)
	}
	i := rec.member(f.account)
	if i < 0 {
		return nil, accessDenied()
	}
	if rec.members[i].MembershipId != nil {
		return nil, conflict(types.ResourceTypeMembership, *rec.members[i].MembershipId, types.ConflictExceptionReasonAlreadyExists, "membership already exists")
	}
	if in.PaymentConfiguration != nil && in.PaymentConfiguration.QueryCompute != nil {
		want := payer(rec, i)
		if aws.ToBool(in.PaymentConfiguration.QueryCompute.IsResponsible) != want {
			return nil, validation(cleanroom.Problems{{Path: "paymentConfiguration.queryCompute.isResponsible", Reason: cleanroom.ReasonPayment, Severity: cleanroom.SeverityError}})
		}
	}
	id := f.newID()
	now := f.now()
	m := types.Membership{
		Arn: aws.String(f.arn("membership/" + id)), Id: aws.String(id),
		CollaborationArn: rec.c.Arn, CollaborationId: rec.c.Id, CollaborationName: rec.c.Name,
		CollaborationCreatorAccountId: rec.c.CreatorAccountId, CollaborationCreatorDisplayName: rec.c.CreatorDisplayName,
		MemberAbilities: slices.Clone(rec.members[i].Abilities), QueryLogStatus: in.QueryLogStatus,
		Status: types.MembershipStatusActive, CreateTime: now, UpdateTime: now,
		DefaultResultConfiguration: clone(in.DefaultResultConfiguration),
		PaymentConfiguration: &types.MembershipPaymentConfiguration{QueryCompute: &types.MembershipQueryComputePaymentConfig{
			IsResponsible: aws.Bool(payer(rec, i))}},
	}
	rec.members[i].MembershipId, rec.members[i].MembershipArn, rec.members[i].Status = m.Id, m.Arn, types.MemberStatusActive
	rec.members[i].UpdateTime = now
	f.memberships[id] = &m
	f.tags[*m.Arn] = clone(in.Tags)
	return &cleanrooms.CreateMembershipOutput{Membership: ptr(clone(m))}, nil
}

// payer reports whether member i pays for queries: the one configured so,
// else the member who can query (the creator when several can).
func payer(rec *collabRec, i int) bool {
	for _, m := range rec.members {
		if m.PaymentConfiguration != nil && m.PaymentConfiguration.QueryCompute != nil && aws.ToBool(m.PaymentConfiguration.QueryCompute.IsResponsible) {
			return aws.ToString(m.AccountId) == aws.ToString(rec.members[i].AccountId)
		}
	}
	for j, m := range rec.members {
		if slices.Contains(m.Abilities, types.MemberAbilityCanQuery) {
			return j == i
		}
	}
	return false
}

// GetMembership implements the operation.
func (f *CleanRooms) GetMembership(ctx context.Context, in *cleanrooms.GetMembershipInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetMembershipOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "GetMembership", false); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.GetMembershipOutput{Membership: ptr(clone(*m))}, nil
}

// UpdateMembership implements the operation: query log status and default
// result configuration.
func (f *CleanRooms) UpdateMembership(ctx context.Context, in *cleanrooms.UpdateMembershipInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.UpdateMembershipOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "UpdateMembership", true); err != nil {
		return nil, err
	}
	if err := validation(cleanroom.ValidateMembershipResults(in.DefaultResultConfiguration)); err != nil {
		return nil, err
	}
	m, err := f.membership(in.MembershipIdentifier)
	if err != nil {
		return nil, err
	}
	if in.QueryLogStatus != "" {
		m.QueryLogStatus = in.QueryLogStatus
	}
	if in.DefaultResultConfiguration != nil {
		m.DefaultResultConfiguration = clone(in.DefaultResultConfiguration)
	}
	m.UpdateTime = f.now()
	return &cleanrooms.UpdateMembershipOutput{Membership: ptr(clone(*m))}, nil
}

// ListMemberships implements the operation: the caller's memberships,
// optionally filtered by status.
func (f *CleanRooms) ListMemberships(ctx context.Context, in *cleanrooms.ListMembershipsInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.ListMembershipsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "ListMemberships", false); err != nil {
		return nil, err
	}
	var all []types.MembershipSummary
	for _, m := range f.memberships {
		if !f.owns(m.Arn) || (in.Status != "" && in.Status != m.Status) {
			continue
		}
		all = append(all, types.MembershipSummary{Arn: m.Arn, Id: m.Id, CollaborationArn: m.CollaborationArn, CollaborationId: m.CollaborationId,
			CollaborationName: m.CollaborationName, CollaborationCreatorAccountId: m.CollaborationCreatorAccountId,
			CollaborationCreatorDisplayName: m.CollaborationCreatorDisplayName, CreateTime: m.CreateTime, UpdateTime: m.UpdateTime,
			MemberAbilities: m.MemberAbilities, PaymentConfiguration: m.PaymentConfiguration, Status: m.Status})
	}
	slices.SortFunc(all, func(a, b types.MembershipSummary) int { return strings.Compare(*a.Id, *b.Id) })
	page, next, err := paginate(f, clone(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &cleanrooms.ListMembershipsOutput{MembershipSummaries: page, NextToken: next}, nil
}

func (f *CleanRooms) membership(id *string) (*types.Membership, error) {
	if !isUUID(id) {
		return nil, badID("membershipIdentifier")
	}
	m, ok := f.memberships[*id]
	if !ok || !f.owns(m.Arn) {
		return nil, notFound(types.ResourceTypeMembership, *id)
	}
	return m, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
