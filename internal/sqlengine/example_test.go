package sqlengine_test

import (
	"context"
	"fmt"

	"github.com/cdpkit/cdpkit/internal/sqlengine"
)

func ExampleRun() {
	cdp := sqlengine.Table{
		Name:    "cdp",
		Columns: []sqlengine.Column{{Name: "hashed_email", Type: "string"}, {Name: "segment", Type: "string"}},
		Rows:    sqlengine.RowsOf([][]any{{"h1", "sports"}, {"h2", "sports"}, {"h3", "news"}}),
	}
	publisher := sqlengine.Table{
		Name:    "publisher",
		Columns: []sqlengine.Column{{Name: "hashed_email", Type: "string"}},
		Rows:    sqlengine.RowsOf([][]any{{"h1"}, {"h3"}, {"h4"}}),
	}
	res, err := sqlengine.Run(context.Background(), `
		SELECT c.segment, COUNT(DISTINCT c.hashed_email) AS overlap
		FROM cdp c JOIN publisher p ON c.hashed_email = p.hashed_email
		WHERE c.segment <> :skip
		GROUP BY c.segment ORDER BY c.segment`,
		[]sqlengine.Table{cdp, publisher},
		func(o *sqlengine.Options) { o.Params = map[string]any{"skip": "none"} })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Columns)
	for _, r := range res.Rows {
		fmt.Println(r...)
	}
	// Output:
	// [{segment string} {overlap bigint}]
	// news 1
	// sports 1
}
