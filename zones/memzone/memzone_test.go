package memzone_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func TestConformance(t *testing.T) {
	// The large-object checks use 4 MiB: memzone has no multipart path.
	zonestest.RunBackend(t, func(*testing.T) zones.Backend { return memzone.New() }, zonestest.Capabilities{LargeObjectSize: 4 << 20})
}
