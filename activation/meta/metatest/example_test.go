package metatest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cdpkit/cdpkit/activation/meta"
	"github.com/cdpkit/cdpkit/activation/meta/metatest"
	"github.com/cdpkit/cdpkit/hashing"
)

func ExampleServer() {
	ctx := context.Background()
	srv := metatest.NewGraphServer(metatest.NewGraph())
	defer srv.Close()
	audience := srv.Graph().Model.AddAudience()
	// The first request gets an HTML error page, the second a reset.
	srv.SetFaults(metatest.Script(metatest.Fault{Kind: metatest.HTML}, metatest.Fault{Kind: metatest.Reset}))

	sum := sha256.Sum256([]byte("ana@example.com"))
	email, _ := hashing.CellFromDigest(hashing.Email, hex.EncodeToString(sum[:]))
	req := &meta.UsersRequest{Schema: meta.Schema{hashing.Email}, Cells: []hashing.Cell{email},
		Session: meta.Session{ID: 1, BatchSeq: 1, Last: true}}
	client := srv.Client()
	for range 3 {
		resp, err := client.UpdateUsers(ctx, meta.Add, audience, req)
		switch {
		case errors.Is(err, meta.ErrTransient):
			fmt.Println("transient failure, retry")
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Println("received", resp.NumReceived)
		}
	}
	fmt.Println(srv.Stats().Requests, "requests, members:", srv.Graph().Model.Size(audience))
	// Output:
	// transient failure, retry
	// transient failure, retry
	// received 1
	// 3 requests, members: 1
}
