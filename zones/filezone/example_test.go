package filezone_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cdpkit/cdpkit/zones"
	"github.com/cdpkit/cdpkit/zones/filezone"
)

func Example() {
	dir, _ := os.MkdirTemp("", "lake")
	defer os.RemoveAll(dir)

	b, err := filezone.New(dir)
	if err != nil {
		panic(err)
	}
	store := zones.New(b)
	if _, err := store.Put(context.Background(), zones.Clean, "customers/dt=2026-11-23/part-0.parquet", strings.NewReader("PAR1")); err != nil {
		panic(err)
	}
	// Objects are plain files in a Hive-style tree.
	_, err = os.Stat(filepath.Join(dir, "clean", "customers", "dt=2026-11-23", "part-0.parquet"))
	fmt.Println(err == nil)
	// Output:
	// true
}
