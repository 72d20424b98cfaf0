package c3r

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// cleanroomtest's fake satisfies the seam.
var _ CleanRoomsAPI = (*cleanroomtest.CleanRooms)(nil)

type collabAPI struct {
	meta *types.DataEncryptionMetadata
	err  error
}

func (c collabAPI) GetCollaboration(ctx context.Context, in *cleanrooms.GetCollaborationInput, _ ...func(*cleanrooms.Options)) (*cleanrooms.GetCollaborationOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.err != nil {
		return nil, c.err
	}
	return &cleanrooms.GetCollaborationOutput{Collaboration: &types.Collaboration{Id: in.CollaborationIdentifier, DataEncryptionMetadata: c.meta}}, nil
}

func TestReadSettings(t *testing.T) {
	ctx := t.Context()
	for combo := range 16 {
		want := Settings{combo&1 != 0, combo&2 != 0, combo&4 != 0, combo&8 != 0}
		got, err := ReadSettings(ctx, collabAPI{meta: want.Metadata()}, sampleSalt)
		if err != nil || got != want {
			t.Errorf("%+v: got %+v, %v", want, got, err)
		}
	}
	if _, err := ReadSettings(ctx, collabAPI{}, sampleSalt); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("no metadata: %v", err)
	}
	denied := &types.AccessDeniedException{Message: aws.String("no")}
	_, err := ReadSettings(ctx, collabAPI{err: denied}, sampleSalt)
	var ad *types.AccessDeniedException
	if !errors.Is(err, cdpkit.ErrAccessDenied) || !errors.As(err, &ad) {
		t.Errorf("access denied: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadSettings(cctx, collabAPI{meta: LowAssurance().Metadata()}, sampleSalt); !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
