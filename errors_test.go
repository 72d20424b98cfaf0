package cdpkit_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cdpkit/cdpkit"
)

func TestNewKindMatchesItsCategory(t *testing.T) {
	bound := cdpkit.NewKind("identity: bound exceeded", cdpkit.ErrLimitExceeded)
	err := fmt.Errorf("resolve: %w", bound)
	if !errors.Is(err, bound) {
		t.Fatal("errors.Is(err, kind) = false")
	}
	if !errors.Is(err, cdpkit.ErrLimitExceeded) {
		t.Fatal("errors.Is(err, ErrLimitExceeded) = false")
	}
	if errors.Is(err, cdpkit.ErrInvalid) {
		t.Fatal("errors.Is(err, ErrInvalid) = true")
	}
	if got := cdpkit.Category(err); got != cdpkit.ErrLimitExceeded {
		t.Fatalf("Category = %v, want ErrLimitExceeded", got)
	}
	if got := cdpkit.Category(errors.New("other")); got != nil {
		t.Fatalf("Category(other) = %v, want nil", got)
	}
	if got := cdpkit.Category(nil); got != nil {
		t.Fatalf("Category(nil) = %v", got)
	}
	loose := cdpkit.NewKind("x", nil)
	if cdpkit.Category(loose) != nil {
		t.Fatal("a kind without category matched one")
	}
}
