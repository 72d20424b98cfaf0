package govern

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ram"
	ramtypes "github.com/aws/aws-sdk-go-v2/service/ram/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/catalog"
)

// planner holds what Plan reads and builds.
type planner struct {
	g            *Governor
	spec         Spec
	name         string // the owner in the spec's marks
	cat          *string
	plan         *Plan
	dbList       map[string]gluetypes.Database // every database of the catalog
	claimed      map[string]bool               // databases of the spec's products
	conflict     map[string]bool               // product databases that are not the spec's
	curGrants    map[grantKey]grantState
	grantIndex   map[string][]grantKey        // current grants by database
	tableCache   map[string][]gluetypes.Table // tables listed by the orphan steps
	curFilters   map[res]curFilter
	admins       map[string]bool
	version      int // cross-account version after the plan's settings change
	dbs          map[string]bool
	tagKeys      map[string]bool
	links        map[res]bool
	named        map[res]bool
	filters      map[res]filterWant
	desired      map[grantKey]grantState
	newTable     map[string]bool // tables the plan creates
	staleFilters []res
	allTags      map[string][]string          // every LF-tag key of the catalog with its values
	index        *tagIndex                    // tables found by SearchTablesByLFTags
	noSearch     bool                         // a search was denied: read tables one by one
	dbTags       map[string]map[string]string // tags assigned to the products' databases
}

type filterWant struct {
	cols, excl []string
	wild       bool
	expr       string
}

func (p *planner) add(a Action) { p.plan.Actions = append(p.plan.Actions, a) }

func (p *planner) warn(resource, msg string) {
	p.plan.Warnings = append(p.plan.Warnings, Warning{Resource: resource, Message: msg})
}

// Plan validates spec, reads the catalog and returns the actions that make
// it match. It makes no writes. optFns override the Governor's Options for
// this plan (for example Prune).
func (g *Governor) Plan(ctx context.Context, spec Spec, optFns ...func(*Options)) (*Plan, error) {
	if err := spec.Validate(); err != nil {
		return nil, newError("plan", "", err)
	}
	if len(optFns) > 0 {
		cp := *g
		cp.opts.IgnorePrincipals = slices.Clone(cp.opts.IgnorePrincipals)
		for _, fn := range optFns {
			fn(&cp.opts)
		}
		g = &cp
	}
	if g.opts.PruneData && !g.opts.Prune {
		return nil, newError("plan", "", &SpecError{Field: "Options.PruneData", Reason: "needs Options.Prune"})
	}
	p := &planner{
		g: g, spec: spec, name: specName(&spec), cat: aws.String(spec.CatalogID),
		plan:    &Plan{spec: spec, Prune: g.opts.Prune, PruneData: g.opts.PruneData},
		claimed: map[string]bool{}, conflict: map[string]bool{},
		admins: map[string]bool{}, dbs: map[string]bool{}, tagKeys: map[string]bool{},
		links: map[res]bool{}, named: map[res]bool{}, filters: map[res]filterWant{},
		desired: map[grantKey]grantState{}, newTable: map[string]bool{},
		allTags: map[string][]string{}, dbTags: map[string]map[string]string{},
	}
	for _, step := range []func(context.Context) error{
		p.settings, p.invitations, p.tags, p.locations, p.tables, p.assignments, p.compile, p.cellFilters, p.linkTables, p.grants, p.deleteFilters, p.orphanTables, p.orphans, p.orphanLinks,
	} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return p.plan, nil
}

// ---- settings ----

