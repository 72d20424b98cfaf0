package cleanroomtest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// TestServerGenericErrorMessageIsJSON: an injected error whose message holds
// control and non-ASCII characters reaches the SDK client intact (the body
// is JSON, not a Go-quoted string).
func TestServerGenericErrorMessageIsJSON(t *testing.T) {
	f := cleanroomtest.NewCleanRooms()
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	const msg = "busy\x01 \u00e9\u2028 \"now\""
	f.FailNext("ListCollaborations", &smithy.GenericAPIError{Code: "InternalServerException", Message: msg})
	_, err := srv.Client(func(o *cleanrooms.Options) { o.RetryMaxAttempts = 1 }).ListCollaborations(t.Context(), &cleanrooms.ListCollaborationsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalServerException" || ae.ErrorMessage() != msg {
		t.Fatalf("err = %v, want InternalServerException with the message intact", err)
	}
}
