package cleanroom_test

import (
	"fmt"

	"github.com/cdpkit/cdpkit/cleanroom"
)

// An ID mapping table's rule, as aws cleanrooms get-schema-analysis-rule
// prints it: the two mapping columns, and the overlap every query through
// the table must keep.
func ExampleParseIDMappingRule() {
	r, err := cleanroom.ParseIDMappingRule([]byte(`{"analysisRule": {
	  "collaborationId": "11111111-2222-3333-4444-555555555555", "name": "email_to_device",
	  "type": "ID_MAPPING_TABLE", "createTime": 1.7e9, "updateTime": 1.7e9,
	  "policy": {"v1": {"idMappingTable": {
	    "joinColumns": ["source_id", "target_id"],
	    "queryConstraints": [{"requireOverlap": {"columns": ["source_id", "target_id"]}}]}}}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Name, r.JoinColumns, r.OverlapColumns(), len(r.Validate()))
	// Output:
	// email_to_device [source_id target_id] [source_id target_id] 0
}
