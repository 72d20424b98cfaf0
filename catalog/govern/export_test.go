package govern

import "os"

// ForceSearch reports whether this run reads every plan's tables through
// SearchTablesByLFTags (CDPKIT_GOVERN_FORCE_SEARCH=1).
func ForceSearch() bool { return forceSearch }

func init() { forceSearch = os.Getenv("CDPKIT_GOVERN_FORCE_SEARCH") == "1" }
