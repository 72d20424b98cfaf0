package metatest_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
)

var (
	_ meta.AudienceAPI = (*metatest.Recorder)(nil)
	_ meta.AudienceAPI = (*meta.Client)(nil)
)

func TestConformanceRecorder(t *testing.T) {
	metatest.RunAudienceAPI(t, func(t *testing.T) metatest.Target {
		m := metatest.NewModel()
		return metatest.ForModel(metatest.NewRecorder(m), m)
	})
}

func TestConformanceServer(t *testing.T) {
	metatest.RunAudienceAPI(t, func(t *testing.T) metatest.Target {
		srv := metatest.NewServer(nil)
		t.Cleanup(srv.Close)
		return metatest.ForModel(srv.Client(), srv.Model)
	})
}
