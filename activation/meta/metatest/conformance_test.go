package metatest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

var (
	_ meta.AudienceAPI = (*metatest.Graph)(nil)
	_ meta.AudienceAPI = (*meta.Client)(nil)
)

func TestConformanceRecorder(t *testing.T) {
	metatest.RunGraph(t, func(t *testing.T) metatest.Target {
		m := metatest.NewModel()
		return metatest.ForModel(metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = m }), m)
	})
}

func TestConformanceServer(t *testing.T) {
	metatest.RunGraph(t, func(t *testing.T) metatest.Target {
		srv := metatest.NewGraphServer(metatest.NewGraph())
		t.Cleanup(srv.Close)
		return metatest.ForModel(srv.Client(), srv.Graph().Model)
	})
}

// lax accepts every users request, as a careless fake would.
type lax struct{ *metatest.Graph }

func (l lax) UpdateUsers(ctx context.Context, op meta.Operation, aud string, req *meta.UsersRequest) (*meta.UsersResponse, error) {
	resp, err := l.Graph.UpdateUsers(ctx, op, aud, req)
	if err != nil {
		return &meta.UsersResponse{NumReceived: int64(req.Rows())}, nil
	}
	return resp, nil
}

// The suite fails an implementation that does not enforce Graph's rules.
func TestSuiteCatchesLaxFake(t *testing.T) {
	m := metatest.NewModel()
	err := metatest.TestGraph(t.Context(), metatest.ForModel(lax{metatest.NewGraph(func(o *metatest.GraphOptions) { o.Model = m })}, m))
	if err == nil {
		t.Fatal("the suite passed a fake that accepts everything")
	}
	for _, name := range []string{"RejectsOverCap", "ReplaceNeedsFirstBatch", "NoBatchAfterLast", "UsersBlockedDuringReplace", "RestrictedAudience", "UnknownAudience", "CanceledContext"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("suite did not flag %s", name)
		}
	}
}
