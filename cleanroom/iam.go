package cleanroom

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// RoleParams describe the IAM role Clean Rooms assumes to read configured
// tables over Glue and S3 (the association role).
type RoleParams struct {
	// Partition defaults to "aws" (the only one the RoleArn pattern allows).
	Partition string
	// Region of the collaboration, the Glue catalog and the data.
	Region string
	// AccountID owns the Glue catalog and the memberships.
	AccountID string
	// MembershipIDs are the memberships whose associations use the role;
	// the trust policy admits exactly these (aws:SourceArn and external id).
	MembershipIDs []string
	// Database and Tables name the Glue tables the role may read.
	Database string
	Tables   []string
	// Locations are the S3 URIs holding the tables' data
	// ("s3://bucket/prefix/").
	Locations []string
	// KMSKeyARN, when the data is SSE-KMS encrypted, is the key to allow
	// kms:Decrypt on (through S3 only).
	KMSKeyARN string
}

// RolePolicies are IAM policy documents as JSON, ready for
// iam:CreateRole (Trust) and iam:PutRolePolicy (Permissions).
type RolePolicies struct {
	Trust       []byte
	Permissions []byte
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                    `json:"Sid"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// AssociationRolePolicies generates the trust and permission policies of
// an association role: Clean Rooms may assume it only on behalf of the
// given memberships (aws:SourceArn equal to the membership ARNs and the
// sts:ExternalId pattern the service sends), and it may read the Glue
// database, tables and partitions and the S3 objects under Locations.
// Invalid parameters are an *Error of kind ErrInvalidInput listing every
// problem.
func AssociationRolePolicies(p RoleParams) (RolePolicies, error) {
	var c collector
	part := p.Partition
	if part == "" {
		part = "aws"
	}
	if part != "aws" {
		c.err("partition", ReasonEnum)
	}
	if !regionPattern.MatchString(p.Region) {
		c.err("region", ReasonPattern)
	}
	accountID(&c, "accountId", p.AccountID)
	if len(p.MembershipIDs) == 0 {
		c.err("membershipIds", ReasonTooFew)
	}
	for i, m := range p.MembershipIDs {
		uuid(&c, "membershipIds"+idx(i), &m)
	}
	matchLen(&c, "database", p.Database, maxAlias, glueDatabasePattern.MatchString)
	if len(p.Tables) == 0 {
		c.err("tables", ReasonTooFew)
	}
	for i, t := range p.Tables {
		matchLen(&c, "tables"+idx(i), t, maxAlias, aliasPattern.MatchString)
	}
	if len(p.Locations) == 0 {
		c.err("locations", ReasonTooFew)
	}
	type loc struct{ bucket, prefix string }
	var locs []loc
	for i, l := range p.Locations {
		u, err := url.Parse(l)
		if err != nil || u.Scheme != "s3" || !bucketOK(u.Host) || strings.ContainsAny(u.Path, "*?") {
			c.err("locations"+idx(i), ReasonPattern)
			continue
		}
		prefix := strings.TrimPrefix(u.Path, "/")
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		locs = append(locs, loc{u.Host, prefix})
	}
	if p.KMSKeyARN != "" && !strings.HasPrefix(p.KMSKeyARN, "arn:"+part+":kms:") {
		c.err("kmsKeyArn", ReasonPattern)
	}
	if err := c.ps.Err(); err != nil {
		e := err.(*Error)
		e.Op = "association role policies"
		return RolePolicies{}, e
	}

	var externalIDs, sourceARNs []string
	for _, m := range p.MembershipIDs {
		externalIDs = append(externalIDs, "arn:"+part+":*:"+p.Region+":*:dbuser:*/"+m+"*")
		sourceARNs = append(sourceARNs, "arn:"+part+":cleanrooms:"+p.Region+":"+p.AccountID+":membership/"+m)
	}
	trust := policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid: "AllowCleanRoomsForTheseMembershipsOnly", Effect: "Allow",
		Principal: map[string]string{"Service": "cleanrooms.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"ForAnyValue:ArnLike":   {"sts:ExternalId": externalIDs},
			"ForAnyValue:ArnEquals": {"aws:SourceArn": sourceARNs},
		},
	}}}

	glue := "arn:" + part + ":glue:" + p.Region + ":" + p.AccountID + ":"
	glueRes := []string{glue + "catalog", glue + "database/" + p.Database, glue + "database/default"}
	for _, t := range p.Tables {
		glueRes = append(glueRes, glue+"table/"+p.Database+"/"+t)
	}
	perms := policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid: "ReadGlueMetadata", Effect: "Allow",
		Action: []string{"glue:BatchGetPartition", "glue:GetDatabase", "glue:GetDatabases", "glue:GetPartition",
			"glue:GetPartitions", "glue:GetTable", "glue:GetTables"},
		Resource: glueRes,
	}}}
	buckets := map[string][]string{}
	var order []string
	var objects []string
	for _, l := range locs {
		if _, ok := buckets[l.bucket]; !ok {
			order = append(order, l.bucket)
		}
		// Listing uses the prefix with and without its trailing slash.
		if l.prefix != "" {
			buckets[l.bucket] = append(buckets[l.bucket], strings.TrimSuffix(l.prefix, "/"))
		}
		buckets[l.bucket] = append(buckets[l.bucket], l.prefix+"*")
		objects = append(objects, "arn:"+part+":s3:::"+l.bucket+"/"+l.prefix+"*")
	}
	used := map[string]bool{}
	for _, b := range order {
		// Statement ids must be unique in a policy; "cdp-a" and "cdp.a"
		// both read "CdpA".
		base := "ListData" + sidSuffix(b)
		sid := base
		for n := 2; used[sid]; n++ {
			sid = base + strconv.Itoa(n)
		}
		used[sid] = true
		perms.Statement = append(perms.Statement, statement{
			Sid: sid, Effect: "Allow",
			Action:    []string{"s3:GetBucketLocation", "s3:ListBucket"},
			Resource:  []string{"arn:" + part + ":s3:::" + b},
			Condition: map[string]map[string]any{"StringLike": {"s3:prefix": buckets[b]}},
		})
	}
	perms.Statement = append(perms.Statement, statement{
		Sid: "ReadData", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: objects,
	})
	if p.KMSKeyARN != "" {
		perms.Statement = append(perms.Statement, statement{
			Sid: "DecryptDataThroughS3", Effect: "Allow", Action: []string{"kms:Decrypt"},
			Resource:  []string{p.KMSKeyARN},
			Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "s3." + p.Region + ".amazonaws.com"}},
		})
	}
	t, err := json.MarshalIndent(trust, "", "  ")
	if err != nil {
		return RolePolicies{}, err
	}
	pm, err := json.MarshalIndent(perms, "", "  ")
	if err != nil {
		return RolePolicies{}, err
	}
	return RolePolicies{Trust: t, Permissions: pm}, nil
}

// sidSuffix makes a bucket name usable in a statement id ([A-Za-z0-9]).
func sidSuffix(bucket string) string {
	var b strings.Builder
	up := true
	for _, r := range bucket {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
