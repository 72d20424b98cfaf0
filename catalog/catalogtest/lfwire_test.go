package catalogtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/ram"

	"github.com/cdpkit/cdpkit/internal/awsjson"
)

// Every Lake Formation and RAM operation the server routes decodes exactly
// what the SDK's serializer sends, and encodes responses the SDK's
// deserializer reads back unchanged, every member populated.
func TestLakeFormationWireMatchesSDK(t *testing.T) {
	var body, reply []byte
	var path string
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		path = r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(reply)
	}))
	defer h.Close()
	cfg := aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(h.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
	}
	lf, rc := lakeformation.NewFromConfig(cfg), ram.NewFromConfig(cfg)
	routes := slices.Sorted(func(yield func(string) bool) {
		for k := range lfRoutes {
			if !yield(k) {
				return
			}
		}
	})
	ramNames := map[string]string{"/getresourceshareinvitations": "GetResourceShareInvitations", "/acceptresourceshareinvitation": "AcceptResourceShareInvitation"}
	f := &filler{}
	for _, route := range routes {
		client, codec, name := reflect.ValueOf(lf), lfJSON, strings.TrimPrefix(route, "/")
		if n, ok := ramNames[route]; ok {
			client, codec, name = reflect.ValueOf(rc), ramJSON, n
		}
		m := client.MethodByName(name)
		if !m.IsValid() {
			t.Errorf("%s: not a client method", name)
			continue
		}
		in := reflect.New(m.Type().In(1).Elem())
		f.fill(in.Elem(), 0)
		out := reflect.New(m.Type().Out(0).Elem())
		f.fill(out.Elem(), 0)
		var err error
		if reply, err = codec.Marshal(out.Interface()); err != nil {
			t.Fatalf("%s: marshal: %v", name, err)
		}
		res := m.Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
		if e, _ := res[1].Interface().(error); e != nil {
			t.Errorf("%s: SDK call: %v", name, e)
			continue
		}
		if path != route {
			t.Errorf("%s: SDK posted to %s", name, path)
		}
		dec := reflect.New(in.Type().Elem())
		if err := decode(codec, body, dec.Interface()); err != nil {
			t.Errorf("%s: server cannot decode the SDK's request: %v", name, err)
			continue
		}
		var diffs []string
		sameShape(in.Elem(), dec.Elem(), "in", &diffs)
		sameShape(out.Elem(), res[0].Elem(), "out", &diffs)
		if len(diffs) > 0 {
			t.Errorf("%s: members differ after the wire:\n%s", name, strings.Join(diffs, "\n"))
		}
	}
}

func decode(c *awsjson.Codec, body []byte, dst any) error { return c.Unmarshal(body, dst) }
