package meta_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cdpkit/cdpkit/activation/meta"
)

func TestRegainAccess(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want time.Duration
	}{
		{"none", nil, 0},
		{"buc minutes", map[string]string{meta.HeaderBusinessUseCase: `{"act_1":[{"type":"custom_audience","call_count":100,"estimated_time_to_regain_access":7},{"type":"ads_management","call_count":10,"estimated_time_to_regain_access":2}]}`}, 7 * time.Minute},
		{"buc fraction", map[string]string{meta.HeaderBusinessUseCase: `{"1":[{"type":"custom_audience","estimated_time_to_regain_access":0.5}]}`}, 30 * time.Second},
		{"ad account at limit", map[string]string{meta.HeaderAdAccountUsage: `{"acc_id_util_pct":100,"reset_time_duration":90}`}, 90 * time.Second},
		{"ad account below limit", map[string]string{meta.HeaderAdAccountUsage: `{"acc_id_util_pct":99,"reset_time_duration":90}`}, 0},
		{"longest wins", map[string]string{
			meta.HeaderAdAccountUsage:  `{"acc_id_util_pct":100,"reset_time_duration":600}`,
			meta.HeaderBusinessUseCase: `{"1":[{"type":"custom_audience","estimated_time_to_regain_access":3}]}`}, 10 * time.Minute},
		{"nonsense", map[string]string{meta.HeaderBusinessUseCase: `{"1":[{"type":"custom_audience","estimated_time_to_regain_access":100000}]}`}, 0},
		{"app usage has no wait", map[string]string{meta.HeaderAppUsage: `{"call_count":100}`}, 0},
	} {
		h := http.Header{}
		for k, v := range tc.hdr {
			h.Set(k, v)
		}
		if got := meta.ParseUsage(h).RegainAccess(); got != tc.want {
			t.Errorf("%s: RegainAccess %s, want %s", tc.name, got, tc.want)
		}
	}
}
