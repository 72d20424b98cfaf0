package meta

import (
	"encoding/json"
	"net/http"
	"time"
)

// Rate-limit header names (Graph API).
const (
	HeaderAppUsage        = "X-App-Usage"
	HeaderAdAccountUsage  = "X-Ad-Account-Usage"
	HeaderBusinessUseCase = "X-Business-Use-Case-Usage"
)

// Usage is what the Graph rate-limit headers of one response say. Fields are
// nil or empty when the header was absent (Meta only sends them once usage
// is non-trivial) or unparseable.
type Usage struct {
	// App is X-App-Usage (percentages).
	App *AppUsage
	// AdAccount is X-Ad-Account-Usage.
	AdAccount *AdAccountUsage
	// Business is X-Business-Use-Case-Usage, flattened: one entry per
	// business object id and use-case type.
	Business []BusinessUseCaseUsage
}

// AppUsage is X-App-Usage: percentages of the app's platform limits.
type AppUsage struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
}

// AdAccountUsage is X-Ad-Account-Usage.
type AdAccountUsage struct {
	// UtilPercent is acc_id_util_pct.
	UtilPercent float64 `json:"acc_id_util_pct"`
	// ResetTimeDuration is reset_time_duration, in seconds.
	ResetTimeDuration float64 `json:"reset_time_duration"`
	AccessTier        string  `json:"ads_api_access_tier"`
}

// BusinessUseCaseUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUseCaseUsage struct {
	// ObjectID is the business object (ad account) the entry is keyed by.
	ObjectID string `json:"-"`
	// Type is the use case, e.g. "custom_audience" or "ads_management".
	Type         string  `json:"type"`
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	// RegainAccessMinutes is estimated_time_to_regain_access, in minutes.
	RegainAccessMinutes float64 `json:"estimated_time_to_regain_access"`
	AccessTier          string  `json:"ads_api_access_tier"`
}

// ParseUsage reads the rate-limit headers of h. It returns nil when none is
// present. Malformed headers are ignored.
func ParseUsage(h http.Header) *Usage {
	var u Usage
	found := false
	if v := h.Get(HeaderAppUsage); v != "" {
		var a AppUsage
		if json.Unmarshal([]byte(v), &a) == nil {
			u.App = &a
			found = true
		}
	}
	if v := h.Get(HeaderAdAccountUsage); v != "" {
		var a AdAccountUsage
		if json.Unmarshal([]byte(v), &a) == nil {
			u.AdAccount = &a
			found = true
		}
	}
	if v := h.Get(HeaderBusinessUseCase); v != "" {
		var m map[string][]BusinessUseCaseUsage
		if json.Unmarshal([]byte(v), &m) == nil {
			for id, entries := range m {
				for _, e := range entries {
					e.ObjectID = id
					u.Business = append(u.Business, e)
				}
			}
			found = len(u.Business) > 0 || found
		}
	}
	if !found {
		return nil
	}
	return &u
}

// Header renders u as Graph response headers (the inverse of ParseUsage);
// fakes use it.
func (u *Usage) Header() http.Header {
	h := http.Header{}
	if u == nil {
		return h
	}
	if u.App != nil {
		b, _ := json.Marshal(u.App)
		h.Set(HeaderAppUsage, string(b))
	}
	if u.AdAccount != nil {
		b, _ := json.Marshal(u.AdAccount)
		h.Set(HeaderAdAccountUsage, string(b))
	}
	if len(u.Business) > 0 {
		m := map[string][]BusinessUseCaseUsage{}
		for _, e := range u.Business {
			m[e.ObjectID] = append(m[e.ObjectID], e)
		}
		b, _ := json.Marshal(m)
		h.Set(HeaderBusinessUseCase, string(b))
	}
	return h
}

// MaxPercent returns the highest usage percentage in u (0 for nil).
// Meta starts throttling when any of them reaches 100.
func (u *Usage) MaxPercent() float64 {
	if u == nil {
		return 0
	}
	var m float64
	if u.App != nil {
		m = max(m, u.App.CallCount, u.App.TotalCPUTime, u.App.TotalTime)
	}
	if u.AdAccount != nil {
		m = max(m, u.AdAccount.UtilPercent)
	}
	for _, e := range u.Business {
		m = max(m, e.CallCount, e.TotalCPUTime, e.TotalTime)
	}
	return m
}

// RegainAccess returns how long Meta says to wait: the longest
// estimated_time_to_regain_access in u (minutes), or, when the ad account
// is at 100% (acc_id_util_pct), its reset_time_duration (seconds) if
// longer. It is 0 when neither applies, and values beyond a day are
// ignored as nonsense (the caller's backoff applies).
func (u *Usage) RegainAccess() time.Duration {
	if u == nil {
		return 0
	}
	var m float64
	for _, e := range u.Business {
		m = max(m, e.RegainAccessMinutes)
	}
	if a := u.AdAccount; a != nil && a.UtilPercent >= 100 {
		m = max(m, a.ResetTimeDuration/60)
	}
	if m <= 0 || m > 24*60 {
		return 0
	}
	return time.Duration(m * float64(time.Minute))
}
