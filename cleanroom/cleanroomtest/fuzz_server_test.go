package cleanroomtest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cdpkit/cdpkit/cleanroom"
	"github.com/cdpkit/cdpkit/cleanroom/cleanroomtest"
)

// routes are the server's operations, with {m} standing for a real
// membership and {id} for the fuzzed identifier.
var routes = []string{
	"POST /collaborations", "GET /collaborations/{id}", "GET /collaborations/{id}/members", "GET /collaborations", "PATCH /collaborations/{id}",
	"POST /memberships", "GET /memberships", "PATCH /memberships/{m}", "GET /memberships/{m}",
	"POST /memberships/{m}/analysistemplates", "GET /memberships/{m}/analysistemplates", "GET /memberships/{m}/analysistemplates/{id}",
	"PATCH /memberships/{m}/analysistemplates/{id}", "DELETE /memberships/{m}/analysistemplates/{id}",
	"POST /memberships/{m}/protectedQueries", "GET /memberships/{m}/protectedQueries", "GET /memberships/{m}/protectedQueries/{id}",
	"PATCH /memberships/{m}/protectedQueries/{id}",
	"POST /configuredTables", "GET /configuredTables", "GET /configuredTables/{id}", "PATCH /configuredTables/{id}", "DELETE /configuredTables/{id}",
	"POST /configuredTables/{id}/analysisRule", "GET /configuredTables/{id}/analysisRule/AGGREGATION", "PATCH /configuredTables/{id}/analysisRule/LIST",
	"DELETE /configuredTables/{id}/analysisRule/CUSTOM",
	"POST /memberships/{m}/configuredTableAssociations", "GET /memberships/{m}/configuredTableAssociations",
	"GET /memberships/{m}/configuredTableAssociations/{id}", "PATCH /memberships/{m}/configuredTableAssociations/{id}",
	"DELETE /memberships/{m}/configuredTableAssociations/{id}", "POST /memberships/{m}/configuredTableAssociations/{id}/analysisRule",
	"GET /tags/{id}", "POST /tags/{id}",
}

// FuzzHandler sends arbitrary bodies, identifiers and query strings to every
// operation of the REST server: it answers each with a status and never
// panics, whatever the request holds.
func FuzzHandler(f *testing.F) {
	ctx := context.Background()
	fake := cleanroomtest.NewCleanRooms()
	m, err := cleanroomtest.NewMembership(ctx, fake)
	if err != nil {
		f.Fatal(err)
	}
	c := cleanroom.New(fake)
	res, err := c.Ensure(ctx, cleanroom.TableSpec{Key: "t", Table: cleanroom.Table{Name: "t", Database: "db", Table: "t", AllowedColumns: []string{"k", "n"}},
		Rule:        cleanroom.Custom{AllowedAnalyses: []string{cleanroom.AnyQuery}, AllowedAnalysisProviders: []string{fake.AccountID()}},
		Association: &cleanroom.Association{MembershipID: m, Name: "t", RoleARN: "arn:aws:iam::111122223333:role/cleanrooms-read"}})
	if err != nil {
		f.Fatal(err)
	}
	fake.SetTableData("db", "t", cleanroomtest.TableData{Columns: []cleanroomtest.Column{{Name: "k", Type: "string"}, {Name: "n", Type: "bigint"}}, Rows: [][]any{{"x", 1}}})
	f.Add(uint8(14), "", []byte(`{"type":"SQL","sqlParameters":{"queryString":"SELECT k, n FROM t"},"resultConfiguration":{"outputConfiguration":{"s3":{"bucket":"b","resultFormat":"CSV"}}}}`), "")
	f.Add(uint8(14), "", []byte(`{"type":"SQL","sqlParameters":{"analysisTemplateArn":"arn:x","parameters":{"a":"1"}},"resultConfiguration":{"outputConfiguration":{"member":{"accountId":"111122223333"}}}}`), "")
	f.Add(uint8(9), "", []byte(`{"name":"t","format":"SQL","source":{"text":"SELECT :p"},"analysisParameters":[{"name":"p","type":"INTEGER","defaultValue":"x"}]}`), "")
	f.Add(uint8(23), res.ConfiguredTableID, []byte(`{"analysisRuleType":"LIST","analysisRulePolicy":{"v1":{"list":{}}}}`), "")
	f.Add(uint8(0), "", []byte(`{"members":[{}],"name":"n","creatorMemberAbilities":["CAN_QUERY"],"queryLogStatus":"ENABLED","dataEncryptionMetadata":{}}`), "")
	f.Add(uint8(5), "", []byte(`{"collaborationIdentifier":"","queryLogStatus":"ENABLED","defaultResultConfiguration":{"outputConfiguration":{"s3":{}}}}`), "maxResults=0&nextToken=%00")
	f.Add(uint8(27), "", []byte(`{"configuredTableIdentifier":"`+res.ConfiguredTableID+`","name":"a","roleArn":""}`), "")
	f.Add(uint8(34), "arn:aws:cleanrooms:us-east-1:111122223333:configuredtable/"+res.ConfiguredTableID, []byte(`{"tags":{"":""}}`), "")
	h := cleanroomtest.Handler(fake)
	f.Fuzz(func(t *testing.T, op uint8, id string, body []byte, query string) {
		method, path, _ := strings.Cut(routes[int(op)%len(routes)], " ")
		path = strings.ReplaceAll(path, "{m}", m)
		path = strings.ReplaceAll(path, "{id}", url.PathEscape(id))
		u := &url.URL{Path: path}
		if v, err := url.ParseQuery(query); err == nil {
			u.RawQuery = v.Encode()
		}
		req := httptest.NewRequestWithContext(ctx, method, "http://127.0.0.1"+u.RequestURI(), bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 0 || rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), "panic") {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
	})
}