func (p *planner) settings(ctx context.Context) error {
	var out *lakeformation.GetDataLakeSettingsOutput
	err := p.g.retry(ctx, "GetDataLakeSettings", func() (err error) {
		out, err = p.g.lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{CatalogId: p.cat})
		return err
	})
	if err != nil {
		return newError("plan", "data lake settings", err)
	}
	cur := types.DataLakeSettings{}
	if out.DataLakeSettings != nil {
		cur = *out.DataLakeSettings
	}
	for _, a := range cur.DataLakeAdmins {
		p.admins[aws.ToString(a.DataLakePrincipalIdentifier)] = true
	}
	p.version, _ = strconv.Atoi(cur.Parameters["CROSS_ACCOUNT_VERSION"])
	p.version = max(p.version, 1)
	var reasons []string
	var missing []string
	for _, a := range p.spec.Settings.Admins {
		if !p.admins[a] {
			missing = append(missing, a)
			p.admins[a] = true
		}
	}
	if len(missing) > 0 {
		reasons = append(reasons, "add "+strconv.Itoa(len(missing))+" data lake administrators")
	}
	want := p.spec.Settings.CrossAccountVersion
	raise := want > p.version
	if raise {
		reasons = append(reasons, "cross-account version "+strconv.Itoa(p.version)+" -> "+strconv.Itoa(want))
		p.version = want
	}
	clearDefaults := p.spec.Settings.LakeFormationDefaults && (len(cur.CreateDatabaseDefaultPermissions) > 0 || len(cur.CreateTableDefaultPermissions) > 0)
	if clearDefaults {
		reasons = append(reasons, "new databases and tables get Lake Formation permissions only")
	}
	if len(reasons) == 0 {
		p.add(Action{Kind: NoOp, Resource: "data lake settings", Reason: "as specified"})
		return nil
	}
	p.add(Action{Kind: Update, Resource: "data lake settings", Reason: strings.Join(reasons, "; "), run: func(ctx context.Context, a *applier) error {
		return a.putSettings(ctx, missing, want, clearDefaults)
	}})
	return nil
}

// ---- RAM invitations (consumer side) ----

func (p *planner) invitations(ctx context.Context) error {
	if len(p.spec.AcceptSharesFrom) == 0 {
		return nil
	}
	if p.g.opts.RAM == nil {
		return newError("plan", "share invitations", &SpecError{Field: "AcceptSharesFrom", Reason: "needs Options.RAM"})
	}
	var token *string
	for {
		var out *ram.GetResourceShareInvitationsOutput
		err := p.g.retry(ctx, "GetResourceShareInvitations", func() (err error) {
			out, err = p.g.opts.RAM.GetResourceShareInvitations(ctx, &ram.GetResourceShareInvitationsInput{NextToken: token, MaxResults: aws.Int32(500)})
			return err
		})
		if err != nil {
			return newError("plan", "share invitations", err)
		}
		for _, inv := range out.ResourceShareInvitations {
			sender := aws.ToString(inv.SenderAccountId)
			name := aws.ToString(inv.ResourceShareName)
			if !slices.Contains(p.spec.AcceptSharesFrom, sender) || !strings.HasPrefix(name, "LakeFormation") {
				continue
			}
			what := "share " + name + " from " + sender
			switch inv.Status {
			case ramtypes.ResourceShareInvitationStatusPending:
				arn := aws.ToString(inv.ResourceShareInvitationArn)
				p.add(Action{Kind: Create, Resource: what, Reason: "accept the pending invitation", run: func(ctx context.Context, a *applier) error {
					return a.accept(ctx, what, arn)
				}})
			case ramtypes.ResourceShareInvitationStatusAccepted:
				p.add(Action{Kind: NoOp, Resource: what, Reason: "accepted"})
			case ramtypes.ResourceShareInvitationStatusExpired:
				p.warn(what, "the invitation expired; the producer must grant again to send a new one")
			}
		}
		if token = out.NextToken; token == nil || *token == "" {
			return nil
		}
	}
}

// ---- LF-tags ----

