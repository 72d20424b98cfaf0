package athenarun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"

	"github.com/cdpkit/cdpkit/identity"
)

// Assignment is one row of a Resolve output table: a record and the
// smallest record (by source, then key) of its cluster.
type Assignment struct {
	Record, Cluster identity.RecordRef
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Assignments reads an output table written by Resolve. The SELECT runs
// under a token derived from runID, so reading again in the same run
// reads the first query's results instead of scanning the table again.
func (r *Runner) Assignments(ctx context.Context, runID, table string) iter.Seq2[Assignment, error] {
	return func(yield func(Assignment, error) bool) {
		if !tableName.MatchString(table) {
			yield(Assignment{}, fmt.Errorf("%w: athenarun: assignments: table name is not a plain identifier", ErrInvalid))
			return
		}
		stmt := "SELECT source, record_key, cluster_source, cluster_key FROM " + table
		ex, err := r.run(ctx, "assignments", stmt, Token(runID, "assignments", stmt))
		if err != nil {
			yield(Assignment{}, err)
			return
		}
		if p := r.opts.Progress; p != nil {
			p(stepOf("assignments", table, ex))
		}
		for row, err := range r.Rows(ctx, ex.id) {
			if err != nil {
				yield(Assignment{}, err)
				return
			}
			if len(row.Values) != 4 {
				yield(Assignment{}, fmt.Errorf("%w: athenarun: assignments: %d columns, want 4", ErrInvalid, len(row.Values)))
				return
			}
			a := Assignment{
				Record:  identity.RecordRef{Source: row.String(0), Key: row.String(1)},
				Cluster: identity.RecordRef{Source: row.String(2), Key: row.String(3)},
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}

// clusterKind is the identifier kind Persons links records with.
const clusterKind = "athenarun_cluster"

// Records turns assignments into identity records that carry their
// cluster as their one identifier, so that identity.Resolve with
// PersonOptions rebuilds exactly those clusters.
func Records(assignments iter.Seq2[Assignment, error]) iter.Seq2[identity.Record, error] {
	return func(yield func(identity.Record, error) bool) {
		for a, err := range assignments {
			if err != nil {
				yield(identity.Record{}, err)
				return
			}
			// Length-prefixed, so distinct clusters never share a value.
			v := strconv.Itoa(len(a.Cluster.Source)) + ":" + a.Cluster.Source + a.Cluster.Key
			rec := identity.Record{Source: a.Record.Source, Key: a.Record.Key, Identifiers: []identity.Identifier{{Kind: clusterKind, Value: v}}}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// PersonOptions sets the rules of a resolution over Records: one rule on
// the cluster identifier, no blocklist and no degree caps. Apply it after
// the caller's options (Previous, Bounds, Concurrency ...).
func PersonOptions(o *identity.Options) {
	o.Rules = []identity.Rule{{Name: "athena", Kinds: []string{clusterKind}}}
	o.Blocked, o.DegreeCap, o.DefaultDegreeCap = nil, nil, 0
}

// Persons reads the output table of res and gives its clusters
// identity's stable person ids: identity.Resolve runs over Records with
// PersonOptions, so a new person's id comes from its smallest record as in
// process, and with Options.Previous ids carry over across runs by the
// same rules. Guards that have no SQL form (Limits, MaxClusterSize,
// Overrides) are refused with ErrInvalid, as sqlgen refuses them. Records
// carry no times on this path, so Person.FirstSeen is unknown and
// carry-over ties fall to the next criterion.
func (r *Runner) Persons(ctx context.Context, res *Result, opts ...func(*identity.Options)) (*identity.Result, error) {
	var o identity.Options
	for _, f := range opts {
		f(&o)
	}
	if len(o.Limits) > 0 || o.MaxClusterSize > 0 || len(o.Overrides) > 0 {
		return nil, fmt.Errorf("%w: athenarun: persons: limits, cluster-size caps and overrides have no SQL form; resolve in process", ErrInvalid)
	}
	all := append(append([]func(*identity.Options){}, opts...), PersonOptions)
	src := r.Assignments(ctx, res.RunID, res.Output)
	if r.opts.ReadOutputFiles {
		src = r.OutputFiles(ctx, res)
	}
	return identity.Resolve(ctx, Records(src), all...)
}

// outputRow is a row of the output table's files; source is missing from
// the files of a table partitioned by source (it is in the path).
type outputRow struct {
	Source        *string `parquet:"source,optional"`
	RecordKey     *string `parquet:"record_key,optional"`
	ClusterSource *string `parquet:"cluster_source,optional"`
	ClusterKey    *string `parquet:"cluster_key,optional"`
}

// OutputFiles reads the assignments from the output table's Parquet files
// under res.Location, one file at a time (each read whole into memory), in
// key order. For a table partitioned by source, the source comes from the
// partition's path segment (source=<value>/).
func (r *Runner) OutputFiles(ctx context.Context, res *Result) iter.Seq2[Assignment, error] {
	return func(yield func(Assignment, error) bool) {
		bucket, prefix, ok := strings.Cut(strings.TrimPrefix(res.Location, "s3://"), "/")
		if !ok || !strings.HasPrefix(res.Location, "s3://") || bucket == "" {
			yield(Assignment{}, fmt.Errorf("%w: athenarun: output files: the result has no s3:// location", ErrInvalid))
			return
		}
		var token *string
		for {
			page, err := call(ctx, r, "ListObjectsV2", "output files", func() (*s3.ListObjectsV2Output, error) {
				return r.store.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), ContinuationToken: token})
			})
			if err != nil {
				yield(Assignment{}, err)
				return
			}
			for _, o := range page.Contents {
				key := aws.ToString(o.Key)
				if aws.ToInt64(o.Size) == 0 || strings.HasSuffix(key, "/") || strings.HasSuffix(key, "$folder$") {
					continue
				}
				if !r.readFile(ctx, bucket, key, prefix, yield) {
					return
				}
			}
			if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
				return
			}
			token = page.NextContinuationToken
		}
	}
}

// readFile yields one file's assignments; false means stop.
func (r *Runner) readFile(ctx context.Context, bucket, key, prefix string, yield func(Assignment, error) bool) bool {
	fail := func(err error) bool {
		yield(Assignment{}, err)
		return false
	}
	obj, err := call(ctx, r, "GetObject", "output files", func() (*s3.GetObjectOutput, error) {
		return r.store.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	})
	if err != nil {
		return fail(err)
	}
	body, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		return fail(apiError("GetObject", "output files", err))
	}
	rows, err := readOutputRows(body)
	if err != nil {
		return fail(fmt.Errorf("%w: athenarun: output file %q is not the output's Parquet: %w", ErrInvalid, key, err))
	}
	var partSource *string
	for _, seg := range strings.Split(strings.TrimPrefix(key, prefix), "/") {
		if v, ok := strings.CutPrefix(seg, "source="); ok {
			if u, err := url.PathUnescape(v); err == nil {
				partSource = &u
			}
		}
	}
	for _, row := range rows {
		src := row.Source
		if src == nil {
			src = partSource
		}
		if src == nil || row.RecordKey == nil || row.ClusterSource == nil || row.ClusterKey == nil {
			return fail(fmt.Errorf("%w: athenarun: output file %q has a row without source, record_key, cluster_source or cluster_key", ErrInvalid, key))
		}
		a := Assignment{Record: identity.RecordRef{Source: *src, Key: *row.RecordKey}, Cluster: identity.RecordRef{Source: *row.ClusterSource, Key: *row.ClusterKey}}
		if !yield(a, nil) {
			return false
		}
	}
	return true
}

// readOutputRows decodes an output file. parquet-go panics on some corrupt
// files (a length field out of range); such a file is an error here.
func readOutputRows(body []byte) (rows []outputRow, err error) {
	defer func() {
		if r := recover(); r != nil {
			rows, err = nil, errors.New("corrupt Parquet file")
		}
	}()
	return parquet.Read[outputRow](bytes.NewReader(body), int64(len(body)))
}
