package meta_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
)

// A redirect is not followed: Go would turn a redirected POST into a GET
// without the payload, whose 200 answer would look like an acknowledgement
// of rows that were never sent.
func TestRedirectNotFollowed(t *testing.T) {
	gets := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets++
			io.WriteString(w, `{"id":"9"}`)
			return
		}
		http.Redirect(w, r, "/v25.0/9", http.StatusFound)
	}))
	defer srv.Close()
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL })
	resp, err := client.UpdateUsers(t.Context(), meta.Add, "9", testRequest(t))
	if err == nil {
		t.Fatalf("redirected request acknowledged: %+v", resp)
	}
	var ae *meta.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusFound || !errors.Is(err, meta.ErrPermanent) {
		t.Errorf("got %v, want a permanent error with HTTP 302", err)
	}
	if gets != 0 {
		t.Errorf("redirect followed %d times", gets)
	}
}

// With a caller's client that follows redirects, a POST turned into a GET
// is still an error.
func TestRedirectFollowedByCallerClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, `{"id":"9"}`)
			return
		}
		http.Redirect(w, r, "/v25.0/9", http.StatusFound)
	}))
	defer srv.Close()
	client := meta.NewClient("tok", func(o *meta.ClientOptions) { o.BaseURL = srv.URL; o.HTTPClient = srv.Client() })
	if _, err := client.UpdateUsers(t.Context(), meta.Add, "9", testRequest(t)); !errors.Is(err, meta.ErrPermanent) {
		t.Fatalf("got %v, want a permanent error", err)
	}
}
