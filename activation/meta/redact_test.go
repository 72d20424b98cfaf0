package meta_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

// Graph's error texts may echo request data; the Client redacts them before
// they reach an APIError, its message or a log.
func TestGraphErrorTextRedacted(t *testing.T) {
	const (
		madid = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
		phone = "16505551234"
		email = "ana@example.com"
	)
	d := digest("echo", 1, "EMAIL")
	body := fmt.Sprintf(`{"error":{"message":"(#100) bad value %s for %s","code":100,"error_user_title":"Invalid %s","error_user_msg":"Row has '%s'","fbtrace_id":"T"}}`, d, madid, phone, email)
	srv, _ := capture(t, 400, body, nil)
	var logs bytes.Buffer
	client := meta.NewClient("tok", func(o *meta.ClientOptions) {
		o.BaseURL = srv.URL
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := client.UpdateUsers(t.Context(), meta.Add, "9", testRequest(t))
	var ae *meta.APIError
	if !errors.As(err, &ae) || ae.Code != 100 {
		t.Fatalf("got %v", err)
	}
	texts := map[string]string{"error": err.Error(), "message": ae.Message, "user title": ae.UserTitle,
		"user message": ae.UserMessage, "log": logs.String()}
	for name, s := range texts {
		for i, v := range []string{d, madid, phone, email} {
			if strings.Contains(s, v) {
				t.Errorf("%s holds echoed value %d", name, i)
			}
		}
	}
	if !strings.Contains(ae.Message, "(#100) bad value") {
		t.Errorf("message lost its text: %q", ae.Message)
	}
}

// A transport failure logs no URL, so no appsecret_proof.
func TestTransportLogHasNoProof(t *testing.T) {
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	aud := srv.Graph().Model.AddAudience()
	srv.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.Reset}))
	var logs bytes.Buffer
	client := srv.Client(func(o *meta.ClientOptions) {
		o.AppSecret = "secret"
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if _, err := client.UpdateUsers(t.Context(), meta.Add, aud, testRequest(t)); !errors.Is(err, meta.ErrTransient) {
		t.Fatalf("got %v", err)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing logged")
	}
	if strings.Contains(logs.String(), "appsecret_proof") || strings.Contains(logs.String(), srv.URL()) {
		t.Error("log holds the request URL")
	}
}

// A long Graph message is cut at a character boundary.
func TestLongMessageCutCleanly(t *testing.T) {
	e := &meta.APIError{Code: 1, Message: "x" + strings.Repeat("é", 150)}
	if s := e.Error(); !utf8.ValidString(s) || !strings.HasSuffix(s, "...") {
		t.Errorf("message cut badly (valid UTF-8: %v)", utf8.ValidString(s))
	}
}
