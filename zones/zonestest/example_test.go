package zonestest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/memzone"
	"github.com/cdpkit/cdpkit/zones/zonestest"
)

// A retry loop tested against a backend whose second Put is throttled.
func ExampleNewFaulty() {
	ctx := context.Background()
	faulty := zonestest.NewFaulty(memzone.New(), zonestest.Fault{Op: zonestest.OpPut, Nth: 2, Kind: zones.ErrThrottled})
	s := zones.New(faulty)

	put := func(key string) (attempts int, err error) {
		for attempts = 1; attempts <= 3; attempts++ {
			_, err = s.Put(ctx, zones.Clean, key, strings.NewReader("x"))
			if !errors.Is(err, zones.ErrThrottled) {
				return attempts, err
			}
		}
		return attempts, err
	}
	for _, k := range []string{"a", "b"} {
		n, err := put(k)
		fmt.Println(k, "attempts:", n, "err:", err)
	}
	for _, c := range faulty.Calls() {
		fmt.Println(c.Op, c.Key, c.Injected)
	}
	// Output:
	// a attempts: 1 err: <nil>
	// b attempts: 2 err: <nil>
	// put clean/a false
	// put clean/b true
	// put clean/b false
}

// TestBackend runs the conformance suite outside go test.
func ExampleTestBackend() {
	err := zonestest.TestBackend(context.Background(), func() (zones.Backend, error) { return memzone.New(), nil },
		zonestest.Capabilities{SkipLarge: true})
	fmt.Println(err)
	// Output:
	// <nil>
}