func (p *planner) tags(ctx context.Context) error {
	cur := map[string]map[string]bool{}
	var token *string
	for {
		var out *lakeformation.ListLFTagsOutput
		err := p.g.retry(ctx, "ListLFTags", func() (err error) {
			out, err = p.g.lf.ListLFTags(ctx, &lakeformation.ListLFTagsInput{CatalogId: p.cat, NextToken: token, MaxResults: aws.Int32(1000)})
			return err
		})
		if err != nil {
			return newError("plan", "lf-tags", err)
		}
		for _, t := range out.LFTags {
			vs := map[string]bool{}
			for _, v := range t.TagValues {
				vs[strings.ToLower(v)] = true
			}
			cur[strings.ToLower(aws.ToString(t.TagKey))] = vs
			p.allTags[aws.ToString(t.TagKey)] = t.TagValues
		}
		if token = out.NextToken; token == nil || *token == "" {
			break
		}
	}
	for _, t := range p.spec.Tags {
		key := strings.ToLower(t.Key)
		p.tagKeys[key] = true
		values := lowerSorted(t.Values)
		for _, v := range append([]string{key}, values...) {
			if len(v) > 50 {
				p.warn("lf-tag "+key, "keys and values over 50 characters are accepted by the API but the guide caps them at 50")
				break
			}
		}
		what := "lf-tag " + key
		have := cur[key]
		if have == nil {
			p.add(Action{Kind: Create, Resource: what, Reason: strconv.Itoa(len(values)) + " values", run: func(ctx context.Context, a *applier) error {
				return a.createTag(ctx, key, values)
			}})
			continue
		}
		var missing []string
		for _, v := range values {
			if !have[v] {
				missing = append(missing, v)
			}
		}
		if len(missing) == 0 {
			p.add(Action{Kind: NoOp, Resource: what, Reason: "has every value"})
			continue
		}
		p.add(Action{Kind: Update, Resource: what, Reason: "add " + strconv.Itoa(len(missing)) + " values", run: func(ctx context.Context, a *applier) error {
			return a.addTagValues(ctx, key, missing)
		}})
	}
	return nil
}

// ---- data locations ----

// locationARN converts s3://bucket/prefix to the ARN Lake Formation
// registers.
func locationARN(uri string) string {
	return "arn:aws:s3:::" + strings.TrimSuffix(strings.TrimPrefix(uri, "s3://"), "/")
}

func (p *planner) locations(ctx context.Context) error {
	for _, prod := range p.spec.Products {
		if prod.Location == "" {
			continue
		}
		arn := locationARN(prod.Location)
		what := "data location " + prod.Location
		var out *lakeformation.DescribeResourceOutput
		err := p.g.retry(ctx, "DescribeResource", func() (err error) {
			out, err = p.g.lf.DescribeResource(ctx, &lakeformation.DescribeResourceInput{ResourceArn: aws.String(arn)})
			return err
		})
		switch {
		case isCode(err, "EntityNotFoundException", ""):
			role := prod.RoleARN
			p.add(Action{Kind: Create, Resource: what, Reason: "register with Lake Formation", run: func(ctx context.Context, a *applier) error {
				return a.register(ctx, what, arn, role)
			}})
		case err != nil:
			return newError("plan", what, err)
		default:
			reason := "registered"
			if r := aws.ToString(out.ResourceInfo.RoleArn); prod.RoleARN != "" && r != prod.RoleARN {
				p.warn(what, "registered with another role; change it with UpdateResource if intended")
			}
			p.add(Action{Kind: NoOp, Resource: what, Reason: reason})
		}
		for _, t := range prod.Tables {
			if t.CleanRooms && (t.Schema == nil || under(t.Schema.Location, prod.Location)) {
				p.warn("table "+prod.Database+"."+t.Name, "its S3 location is registered with Lake Formation, and AWS Clean Rooms cannot associate a table stored there: keep Clean Rooms tables outside LF-registered locations")
			}
		}
	}
	return nil
}

// under says whether S3 URI loc lies under prefix (a table stored outside
// the registered location is not governed by it).
func under(loc, prefix string) bool {
	loc, prefix = strings.TrimSuffix(loc, "/")+"/", strings.TrimSuffix(prefix, "/")+"/"
	return strings.HasPrefix(loc, prefix)
}

// ---- databases and tables (kept current by catalog.Registrar) ----

