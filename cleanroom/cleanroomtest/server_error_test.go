package cleanroomtest_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
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

// TestServerRequestTooLarge: a body over MaxRequestBody is answered 413
// with a ValidationException, which a real SDK client surfaces typed and
// cleanroom classifies as invalid input; a body at the limit reaches the
// fake.
func TestServerRequestTooLarge(t *testing.T) {
	ctx := t.Context()
	f := cleanroomtest.NewCleanRooms()
	srv := cleanroomtest.NewCleanRoomsServer(f)
	defer srv.Close()
	api := srv.Client()
	m, err := cleanroomtest.NewMembership(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	start := func(size int) error {
		_, err := api.StartProtectedQuery(ctx, &cleanrooms.StartProtectedQueryInput{MembershipIdentifier: aws.String(m), Type: types.ProtectedQueryTypeSql,
			SqlParameters: &types.ProtectedQuerySQLParameters{QueryString: aws.String(strings.Repeat("a", size))},
			ResultConfiguration: &types.ProtectedQueryResultConfiguration{OutputConfiguration: &types.ProtectedQueryOutputConfigurationMemberS3{
				Value: types.ProtectedQueryS3OutputConfiguration{Bucket: aws.String("out"), ResultFormat: types.ResultFormatCsv}}}})
		return err
	}

	err = start(cleanroomtest.MaxRequestBody + 1)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "exceeds") || ve.FieldList != nil {
		t.Fatalf("over the limit: %v, want a ValidationException about the size without a field list", err)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: status %v, want 413", err)
	}
	if n := f.Calls("StartProtectedQuery"); n != 0 {
		t.Errorf("the fake received %d calls, want none (the server refuses the body)", n)
	}
	cerr := cleanroom.Classify("start query", "", err)
	var ce *cleanroom.Error
	if !errors.Is(cerr, cdpkit.ErrInvalid) || !errors.As(cerr, &ce) || ce.Kind != cleanroom.ErrInvalidInput || !errors.As(cerr, &ve) {
		t.Errorf("classified: %v, want cleanroom.ErrInvalidInput (cdpkit.ErrInvalid) keeping the SDK error", cerr)
	}

	// A body of exactly MaxRequestBody bytes reaches the fake (which
	// refuses the missing result configuration); one byte more does not,
	// with or without a Content-Length.
	post := func(size int, chunked bool) *http.Response {
		t.Helper()
		head, tail := `{"type":"SQL",`, `"sqlParameters":{"queryString":"SELECT 1"}}`
		var body io.Reader = strings.NewReader(head + strings.Repeat(" ", size-len(head)-len(tail)) + tail)
		if chunked {
			body = io.MultiReader(body) // hides the length from net/http
		}
		resp, err := http.Post(srv.URL()+"/memberships/"+m+"/protectedQueries", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	for _, chunked := range []bool{false, true} {
		if testing.Short() {
			// Decoding 8 MiB of JSON takes seconds under -race.
		} else if resp := post(cleanroomtest.MaxRequestBody, chunked); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("chunked %v: a body at the limit: status %d, want the fake's 400", chunked, resp.StatusCode)
		} else if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), "resultConfiguration") {
			t.Errorf("chunked %v: a body at the limit: %s, want the fake's validation of resultConfiguration", chunked, b)
		}
		if resp := post(cleanroomtest.MaxRequestBody+1, chunked); resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Amzn-ErrorType") != "ValidationException" {
			t.Errorf("chunked %v: over the limit: status %d, error type %q", chunked, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
}
