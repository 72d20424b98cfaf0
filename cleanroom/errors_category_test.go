package cleanroom_test

import (
	"errors"
	"testing"

	"github.com/cdpkit/cdpkit"
	"github.com/cdpkit/cdpkit/cleanroom"
)

// TestSentinelsMatchSharedCategories: every package sentinel, and an
// *Error carrying it, matches its cdpkit category.
func TestSentinelsMatchSharedCategories(t *testing.T) {
	for _, tc := range []struct {
		kind, category error
	}{
		{cleanroom.ErrInvalidInput, cdpkit.ErrInvalid},
		{cleanroom.ErrConflict, cdpkit.ErrConflict},
		{cleanroom.ErrAlreadyExists, cdpkit.ErrAlreadyExists},
		{cleanroom.ErrQuota, cdpkit.ErrLimitExceeded},
		{cleanroom.ErrNotFound, cdpkit.ErrNotFound},
		{cleanroom.ErrAccessDenied, cdpkit.ErrAccessDenied},
		{cleanroom.ErrThrottled, cdpkit.ErrThrottled},
		{cleanroom.ErrInternal, cdpkit.ErrUnavailable},
		{cleanroom.ErrReplacementRequired, cdpkit.ErrConflict},
		{cleanroom.ErrQueryFailed, cdpkit.ErrFailed},
		{cleanroom.ErrQueryCanceled, cdpkit.ErrCanceled},
		{cleanroom.ErrQueryTimedOut, cdpkit.ErrFailed},
	} {
		err := &cleanroom.Error{Op: "op", Kind: tc.kind}
		if !errors.Is(tc.kind, tc.category) || !errors.Is(err, tc.category) || !errors.Is(err, tc.kind) || cdpkit.Category(err) != tc.category {
			t.Errorf("%v does not match %v", tc.kind, tc.category)
		}
	}
	// Already-exists is also a conflict.
	if !errors.Is(&cleanroom.Error{Kind: cleanroom.ErrAlreadyExists}, cdpkit.ErrConflict) {
		t.Error("ErrAlreadyExists does not match cdpkit.ErrConflict")
	}
}