func (p *planner) tables(ctx context.Context) error {
	dbs, err := p.g.listDatabases(ctx, p.cat)
	if err != nil {
		return newError("plan", "databases", err)
	}
	p.dbList = dbs
	for _, prod := range p.spec.Products {
		db := strings.ToLower(prod.Database)
		p.claimed[db] = true
		want := mark{owner: p.name, product: prod.Name}
		what := "database " + db
		cur, exists := dbs[db]
		have := markOf(cur.Parameters)
		switch {
		case !exists:
			desc := prod.Description
			p.add(Action{Kind: Create, Resource: what, Reason: "product " + prod.Name, run: func(ctx context.Context, a *applier) error {
				return a.ensureDatabase(ctx, db, desc, &want)
			}})
		case have == want:
			p.add(Action{Kind: NoOp, Resource: what, Reason: "exists, marked as product " + prod.Name})
		case have.owner == p.name:
			was := "marked as product " + have.product
			if have.product == "" {
				was = "holds the spec's resource links"
			}
			p.add(Action{Kind: Update, Resource: what, Reason: was + ": mark as product " + prod.Name, run: func(ctx context.Context, a *applier) error {
				return a.markDatabase(ctx, db, have, want)
			}})
		case prod.Adopt:
			p.add(Action{Kind: Update, Resource: what, Reason: "adopt (exists, " + have.describe() + "): mark as product " + prod.Name, run: func(ctx context.Context, a *applier) error {
				return a.markDatabase(ctx, db, have, want)
			}})
		default:
			p.conflict[db] = true
			p.add(Action{Kind: Conflict, Resource: what, Reason: "exists and is " + have.describe() + ": set Adopt on product " + prod.Name + " to take it over, or choose another database"})
			continue
		}
		p.dbs[db] = true
		for _, t := range prod.Tables {
			name := strings.ToLower(t.Name)
			what := "table " + db + "." + name
			var cur *gluetypes.Table
			if exists {
				out, err := p.g.getTable(ctx, p.cat, db, name)
				switch {
				case isCode(err, "EntityNotFoundException", ""):
				case err != nil:
					return newError("plan", what, err)
				default:
					cur = out.Table
				}
			}
			if t.Schema == nil {
				if cur == nil {
					return newError("plan", what, &SpecError{Field: "Products.Tables.Schema", Reason: "is needed: the table does not exist"})
				}
				p.add(Action{Kind: NoOp, Resource: what, Reason: "exists; no schema in the spec (not marked, never pruned)"})
				continue
			}
			schema := *t.Schema
			schema.Parameters = want.params(t.Schema.Parameters)
			run := func(ctx context.Context, a *applier) error { return a.ensureTable(ctx, db, name, schema) }
			if cur == nil {
				p.newTable[db+"."+name] = true
				p.add(Action{Kind: Create, Resource: what, Reason: strconv.Itoa(len(schema.Columns)) + " columns", run: run})
				continue
			}
			reason := schemaDiff(cur, &schema)
			switch tm := markOf(cur.Parameters); {
			case tm == want:
			case tm.owner == p.name:
				reason = joinReasons(reason, "mark as product "+prod.Name)
			case prod.Adopt:
				reason = joinReasons(reason, "adopt (exists, "+tm.describe()+")")
			default:
				p.add(Action{Kind: Conflict, Resource: what, Reason: "exists and is " + tm.describe() + ": set Adopt on product " + prod.Name + " to take it over"})
				continue
			}
			if reason != "" {
				p.add(Action{Kind: Update, Resource: what, Reason: reason, run: run})
			} else {
				p.add(Action{Kind: NoOp, Resource: what, Reason: "schema current"})
			}
		}
	}
	return nil
}

