package govern

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/smithy-go"
)

// TestRetryableClosedConnection: a response cut by the HTTP transport
// closing its connection is retried, as the SDK's standard retryer does;
// other transport errors and non-retryable service errors are not.
func TestRetryableClosedConnection(t *testing.T) {
	cut := fmt.Errorf("deserialization failed, failed to decode response body: %w", &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})
	if !retryable(cut) {
		t.Error("a closed connection is not retried")
	}
	if retryable(errors.New("dial tcp: connection refused")) {
		t.Error("an unrelated transport error is retried")
	}
	if retryable(&smithy.GenericAPIError{Code: "AccessDeniedException"}) {
		t.Error("access denied is retried")
	}
	if !retryable(&smithy.GenericAPIError{Code: "ThrottlingException"}) {
		t.Error("throttling is not retried")
	}
}
