package c3r

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/cdpkit/cdpkit"
)

// Settings are a collaboration's cryptographic computing parameters (its
// data encryption metadata), fixed when the collaboration is created.
type Settings struct {
	// AllowCleartext lets a schema keep columns in cleartext.
	AllowCleartext bool `json:"allowCleartext"`
	// AllowDuplicates lets fingerprint columns repeat values.
	AllowDuplicates bool `json:"allowDuplicates"`
	// AllowJoinsOnColumnsWithDifferentNames uses one HMAC key for every
	// fingerprint column instead of one key per target column name.
	AllowJoinsOnColumnsWithDifferentNames bool `json:"allowJoinsOnColumnsWithDifferentNames"`
	// PreserveNulls keeps NULL as NULL instead of a random fingerprint or
	// a sealed NULL marker.
	PreserveNulls bool `json:"preserveNulls"`
}

// LowAssurance is every setting true.
func LowAssurance() Settings { return Settings{true, true, true, true} }

// HighAssurance is every setting false.
func HighAssurance() Settings { return Settings{} }

// CleanRoomsAPI is the one AWS Clean Rooms call this package makes;
// *cleanrooms.Client satisfies it, as does cleanroomtest's fake.
type CleanRoomsAPI interface {
	GetCollaboration(ctx context.Context, in *cleanrooms.GetCollaborationInput, optFns ...func(*cleanrooms.Options)) (*cleanrooms.GetCollaborationOutput, error)
}

// ReadSettings reads a collaboration's settings with GetCollaboration. A
// collaboration created without cryptographic computing is ErrNotAllowed.
// Service errors keep their SDK type in the chain and match cdpkit's
// categories (ErrNotFound, ErrAccessDenied, ErrThrottled, …).
func ReadSettings(ctx context.Context, api CleanRoomsAPI, collaborationID string) (Settings, error) {
	const op = "read settings"
	out, err := api.GetCollaboration(ctx, &cleanrooms.GetCollaborationInput{CollaborationIdentifier: aws.String(collaborationID)})
	if err != nil {
		return Settings{}, &Error{Op: op, Kind: serviceKind(ctx, err), Err: err}
	}
	if out == nil || out.Collaboration == nil || out.Collaboration.DataEncryptionMetadata == nil {
		return Settings{}, newErr(op, "", 0, ErrNotAllowed, "the collaboration has no cryptographic computing settings")
	}
	m := out.Collaboration.DataEncryptionMetadata
	return Settings{
		AllowCleartext:                        aws.ToBool(m.AllowCleartext),
		AllowDuplicates:                       aws.ToBool(m.AllowDuplicates),
		AllowJoinsOnColumnsWithDifferentNames: aws.ToBool(m.AllowJoinsOnColumnsWithDifferentNames),
		PreserveNulls:                         aws.ToBool(m.PreserveNulls),
	}, nil
}

// Metadata returns s as the SDK's DataEncryptionMetadata (for
// CreateCollaboration).
func (s Settings) Metadata() *types.DataEncryptionMetadata {
	return &types.DataEncryptionMetadata{
		AllowCleartext:                        aws.Bool(s.AllowCleartext),
		AllowDuplicates:                       aws.Bool(s.AllowDuplicates),
		AllowJoinsOnColumnsWithDifferentNames: aws.Bool(s.AllowJoinsOnColumnsWithDifferentNames),
		PreserveNulls:                         aws.Bool(s.PreserveNulls),
	}
}

func serviceKind(ctx context.Context, err error) error {
	var (
		nf *types.ResourceNotFoundException
		ad *types.AccessDeniedException
		th *types.ThrottlingException
		ve *types.ValidationException
		ie *types.InternalServerException
	)
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return cdpkit.ErrCanceled
	case errors.As(err, &nf):
		return cdpkit.ErrNotFound
	case errors.As(err, &ad):
		return cdpkit.ErrAccessDenied
	case errors.As(err, &th):
		return cdpkit.ErrThrottled
	case errors.As(err, &ve):
		return cdpkit.ErrInvalid
	case errors.As(err, &ie):
		return cdpkit.ErrUnavailable
	}
	return cdpkit.ErrFailed
}
