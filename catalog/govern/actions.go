package govern

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
)

// Kind says what an action does.
type Kind string

// Kinds of action.
const (
	Create  Kind = "create"
	Update  Kind = "update"
	Replace Kind = "replace" // delete and create again: never silent
	Delete  Kind = "delete"  // revoke a grant, delete a filter, prune
	NoOp    Kind = "no-op"
	// Conflict is a resource the spec names that exists and is not the
	// spec's (see MarkOwner). Apply refuses a plan with conflicts.
	Conflict Kind = "conflict"
)

// Action is one step of a plan.
type Action struct {
	Kind Kind
	// Resource names what the action is about, e.g. "lf-tag domain" or
	// "grant table sales.orders to arn:aws:iam::…:role/analyst".
	Resource string
	// Reason says why (for no-ops: why nothing is needed).
	Reason string

	run    func(ctx context.Context, a *applier) error
	grant  *entry // a grant batched by Apply
	revoke *entry // a revoke batched by Apply
}

// entry is one BatchGrant/BatchRevokePermissions entry.
type entry struct {
	key              grantKey
	perms, grantable []types.Permission
}

// Warning is something the plan will do that is probably not what the
// spec's author wants, or that needs action elsewhere.
type Warning struct {
	Resource string
	Message  string
}

// Plan is the difference between a spec and the catalog, as actions in the
// order Apply runs them.
type Plan struct {
	Actions  []Action
	Warnings []Warning
	// Orphans are resources marked as the spec's that it no longer lists,
	// with what pruning removes. Their removals are in Actions only when
	// the plan was made with Options.Prune (and, for tables and databases,
	// Options.PruneData).
	Orphans []Orphan
	// Prune and PruneData are the opt-ins the plan was made with.
	Prune, PruneData bool
	spec             Spec
}

// Orphan is what the spec no longer lists but is marked as its own (found
// by MarkOwner): the database of a dropped product, a table dropped from a
// product, or a dropped resource link.
type Orphan struct {
	// Resource is "database <name>", "table <db>.<name>" or
	// "resource link <db>.<name>".
	Resource string
	// Product is the product the database or table was marked with ("" for
	// a link).
	Product string
	// Removals are what Options.Prune removes: grants, data cells filters,
	// LF-tag assignments, the link itself.
	Removals []Action
	// DataRemovals are what Options.PruneData deletes besides: the tables
	// marked as the spec's, and the database when nothing else is in it.
	DataRemovals []Action
	// Kept says what pruning leaves in place, and why.
	Kept []string
}

// Changes is the number of actions that write: the writes Apply will make,
// before batching (no-ops and conflicts make none).
func (p *Plan) Changes() int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind != NoOp && a.Kind != Conflict {
			n++
		}
	}
	return n
}

// Count returns the number of actions of kind k.
func (p *Plan) Count(k Kind) int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind == k {
			n++
		}
	}
	return n
}

// String lists the actions that change something, then the warnings.
func (p *Plan) String() string {
	var b strings.Builder
	for _, a := range p.Actions {
		if a.Kind == NoOp {
			continue
		}
		b.WriteString(string(a.Kind) + " " + a.Resource)
		if a.Reason != "" {
			b.WriteString(": " + a.Reason)
		}
		b.WriteString("\n")
	}
	for _, o := range p.Orphans {
		b.WriteString("orphan " + o.Resource)
		if o.Product != "" {
			b.WriteString(" (product " + o.Product + ")")
		}
		b.WriteString(": no longer in the spec")
		if p.Prune && (p.PruneData || len(o.DataRemovals) == 0) {
			b.WriteString("; removed by this plan")
		}
		b.WriteString("\n")
		if !p.Prune {
			for _, a := range o.Removals {
				b.WriteString("  with Options.Prune: " + string(a.Kind) + " " + a.Resource + "\n")
			}
		}
		if !p.Prune || !p.PruneData {
			for _, a := range o.DataRemovals {
				b.WriteString("  with Options.PruneData: " + string(a.Kind) + " " + a.Resource + "\n")
			}
		}
		for _, k := range o.Kept {
			b.WriteString("  kept: " + k + "\n")
		}
	}
	for _, w := range p.Warnings {
		b.WriteString("warning " + w.Resource + ": " + w.Message + "\n")
	}
	return b.String()
}
