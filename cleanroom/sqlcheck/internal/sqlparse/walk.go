package sqlparse

// Inspect walks the tree rooted at n depth-first, calling f for every node
// (nil children are skipped). When f returns false, n's children are not
// visited.
func Inspect(n Node, f func(Node) bool) {
	if isNil(n) || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Query:
		for _, c := range n.With {
			Inspect(c, f)
		}
		Inspect(n.Body, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		Inspect(n.Limit, f)
		Inspect(n.Offset, f)
	case *CTE:
		Inspect(n.Query, f)
	case *SetOp:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *Select:
		Inspect(n.Top, f)
		for _, it := range n.Items {
			Inspect(it, f)
		}
		for _, t := range n.From {
			Inspect(t, f)
		}
		Inspect(n.Where, f)
		for _, g := range n.GroupBy {
			Inspect(g, f)
		}
		Inspect(n.Having, f)
	case *SelectItem:
		Inspect(n.Expr, f)
	case *OrderItem:
		Inspect(n.Expr, f)
	case *DerivedTable:
		Inspect(n.Query, f)
	case *Join:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
		Inspect(n.On, f)
	case *FuncCall:
		for _, a := range n.Args {
			Inspect(a, f)
		}
		Inspect(n.Filter, f)
		if n.Over != nil {
			Inspect(n.Over, f)
		}
	case *Window:
		for _, e := range n.PartitionBy {
			Inspect(e, f)
		}
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		for _, e := range n.FrameArgs {
			Inspect(e, f)
		}
	case *Binary:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *Unary:
		Inspect(n.X, f)
	case *Cast:
		Inspect(n.X, f)
	case *Case:
		Inspect(n.Operand, f)
		for _, w := range n.Whens {
			Inspect(w, f)
		}
		Inspect(n.Else, f)
	case *When:
		Inspect(n.Cond, f)
		Inspect(n.Then, f)
	case *In:
		Inspect(n.X, f)
		for _, e := range n.List {
			Inspect(e, f)
		}
		if n.Sub != nil {
			Inspect(n.Sub, f)
		}
	case *Between:
		Inspect(n.X, f)
		Inspect(n.Lo, f)
		Inspect(n.Hi, f)
	case *Like:
		Inspect(n.X, f)
		Inspect(n.Pattern, f)
	case *IsExpr:
		Inspect(n.X, f)
	case *Exists:
		Inspect(n.Sub, f)
	case *Subquery:
		Inspect(n.Query, f)
	case *Extract:
		Inspect(n.X, f)
	case *Paren:
		Inspect(n.X, f)
	}
}

// isNil reports a nil interface or a typed nil pointer.
func isNil(n Node) bool {
	switch v := n.(type) {
	case nil:
		return true
	case *Query:
		return v == nil
	case *Select:
		return v == nil
	case *SetOp:
		return v == nil
	case *Window:
		return v == nil
	case *Literal:
		return v == nil
	case *Subquery:
		return v == nil
	}
	return false
}
