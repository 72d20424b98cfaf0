package athenarun_test

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// Every SDK error shape the runner meets maps to its shared category, the
// SDK error stays in the chain, and the runner's sentinels are the
// cdpkit categories.
func TestErrorCategories(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"invalid request", &types.InvalidRequestException{Message: aws.String("bad")}, athenarun.ErrInvalid},
		{"metadata", &types.MetadataException{Message: aws.String("no such table")}, athenarun.ErrNotFound},
		{"resource not found", &types.ResourceNotFoundException{Message: aws.String("no")}, athenarun.ErrNotFound},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}, athenarun.ErrAccessDenied},
		{"server fault", &types.InternalServerException{Message: aws.String("oops")}, athenarun.ErrUnavailable},
	} {
		synctest.Test(t, func(t *testing.T) {
			a := athenatest.NewAthena()
			defer a.Close()
			a.Inject("StartQueryExecution", 3, tc.err) // more than the retries
			r := newRunner(t, a, a.S3(), nil, func(o *athenarun.Options) { o.MaxRetries = 1 })
			_, err := r.Exec(t.Context(), "run", "step", "SELECT 1")
			if !errors.Is(err, tc.want) || cdpkit.Category(err) != tc.want {
				t.Fatalf("%s: Exec = %v, want category %v", tc.name, err, tc.want)
			}
			var e *athenarun.Error
			if !errors.As(err, &e) || e.Op != "StartQueryExecution" || !errors.As(err, new(smithy.APIError)) {
				t.Fatalf("%s: Exec = %v, want an *Error of StartQueryExecution with the SDK error", tc.name, err)
			}
		})
	}
	if athenarun.ErrNotFound != cdpkit.ErrNotFound {
		t.Error("ErrNotFound is not the shared category")
	}
}