func joinReasons(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// schemaDiff says how a table differs from the schema the Registrar would
// write ("" when it would write nothing it checks here: columns, types,
// partition keys, location).
func schemaDiff(t *gluetypes.Table, s *catalog.Schema) string {
	if t == nil {
		return ""
	}
	want := s.TableInput("x")
	var reasons []string
	cols := func(cs []gluetypes.Column) string {
		var b strings.Builder
		for _, c := range cs {
			b.WriteString(strings.ToLower(aws.ToString(c.Name)) + ":" + aws.ToString(c.Type) + ",")
		}
		return b.String()
	}
	sd := t.StorageDescriptor
	if sd == nil {
		sd = &gluetypes.StorageDescriptor{}
	}
	if cols(sd.Columns) != cols(want.StorageDescriptor.Columns) {
		reasons = append(reasons, "columns differ")
	}
	if cols(t.PartitionKeys) != cols(want.PartitionKeys) {
		reasons = append(reasons, "partition keys differ")
	}
	if aws.ToString(sd.Location) != aws.ToString(want.StorageDescriptor.Location) {
		reasons = append(reasons, "location differs")
	}
	return strings.Join(reasons, "; ")
}

// ---- LF-tag assignments ----

type tagTarget struct{ db, table, col string }

func (t tagTarget) String() string {
	switch {
	case t.col != "":
		return "column " + t.db + "." + t.table + "." + t.col
	case t.table != "":
		return "table " + t.db + "." + t.table
	}
	return "database " + t.db
}

func lowerMap(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[strings.ToLower(k)] = strings.ToLower(v)
	}
	return out
}

func (p *planner) readTags(ctx context.Context, r *types.Resource, what string) (*lakeformation.GetResourceLFTagsOutput, error) {
	var out *lakeformation.GetResourceLFTagsOutput
	err := p.g.retry(ctx, "GetResourceLFTags", func() (err error) {
		out, err = p.g.lf.GetResourceLFTags(ctx, &lakeformation.GetResourceLFTagsInput{CatalogId: p.cat, Resource: r, ShowAssignedLFTags: aws.Bool(true)})
		return err
	})
	if isCode(err, "EntityNotFoundException", "") {
		return &lakeformation.GetResourceLFTagsOutput{}, nil
	}
	if err != nil {
		return nil, newError("plan", what, err)
	}
	return out, nil
}

func pairMap(ps []types.LFTagPair) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		if len(p.TagValues) > 0 {
			out[strings.ToLower(aws.ToString(p.TagKey))] = strings.ToLower(p.TagValues[0])
		}
	}
	return out
}

func (p *planner) assignments(ctx context.Context) error {
	for _, prod := range p.spec.Products {
		db := strings.ToLower(prod.Database)
		if p.conflict[db] {
			continue
		}
		cur, err := p.readTags(ctx, &types.Resource{Database: &types.DatabaseResource{CatalogId: p.cat, Name: aws.String(db)}}, "database "+db)
		if err != nil {
			return err
		}
		dbTags := pairMap(cur.LFTagOnDatabase)
		p.dbTags[db] = dbTags
		p.diffTags(tagTarget{db: db}, dbTags, lowerMap(prod.Tags))
		existing := 0
		for _, t := range prod.Tables {
			if !p.newTable[db+"."+strings.ToLower(t.Name)] {
				existing++
			}
		}
		indexed, err := p.useIndex(ctx, existing, dbTags)
		if err != nil {
			return err
		}
		for _, t := range prod.Tables {
			name := strings.ToLower(t.Name)
			w := wantOf(t)
			var out *lakeformation.GetResourceLFTagsOutput
			if p.newTable[db+"."+name] {
				out = &lakeformation.GetResourceLFTagsOutput{}
			} else if out, err = p.tableTags(ctx, indexed, db, name, "table "+db+"."+name, w); err != nil {
				return err
			}
			p.diffTags(tagTarget{db: db, table: name}, pairMap(out.LFTagsOnTable), w.table)
			curCols := map[string]map[string]string{}
			for _, c := range out.LFTagsOnColumns {
				curCols[strings.ToLower(aws.ToString(c.Name))] = pairMap(c.LFTags)
			}
			for _, c := range slices.Sorted(maps.Keys(joinKeys(curCols, w.cols))) {
				p.diffTags(tagTarget{db: db, table: name, col: c}, curCols[c], w.cols[c])
			}
		}
	}
	return nil
}

