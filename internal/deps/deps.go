//go:build tools

// Package deps pins the module's dependencies while the packages that use
// them are being written, so that `go mod tidy` keeps them. It is never built.
package deps

import (
	_ "github.com/apache/arrow-go/v18/arrow"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	_ "github.com/aws/aws-sdk-go-v2/service/glue"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/smithy-go"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/johannesboyne/gofakes3"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/parquet-go/parquet-go"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/text/unicode/norm"
	_ "modernc.org/sqlite"
)
