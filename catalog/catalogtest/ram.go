package catalogtest

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ram"
	ramtypes "github.com/aws/aws-sdk-go-v2/service/ram/types"
	"github.com/aws/smithy-go"
)

// share is the RAM resource share Lake Formation creates (cross-account
// version 3) for the grants from one owner account to one recipient.
type share struct {
	arn, name  string
	owner      string
	recipient  string // an account, or an organization/OU ARN
	invitation *invitation
}

type invitation struct {
	arn      string
	share    *share
	status   ramtypes.ResourceShareInvitationStatus
	received time.Time
}

const invitationAccepted = ramtypes.ResourceShareInvitationStatusAccepted

// ensureShare creates the share from owner to recipient if there is none:
// an account gets a PENDING invitation; an organization share needs none.
func (w *lfWorld) ensureShare(owner, recipient string, org bool) {
	key := [2]string{owner, recipient}
	if w.shares[key] != nil {
		return
	}
	w.seq++
	n := strconv.Itoa(w.seq)
	s := &share{
		arn:       "arn:aws:ram:us-east-1:" + owner + ":resource-share/lf-" + n,
		name:      "LakeFormation-V3-" + n,
		owner:     owner,
		recipient: recipient,
	}
	if !org {
		s.invitation = &invitation{
			arn:      "arn:aws:ram:us-east-1:" + owner + ":resource-share-invitation/lf-" + n,
			share:    s,
			status:   ramtypes.ResourceShareInvitationStatusPending,
			received: w.now(),
		}
	}
	w.shares[key] = s
}

// shareFor returns the share a grant by owner to principal travels in.
func (w *lfWorld) shareFor(owner, principal string) *share {
	pk, acct, _ := principalKind(principal)
	if pk == "org" {
		acct = principal
	}
	if acct == "" || acct == owner {
		return nil
	}
	return w.shares[[2]string{owner, acct}]
}

// status is an invitation's status, PENDING turning EXPIRED after the TTL.
func (w *lfWorld) status(inv *invitation) ramtypes.ResourceShareInvitationStatus {
	if inv.status == ramtypes.ResourceShareInvitationStatusPending && w.now().Sub(inv.received) > w.opts.InvitationTTL {
		return ramtypes.ResourceShareInvitationStatusExpired
	}
	return inv.status
}

// RAM is the AWS Resource Access Manager of one account of a
// LakeFormation world: the invitations Lake Formation's cross-account
// grants send, listed and accepted on the recipient's side.
type RAM struct{ f *LakeFormation }

// RAM returns the RAM service of f's account.
func (f *LakeFormation) RAM() *RAM { return &RAM{f: f} }

func ramError(op string, code, msg string) error {
	m := aws.String(msg)
	var err error
	switch code {
	case "InvalidParameterException":
		err = &ramtypes.InvalidParameterException{Message: m}
	case "InvalidNextTokenException":
		err = &ramtypes.InvalidNextTokenException{Message: m}
	case "MissingRequiredParameterException":
		err = &ramtypes.MissingRequiredParameterException{Message: m}
	case "ResourceShareInvitationArnNotFoundException":
		err = &ramtypes.ResourceShareInvitationArnNotFoundException{Message: m}
	case "ResourceShareInvitationAlreadyAcceptedException":
		err = &ramtypes.ResourceShareInvitationAlreadyAcceptedException{Message: m}
	case "ResourceShareInvitationAlreadyRejectedException":
		err = &ramtypes.ResourceShareInvitationAlreadyRejectedException{Message: m}
	case "ResourceShareInvitationExpiredException":
		err = &ramtypes.ResourceShareInvitationExpiredException{Message: m}
	default:
		err = &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
	}
	return svcOpError("RAM", op, err)
}

func (r *RAM) view(inv *invitation) ramtypes.ResourceShareInvitation {
	return ramtypes.ResourceShareInvitation{
		ResourceShareInvitationArn: aws.String(inv.arn),
		ResourceShareArn:           aws.String(inv.share.arn),
		ResourceShareName:          aws.String(inv.share.name),
		SenderAccountId:            aws.String(inv.share.owner),
		ReceiverAccountId:          aws.String(inv.share.recipient),
		InvitationTimestamp:        aws.Time(inv.received),
		Status:                     r.f.w.status(inv),
	}
}

