package meta_test

import (
	"fmt"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Every Graph error lands in exactly the categories of meta-audiences.md §2;
// retryable errors match ErrTransient and nothing permanent, and the reverse.
func TestErrorCategories(t *testing.T) {
	var (
		thr   = []error{meta.ErrThrottled, meta.ErrTransient}
		tr    = []error{meta.ErrTransient}
		perm  = []error{meta.ErrPermanent}
		auth  = []error{meta.ErrUnauthorized, meta.ErrPermanent}
		forb  = []error{meta.ErrForbidden, meta.ErrPermanent}
		inval = []error{meta.ErrInvalidInput, meta.ErrPermanent}
		repl  = []error{meta.ErrReplace, meta.ErrPermanent}
	)
	for _, tc := range []struct {
		e    meta.APIError
		want []error
	}{
		{meta.APIError{HTTPStatus: 500, Code: 1}, tr},
		{meta.APIError{HTTPStatus: 503, Code: 2, Transient: true}, tr},
		{meta.APIError{HTTPStatus: 400, Code: 4}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 17, Subcode: 2446079}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 32}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 341}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 613, Subcode: 1487742}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 80000}, thr},
		{meta.APIError{HTTPStatus: 429, Code: 80003}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 80014}, thr},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870145}, []error{meta.ErrAudienceBusy, meta.ErrTransient}},
		{meta.APIError{HTTPStatus: 400, Code: 2650}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870144}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870147}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870148}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870158}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870159}, repl},
		// is_transient is honoured, except on the replace subcodes whose
		// meaning the Uploader acts on.
		{meta.APIError{HTTPStatus: 400, Code: 2650, Transient: true}, []error{meta.ErrTransient, meta.ErrReplace}},
		{meta.APIError{HTTPStatus: 400, Code: 2650, Subcode: 1870159, Transient: true}, repl},
		{meta.APIError{HTTPStatus: 400, Code: 100, Transient: true}, []error{meta.ErrTransient, meta.ErrInvalidInput}},
		{meta.APIError{HTTPStatus: 400, Code: 368, Transient: true}, tr},
		{meta.APIError{HTTPStatus: 400, Code: 190, Subcode: 463}, auth},
		{meta.APIError{HTTPStatus: 401}, auth},
		{meta.APIError{HTTPStatus: 400, Code: 10}, forb},
		{meta.APIError{HTTPStatus: 400, Code: 200, Subcode: 1870090}, forb},
		{meta.APIError{HTTPStatus: 400, Code: 294}, forb},
		{meta.APIError{HTTPStatus: 403}, forb},
		{meta.APIError{HTTPStatus: 400, Code: 100}, inval},
		{meta.APIError{HTTPStatus: 400, Code: 105}, inval},
		{meta.APIError{HTTPStatus: 400, Code: 194}, inval},
		{meta.APIError{HTTPStatus: 400, Code: 100, Subcode: 33}, []error{meta.ErrNotFound, meta.ErrPermanent}},
		{meta.APIError{HTTPStatus: 400, Code: 100, Subcode: 1713230}, []error{meta.ErrAudienceRestricted, meta.ErrPermanent}},
		{meta.APIError{HTTPStatus: 400, Code: 1487366}, []error{meta.ErrNotFound, meta.ErrPermanent}},
		{meta.APIError{HTTPStatus: 400, Code: 2635}, perm},
		{meta.APIError{HTTPStatus: 400, Code: 368}, perm},
		{meta.APIError{HTTPStatus: 502}, tr},
		{meta.APIError{HTTPStatus: 429}, thr},
		{meta.APIError{HTTPStatus: 400}, perm},
	} {
		name := fmt.Sprintf("%d/%d http %d transient %v", tc.e.Code, tc.e.Subcode, tc.e.HTTPStatus, tc.e.Transient)
		if diff := cmp.Diff(tc.want, tc.e.Kinds(), cmpopts.EquateErrors()); diff != "" {
			t.Errorf("%s: kinds (-want +got):\n%s", name, diff)
		}
		for _, k := range tc.want {
			if !tc.e.Is(k) {
				t.Errorf("%s: does not match %v", name, k)
			}
		}
	}
}