func joinKeys[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// diffTags plans the tags of one resource. Only keys the spec defines are
// managed: a tag of another key stays.
func (p *planner) diffTags(t tagTarget, cur, want map[string]string) {
	var add []types.LFTagPair
	var remove []types.LFTagPair
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if cur[k] != want[k] {
			add = append(add, types.LFTagPair{CatalogId: p.cat, TagKey: aws.String(k), TagValues: []string{want[k]}})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cur)) {
		if _, ok := want[k]; !ok && p.tagKeys[k] {
			remove = append(remove, types.LFTagPair{CatalogId: p.cat, TagKey: aws.String(k), TagValues: []string{cur[k]}})
		}
	}
	what := "lf-tags on " + t.String()
	if len(add) == 0 && len(remove) == 0 {
		if len(want) > 0 {
			p.add(Action{Kind: NoOp, Resource: what, Reason: "assigned"})
		}
		return
	}
	kind := Update
	if len(cur) == 0 {
		kind = Create
	}
	var reasons []string
	for _, a := range add {
		reasons = append(reasons, "set "+aws.ToString(a.TagKey)+"="+a.TagValues[0])
	}
	for _, r := range remove {
		reasons = append(reasons, "remove "+aws.ToString(r.TagKey))
	}
	p.add(Action{Kind: kind, Resource: what, Reason: strings.Join(reasons, ", "), run: func(ctx context.Context, a *applier) error {
		return a.assignTags(ctx, what, t, add, remove)
	}})
}

// ---- data cells filters ----

type curFilter struct {
	f  types.DataCellsFilter
	fw filterWant
}

func (p *planner) readFilters(ctx context.Context) (map[res]curFilter, error) {
	out := map[res]curFilter{}
	var token *string
	for {
		var page *lakeformation.ListDataCellsFilterOutput
		err := p.g.retry(ctx, "ListDataCellsFilter", func() (err error) {
			page, err = p.g.lf.ListDataCellsFilter(ctx, &lakeformation.ListDataCellsFilterInput{NextToken: token, MaxResults: aws.Int32(100)})
			return err
		})
		if err != nil {
			return nil, newError("plan", "data cells filters", err)
		}
		for _, f := range page.DataCellsFilters {
			r := res{kind: kFilter, catalog: aws.ToString(f.TableCatalogId), db: strings.ToLower(aws.ToString(f.DatabaseName)), table: strings.ToLower(aws.ToString(f.TableName)), name: aws.ToString(f.Name)}
			if r.catalog == "" {
				r.catalog = p.spec.CatalogID
			}
			w := filterWant{cols: lowerSorted(f.ColumnNames), wild: f.ColumnWildcard != nil}
			if f.ColumnWildcard != nil {
				w.excl = lowerSorted(f.ColumnWildcard.ExcludedColumnNames)
			} else if len(w.cols) == 0 {
				w.wild = true
			}
			if f.RowFilter != nil {
				w.expr = aws.ToString(f.RowFilter.FilterExpression)
			}
			out[r] = curFilter{f: f, fw: w}
		}
		if token = page.NextToken; token == nil || *token == "" {
			return out, nil
		}
	}
}

func (p *planner) cellFilters(ctx context.Context) error {
	cur, err := p.readFilters(ctx)
	if err != nil {
		return err
	}
	p.curFilters = cur
	for _, r := range slices.SortedFunc(maps.Keys(p.filters), func(a, b res) int { return strings.Compare(a.String(), b.String()) }) {
		w := p.filters[r]
		what := r.String()
		c, ok := cur[r]
		switch {
		case !ok:
			p.add(Action{Kind: Create, Resource: what, Reason: "row filter of a grant", run: func(ctx context.Context, a *applier) error { return a.putFilter(ctx, what, r, w) }})
		case !sameFilter(c.fw, w):
			p.add(Action{Kind: Update, Resource: what, Reason: "columns or row condition changed", run: func(ctx context.Context, a *applier) error { return a.putFilter(ctx, what, r, w) }})
		default:
			p.add(Action{Kind: NoOp, Resource: what, Reason: "as specified"})
		}
	}
	p.staleFilters = nil
	for r := range cur {
		if _, ok := p.filters[r]; !ok && r.catalog == p.spec.CatalogID && p.dbs[r.db] {
			p.staleFilters = append(p.staleFilters, r)
		}
	}
	return nil
}