// GetResourceShareInvitations lists the invitations the caller's account
// received (sorted by ARN), paginated (maxResults 1-500).
func (r *RAM) GetResourceShareInvitations(ctx context.Context, in *ram.GetResourceShareInvitationsInput, _ ...func(*ram.Options)) (*ram.GetResourceShareInvitationsOutput, error) {
	const op = "GetResourceShareInvitations"
	if err := r.f.begin(ctx, "RAM", Call{Op: op}); err != nil {
		return nil, err
	}
	if in == nil {
		in = &ram.GetResourceShareInvitationsInput{}
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 500) {
		return nil, ramError(op, "InvalidParameterException", "maxResults must be 1 to 500")
	}
	a := r.f.lock()
	defer r.f.w.mu.Unlock()
	var all []*invitation
	for _, s := range r.f.w.shares {
		if s.invitation == nil || s.recipient != a.id {
			continue
		}
		if len(in.ResourceShareInvitationArns) > 0 && !slices.Contains(in.ResourceShareInvitationArns, s.invitation.arn) {
			continue
		}
		if len(in.ResourceShareArns) > 0 && !slices.Contains(in.ResourceShareArns, s.arn) {
			continue
		}
		all = append(all, s.invitation)
	}
	slices.SortFunc(all, func(x, y *invitation) int {
		if x.arn < y.arn {
			return -1
		}
		if x.arn > y.arn {
			return 1
		}
		return 0
	})
	items, next, err := lfPage(all, in.NextToken, in.MaxResults, 500, 500)
	if err != nil {
		return nil, ramError(op, "InvalidNextTokenException", "the token is not valid")
	}
	out := &ram.GetResourceShareInvitationsOutput{ResourceShareInvitations: []ramtypes.ResourceShareInvitation{}, NextToken: next}
	for _, inv := range items {
		out.ResourceShareInvitations = append(out.ResourceShareInvitations, r.view(inv))
	}
	return out, nil
}

// AcceptResourceShareInvitation accepts a PENDING invitation addressed to
// the caller's account. The service's exceptions: already accepted,
// already rejected, expired, unknown ARN.
func (r *RAM) AcceptResourceShareInvitation(ctx context.Context, in *ram.AcceptResourceShareInvitationInput, _ ...func(*ram.Options)) (*ram.AcceptResourceShareInvitationOutput, error) {
	const op = "AcceptResourceShareInvitation"
	if err := r.f.begin(ctx, "RAM", Call{Op: op, Write: true}); err != nil {
		return nil, err
	}
	if in == nil || aws.ToString(in.ResourceShareInvitationArn) == "" {
		return nil, ramError(op, "MissingRequiredParameterException", "resourceShareInvitationArn is required")
	}
	a := r.f.lock()
	defer r.f.w.mu.Unlock()
	var inv *invitation
	for _, s := range r.f.w.shares {
		if s.invitation != nil && s.invitation.arn == *in.ResourceShareInvitationArn && s.recipient == a.id {
			inv = s.invitation
		}
	}
	if inv == nil {
		return nil, ramError(op, "ResourceShareInvitationArnNotFoundException", "invitation not found")
	}
	switch r.f.w.status(inv) {
	case ramtypes.ResourceShareInvitationStatusAccepted:
		return nil, ramError(op, "ResourceShareInvitationAlreadyAcceptedException", "invitation already accepted")
	case ramtypes.ResourceShareInvitationStatusRejected:
		return nil, ramError(op, "ResourceShareInvitationAlreadyRejectedException", "invitation already rejected")
	case ramtypes.ResourceShareInvitationStatusExpired:
		return nil, ramError(op, "ResourceShareInvitationExpiredException", "invitation expired")
	}
	inv.status = ramtypes.ResourceShareInvitationStatusAccepted
	v := r.view(inv)
	return &ram.AcceptResourceShareInvitationOutput{ResourceShareInvitation: &v, ClientToken: in.ClientToken}, nil
}
