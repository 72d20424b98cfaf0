package loopback

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// closingBody fails every Read after Close, as the SDK's request body
// does once the SDK has closed it.
type closingBody struct {
	r      io.Reader
	closed bool
}

func (b *closingBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errors.New("read after close")
	}
	return b.r.Read(p)
}

func (b *closingBody) Close() error { b.closed = true; return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTransportOwnsTheBody: the base transport reads a body of its own,
// whole, even after the caller's body was closed.
func TestTransportOwnsTheBody(t *testing.T) {
	orig := &closingBody{r: strings.NewReader(`{"a":1}`)}
	var got string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		orig.Close() // the SDK closes its body while the transport still writes
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		got = string(b)
		if r.ContentLength != int64(len(b)) {
			t.Errorf("ContentLength %d for %d bytes", r.ContentLength, len(b))
		}
		again, _ := r.GetBody()
		if b2, _ := io.ReadAll(again); string(b2) != got {
			t.Error("GetBody gives other bytes")
		}
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", orig)
	if _, err := Transport(base).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got != `{"a":1}` {
		t.Errorf("body %q", got)
	}
	// Without it, the same sequence fails.
	orig2 := &closingBody{r: strings.NewReader(`{"a":1}`)}
	req2, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", orig2)
	orig = orig2
	if _, err := base.RoundTrip(req2); err == nil {
		t.Error("the unwrapped transport read a closed body")
	}
}
