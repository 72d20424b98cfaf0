package memzone_test

import (
	"testing"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

func TestConformance(t *testing.T) {
	zonestest.Run(t, func(*testing.T) zones.Backend { return memzone.New() })
}
