package athenarun_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cdpkit/cdpkit/identity/athenarun"
	"github.com/cdpkit/cdpkit/identity/athenarun/athenatest"
)

// oneFile is a store holding one object.
type oneFile struct {
	key  string
	body []byte
}

func (f oneFile) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return &s3.ListObjectsV2Output{Contents: []s3types.Object{{Key: aws.String(f.key), Size: aws.Int64(int64(len(f.body)))}}}, nil
}

func (f oneFile) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(f.body))}, nil
}

func (f oneFile) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return &s3.DeleteObjectsOutput{}, nil
}

// A corrupt file under the output's location is ErrInvalid, not a panic:
// testdata/corrupt-output.parquet is an output file with a few bytes
// changed on which parquet-go's reader panics (makeslice: len out of
// range).
func TestOutputFilesCorrupt(t *testing.T) {
	body, err := os.ReadFile("testdata/corrupt-output.parquet")
	if err != nil {
		t.Fatal(err)
	}
	a := athenatest.NewAthena()
	defer a.Close()
	r, err := athenarun.New(a, oneFile{key: "tmp/out/part-0.parquet", body: body})
	if err != nil {
		t.Fatal(err)
	}
	res := &athenarun.Result{RunID: "x", Output: "resolved", Location: "s3://lake/tmp/out/"}
	n := 0
	for _, err := range r.OutputFiles(t.Context(), res) {
		if err != nil {
			if !errors.Is(err, athenarun.ErrInvalid) {
				t.Fatalf("OutputFiles = %v, want ErrInvalid", err)
			}
			return
		}
		n++
	}
	t.Fatalf("OutputFiles read %d rows from a corrupt file without an error", n)
}
