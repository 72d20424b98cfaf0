package meta

import "testing"

func TestRedact(t *testing.T) {
	d := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, tc := range []struct{ in, want string }{
		{"(#100) Invalid parameter", "(#100) Invalid parameter"},
		{"bad value " + d + " in row 3", "bad value [redacted] in row 3"},
		{"madid ab12cd340000111122223333444455556666 rejected", "madid [redacted] rejected"},
		{"user 'ana.b@example.com' not found", "user '[redacted]' not found"},
		{"trace AbCd12 at 2026", "trace AbCd12 at 2026"},
		{"(#2650) Failed to update the custom audience", "(#2650) Failed to update the custom audience"},
		{"madid 6D92078A-8246-4BA4-AE5B-76104861E7DC rejected", "madid [redacted] rejected"},
		{"phone +16505551234, country us", "phone [redacted], country us"},
		{"value=(650)5551234x", "value=(650)[redacted]"},
		{"email: ana@example.com.", "email: [redacted]"},
		{`data "` + d + `"`, `data "[redacted]"`},
	} {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(case %q) = %q", tc.want, got)
		}
	}
}
