// Package loopback holds what the wire fakes' SDK clients need to talk to
// a server on 127.0.0.1 reliably.
package loopback

import (
	"bytes"
	"io"
	"net/http"
)

// Transport wraps base (nil: http.DefaultTransport) so that the HTTP
// transport gets its own copy of each request body. The SDK closes the
// body it built as soon as the response arrives; on loopback that can be
// before the transport's write loop is done with it, and the transport
// then closes the connection while the response is still being read
// ("use of closed network connection", aws-sdk-go-v2 #2737). The SDK's
// standard retryer retries that, but the fakes' clients run without SDK
// retries, so a test failed about once in a hundred calls for a reason
// that is not the code under test.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return ownBodies{base}
}

type ownBodies struct{ base http.RoundTripper }

func (t ownBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return t.base.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(b))
	c.ContentLength = int64(len(b))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return t.base.RoundTrip(c)
}
