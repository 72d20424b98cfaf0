package govern

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 8
	// BatchSize is the number of entries per BatchGrantPermissions and
	// BatchRevokePermissions call (the service's documented limit).
	BatchSize = 20
	// TagValuesPerCall is the number of values per CreateLFTag and
	// UpdateLFTag call (the service's limit).
	TagValuesPerCall = 50
)

// Options configure a Governor. Zero values mean the defaults.
type Options struct {
	// RAM accepts invitations on a consumer's side (Spec.AcceptSharesFrom).
	// Nil makes a spec that needs it fail at Plan.
	RAM RAMAPI
	// IgnorePrincipals are principals whose grants are never revoked (for
	// example the roles that run this code). Data lake administrators are
	// always ignored: their implicit permissions cannot be revoked.
	IgnorePrincipals []string
	// MaxAttempts bounds the attempts of one call on
	// ConcurrentModificationException, a principal IAM has not yet made
	// visible ("Invalid principal"), throttling and transient faults. Zero
	// means DefaultMaxAttempts.
	MaxAttempts int
	// Backoff returns the wait before attempt n+1 (n >= 1). Nil means
	// DefaultBackoff.
	Backoff func(n int) time.Duration
	// Registrar configures the catalog.Registrar that keeps product tables
	// current (for example its CatalogID).
	Registrar []func(*catalog.Options)
	// Logger receives debug events (retries, batch sizes; never values).
	// Nil discards them.
	Logger *slog.Logger
	// Prune plans the removal of what a spec no longer lists but is marked
	// as its own (see MarkOwner): for a dropped product, the grants on its
	// database, tables, columns and filters, its data cells filters and its
	// LF-tag assignments (of keys the spec defines); for a table dropped
	// from a product, its LF-tag assignments; a dropped resource link, with
	// its grants. Without Prune the plan lists them under Plan.Orphans,
	// with what would be removed, and writes nothing for them.
	Prune bool
	// PruneData, with Prune, also deletes a dropped product's tables
	// marked as its own, and its database when every table in it was
	// marked (tables of others keep the database). It destroys metadata
	// (partitions, schema; never the S3 data), hence the separate opt-in.
	PruneData bool
}

// DefaultBackoff is exponential from 200ms, capped at 10s, with jitter over
// the upper half of each step: IAM propagation takes seconds.
func DefaultBackoff(n int) time.Duration {
	d := 200 * time.Millisecond
	for i := 1; i < n && d < 10*time.Second; i++ {
		d *= 2
	}
	d = min(d, 10*time.Second)
	return d/2 + rand.N(d/2+1)
}

// Governor plans and applies governance specs on one account's Data
// Catalog. It is safe for concurrent use; it holds no state besides its
// clients and options.
type Governor struct {
	lf   LakeFormationAPI
	glue GlueAPI
	reg  *catalog.Registrar
	opts Options
}

// New returns a Governor over a Lake Formation client and the same
// account's Glue client (a *lakeformation.Client and *glue.Client, or the
// catalogtest fakes).
func New(lf LakeFormationAPI, glue GlueAPI, optFns ...func(*Options)) *Governor {
	g := &Governor{lf: lf, glue: glue}
	for _, fn := range optFns {
		fn(&g.opts)
	}
	if g.opts.MaxAttempts <= 0 {
		g.opts.MaxAttempts = DefaultMaxAttempts
	}
	if g.opts.Backoff == nil {
		g.opts.Backoff = DefaultBackoff
	}
	if g.opts.Logger == nil {
		g.opts.Logger = slog.New(slog.DiscardHandler)
	}
	g.reg = catalog.New(glue, g.opts.Registrar...)
	return g
}

// retryable says whether the same request may succeed later: concurrent
// modification, a principal IAM has not made visible yet, throttling,
// transient faults.
func retryable(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		// The HTTP transport closed the connection while the response was
		// read (its write loop ends the connection after the answer came):
		// the SDK's standard retryer retries this too (aws-sdk-go-v2
		// #2949), but a client without SDK retries surfaces it.
		return true
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return retryableCode(ae.ErrorCode(), ae.ErrorMessage())
}

func retryableCode(code, msg string) bool {
	switch code {
	case "ConcurrentModificationException", "OperationTimeoutException", "InternalServiceException",
		"ThrottledException", "ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceUnavailableException":
		return true
	case "InvalidInputException":
		return strings.Contains(msg, "Invalid principal")
	}
	return false
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry calls fn until it succeeds, fails for good or runs out of
// attempts.
func (g *Governor) retry(ctx context.Context, op string, fn func() error) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn()
		if err == nil || !retryable(err) || n >= g.opts.MaxAttempts {
			return err
		}
		d := g.opts.Backoff(n)
		g.opts.Logger.DebugContext(ctx, "govern: retrying", "op", op, "attempt", n, "wait", d)
		if werr := sleep(ctx, d); werr != nil {
			return errors.Join(werr, err)
		}
	}
}

// isCode reports whether err is a service error with code (and, when msg is
// not empty, a message containing it).
func isCode(err error, code, msg string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code && strings.Contains(ae.ErrorMessage(), msg)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

func lower(s string) string { return strings.ToLower(s) }

// getTable reads a Glue table with retries.
func (g *Governor) getTable(ctx context.Context, catalogID *string, db, name string) (*glue.GetTableOutput, error) {
	var out *glue.GetTableOutput
	err := g.retry(ctx, "GetTable", func() (err error) {
		out, err = g.glue.GetTable(ctx, &glue.GetTableInput{CatalogId: catalogID, DatabaseName: aws.String(db), Name: aws.String(name)})
		return err
	})
	return out, err
}
