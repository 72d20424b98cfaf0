package catalog

import (
	"errors"
	"fmt"
	"net"
	"testing"
)

// TestTransientClosedConnection: a response cut by the HTTP transport
// closing its connection is worth another attempt; other errors without a
// category are not.
func TestTransientClosedConnection(t *testing.T) {
	if !transient(fmt.Errorf("failed to decode response body: %w", &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})) {
		t.Error("a closed connection is not transient")
	}
	if transient(errors.New("something else")) {
		t.Error("an unclassified error is transient")
	}
}