func (p *planner) deleteFilters(context.Context) error {
	slices.SortFunc(p.staleFilters, func(a, b res) int { return strings.Compare(a.String(), b.String()) })
	for _, r := range p.staleFilters {
		what := r.String()
		p.add(Action{Kind: Delete, Resource: what, Reason: "no grant of the spec uses it", run: func(ctx context.Context, a *applier) error { return a.deleteFilter(ctx, what, r) }})
	}
	return nil
}

// ---- resource links ----

func (p *planner) linkTables(ctx context.Context) error {
	dbs := map[string]bool{}
	owner := mark{owner: p.name}
	for _, l := range p.spec.Links {
		db, name := strings.ToLower(l.Database), strings.ToLower(l.Name)
		what := "resource link " + db + "." + name
		target := gluetypes.TableIdentifier{CatalogId: aws.String(l.Target.CatalogID), DatabaseName: aws.String(strings.ToLower(l.Target.Database)), Name: aws.String(strings.ToLower(l.Target.Table))}
		_, dbExists := p.dbList[db]
		if !dbExists && !dbs[db] && !p.dbs[db] {
			dbs[db] = true
			p.add(Action{Kind: Create, Resource: "database " + db, Reason: "holds resource links", run: func(ctx context.Context, a *applier) error {
				return a.ensureDatabase(ctx, db, "", nil)
			}})
		}
		var out *glue.GetTableOutput
		var err error
		if dbExists {
			out, err = p.g.getTable(ctx, p.cat, db, name)
		} else {
			err = &smithy.GenericAPIError{Code: "EntityNotFoundException"}
		}
		switch {
		case isCode(err, "EntityNotFoundException", ""):
			p.add(Action{Kind: Create, Resource: what, Reason: "points at " + l.Target.CatalogID + ":" + l.Target.Database + "." + l.Target.Table, run: func(ctx context.Context, a *applier) error {
				return a.createLink(ctx, what, db, name, target, owner, false)
			}})
		case err != nil:
			return newError("plan", what, err)
		case out.Table.TargetTable == nil:
			p.add(Action{Kind: Conflict, Resource: what, Reason: "a table of that name exists and is not a resource link (it is never replaced)"})
		case sameTarget(out.Table.TargetTable, &target):
			reason := "points at the target"
			if markOf(out.Table.Parameters).owner != p.name {
				reason += " (" + markOf(out.Table.Parameters).describe() + ": never pruned)"
			}
			p.add(Action{Kind: NoOp, Resource: what, Reason: reason})
		case markOf(out.Table.Parameters).owner == p.name || l.Adopt:
			reason := "points at another table; deleted and created again"
			if m := markOf(out.Table.Parameters); m.owner != p.name {
				reason = "adopt (" + m.describe() + "): " + reason
			}
			p.add(Action{Kind: Replace, Resource: what, Reason: reason, run: func(ctx context.Context, a *applier) error {
				return a.createLink(ctx, what, db, name, target, owner, true)
			}})
		default:
			p.add(Action{Kind: Conflict, Resource: what, Reason: "points at another table and is " + markOf(out.Table.Parameters).describe() + ": set Adopt on the link to replace it"})
		}
	}
	return nil
}

func sameTarget(a, b *gluetypes.TableIdentifier) bool {
	return aws.ToString(a.CatalogId) == aws.ToString(b.CatalogId) &&
		strings.EqualFold(aws.ToString(a.DatabaseName), aws.ToString(b.DatabaseName)) &&
		strings.EqualFold(aws.ToString(a.Name), aws.ToString(b.Name))
}
