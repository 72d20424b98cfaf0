package cleanroomtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/smithy-go"

	"github.com/cdpkit/cdpkit/cleanroom/internal/wire"
)

// CleanRoomsServer serves a CleanRooms fake over the Clean Rooms REST-JSON
// protocol on 127.0.0.1, so a real *cleanrooms.Client with BaseEndpoint
// set to URL runs unmodified. Errors carry the X-Amzn-ErrorType header and
// the JSON body the SDK's deserializers read. The server acts as the
// account of the view it was given (see CleanRooms.As).
type CleanRoomsServer struct {
	srv *httptest.Server
	f   *CleanRooms
}

// NewCleanRoomsServer starts a server for f. Close it when done.
func NewCleanRoomsServer(f *CleanRooms) *CleanRoomsServer {
	return &CleanRoomsServer{srv: httptest.NewServer(Handler(f)), f: f}
}

// URL is the server's base URL.
func (s *CleanRoomsServer) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *CleanRoomsServer) Close() { s.srv.Close() }

// Config is an aws.Config for the server: static credentials, the fake's
// region and BaseEndpoint set to URL.
func (s *CleanRoomsServer) Config() aws.Config {
	return aws.Config{
		Region:       s.f.opts.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDCLEANROOMSTEST", "cleanroomstest-secret", ""),
		BaseEndpoint: aws.String(s.srv.URL),
		HTTPClient:   s.srv.Client(),
	}
}

// Client is a real SDK client for the server.
func (s *CleanRoomsServer) Client(optFns ...func(*cleanrooms.Options)) *cleanrooms.Client {
	return cleanrooms.NewFromConfig(s.Config(), optFns...)
}

// Handler is the HTTP handler CleanRoomsServer serves, acting as f's
// account.
func Handler(f *CleanRooms) http.Handler {
	mux := http.NewServeMux()
	const (
		ct  = "/configuredTables/{configuredTableIdentifier}"
		ms  = "/memberships/{membershipIdentifier}"
		cta = ms + "/configuredTableAssociations/{configuredTableAssociationIdentifier}"
	)
	route(mux, "POST /collaborations", f.CreateCollaboration, nil)
	route(mux, "GET /collaborations/{collaborationIdentifier}", f.GetCollaboration, func(r *http.Request, in *cleanrooms.GetCollaborationInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
	})
	route(mux, "GET /collaborations/{collaborationIdentifier}/members", f.ListMembers, func(r *http.Request, in *cleanrooms.ListMembersInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
	})
	route(mux, "GET /collaborations", f.ListCollaborations, func(r *http.Request, in *cleanrooms.ListCollaborationsInput) {
		in.MaxResults, in.NextToken = pageQuery(r)
		in.MemberStatus = types.FilterableMemberStatus(r.URL.Query().Get("memberStatus"))
	})
	route(mux, "PATCH /collaborations/{collaborationIdentifier}", f.UpdateCollaboration, func(r *http.Request, in *cleanrooms.UpdateCollaborationInput) {
		in.CollaborationIdentifier = path(r, "collaborationIdentifier")
	})
	route(mux, "POST /memberships", f.CreateMembership, nil)
	route(mux, "GET /memberships", f.ListMemberships, func(r *http.Request, in *cleanrooms.ListMembershipsInput) {
		in.MaxResults, in.NextToken = pageQuery(r)
		in.Status = types.MembershipStatus(r.URL.Query().Get("status"))
	})
	route(mux, "PATCH "+ms, f.UpdateMembership, func(r *http.Request, in *cleanrooms.UpdateMembershipInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
	})
	const at = ms + "/analysistemplates/{analysisTemplateIdentifier}"
	route(mux, "POST "+ms+"/analysistemplates", f.CreateAnalysisTemplate, func(r *http.Request, in *cleanrooms.CreateAnalysisTemplateInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
	})
	route(mux, "GET "+ms+"/analysistemplates", f.ListAnalysisTemplates, func(r *http.Request, in *cleanrooms.ListAnalysisTemplatesInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
	})
	route(mux, "GET "+at, f.GetAnalysisTemplate, func(r *http.Request, in *cleanrooms.GetAnalysisTemplateInput) {
		in.MembershipIdentifier, in.AnalysisTemplateIdentifier = path(r, "membershipIdentifier"), path(r, "analysisTemplateIdentifier")
	})
	route(mux, "PATCH "+at, f.UpdateAnalysisTemplate, func(r *http.Request, in *cleanrooms.UpdateAnalysisTemplateInput) {
		in.MembershipIdentifier, in.AnalysisTemplateIdentifier = path(r, "membershipIdentifier"), path(r, "analysisTemplateIdentifier")
	})
	route(mux, "DELETE "+at, f.DeleteAnalysisTemplate, func(r *http.Request, in *cleanrooms.DeleteAnalysisTemplateInput) {
		in.MembershipIdentifier, in.AnalysisTemplateIdentifier = path(r, "membershipIdentifier"), path(r, "analysisTemplateIdentifier")
	})
	const pq = ms + "/protectedQueries/{protectedQueryIdentifier}"
	route(mux, "POST "+ms+"/protectedQueries", f.StartProtectedQuery, func(r *http.Request, in *cleanrooms.StartProtectedQueryInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
	})
	route(mux, "GET "+ms+"/protectedQueries", f.ListProtectedQueries, func(r *http.Request, in *cleanrooms.ListProtectedQueriesInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
		in.Status = types.ProtectedQueryStatus(r.URL.Query().Get("status"))
	})
	route(mux, "GET "+pq, f.GetProtectedQuery, func(r *http.Request, in *cleanrooms.GetProtectedQueryInput) {
		in.MembershipIdentifier, in.ProtectedQueryIdentifier = path(r, "membershipIdentifier"), path(r, "protectedQueryIdentifier")
	})
	route(mux, "PATCH "+pq, f.UpdateProtectedQuery, func(r *http.Request, in *cleanrooms.UpdateProtectedQueryInput) {
		in.MembershipIdentifier, in.ProtectedQueryIdentifier = path(r, "membershipIdentifier"), path(r, "protectedQueryIdentifier")
	})
	route(mux, "GET "+ms, f.GetMembership, func(r *http.Request, in *cleanrooms.GetMembershipInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
	})

	route(mux, "POST /configuredTables", f.CreateConfiguredTable, nil)
	route(mux, "GET /configuredTables", f.ListConfiguredTables, func(r *http.Request, in *cleanrooms.ListConfiguredTablesInput) {
		in.MaxResults, in.NextToken = pageQuery(r)
	})
	route(mux, "GET "+ct, f.GetConfiguredTable, func(r *http.Request, in *cleanrooms.GetConfiguredTableInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
	})
	route(mux, "PATCH "+ct, f.UpdateConfiguredTable, func(r *http.Request, in *cleanrooms.UpdateConfiguredTableInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
	})
	route(mux, "DELETE "+ct, f.DeleteConfiguredTable, func(r *http.Request, in *cleanrooms.DeleteConfiguredTableInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
	})
	route(mux, "POST "+ct+"/analysisRule", f.CreateConfiguredTableAnalysisRule, func(r *http.Request, in *cleanrooms.CreateConfiguredTableAnalysisRuleInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
	})
	route(mux, "GET "+ct+"/analysisRule/{analysisRuleType}", f.GetConfiguredTableAnalysisRule, func(r *http.Request, in *cleanrooms.GetConfiguredTableAnalysisRuleInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
		in.AnalysisRuleType = types.ConfiguredTableAnalysisRuleType(r.PathValue("analysisRuleType"))
	})
	route(mux, "PATCH "+ct+"/analysisRule/{analysisRuleType}", f.UpdateConfiguredTableAnalysisRule, func(r *http.Request, in *cleanrooms.UpdateConfiguredTableAnalysisRuleInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
		in.AnalysisRuleType = types.ConfiguredTableAnalysisRuleType(r.PathValue("analysisRuleType"))
	})
	route(mux, "DELETE "+ct+"/analysisRule/{analysisRuleType}", f.DeleteConfiguredTableAnalysisRule, func(r *http.Request, in *cleanrooms.DeleteConfiguredTableAnalysisRuleInput) {
		in.ConfiguredTableIdentifier = path(r, "configuredTableIdentifier")
		in.AnalysisRuleType = types.ConfiguredTableAnalysisRuleType(r.PathValue("analysisRuleType"))
	})

	route(mux, "POST "+ms+"/configuredTableAssociations", f.CreateConfiguredTableAssociation, func(r *http.Request, in *cleanrooms.CreateConfiguredTableAssociationInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
	})
	route(mux, "GET "+ms+"/configuredTableAssociations", f.ListConfiguredTableAssociations, func(r *http.Request, in *cleanrooms.ListConfiguredTableAssociationsInput) {
		in.MembershipIdentifier = path(r, "membershipIdentifier")
		in.MaxResults, in.NextToken = pageQuery(r)
	})
	assocIDs := func(r *http.Request) (*string, *string) {
		return path(r, "membershipIdentifier"), path(r, "configuredTableAssociationIdentifier")
	}
	route(mux, "GET "+cta, f.GetConfiguredTableAssociation, func(r *http.Request, in *cleanrooms.GetConfiguredTableAssociationInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
	})
	route(mux, "PATCH "+cta, f.UpdateConfiguredTableAssociation, func(r *http.Request, in *cleanrooms.UpdateConfiguredTableAssociationInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
	})
	route(mux, "DELETE "+cta, f.DeleteConfiguredTableAssociation, func(r *http.Request, in *cleanrooms.DeleteConfiguredTableAssociationInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
	})
	route(mux, "POST "+cta+"/analysisRule", f.CreateConfiguredTableAssociationAnalysisRule, func(r *http.Request, in *cleanrooms.CreateConfiguredTableAssociationAnalysisRuleInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
	})
	route(mux, "GET "+cta+"/analysisRule/{analysisRuleType}", f.GetConfiguredTableAssociationAnalysisRule, func(r *http.Request, in *cleanrooms.GetConfiguredTableAssociationAnalysisRuleInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
		in.AnalysisRuleType = types.ConfiguredTableAssociationAnalysisRuleType(r.PathValue("analysisRuleType"))
	})
	route(mux, "PATCH "+cta+"/analysisRule/{analysisRuleType}", f.UpdateConfiguredTableAssociationAnalysisRule, func(r *http.Request, in *cleanrooms.UpdateConfiguredTableAssociationAnalysisRuleInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
		in.AnalysisRuleType = types.ConfiguredTableAssociationAnalysisRuleType(r.PathValue("analysisRuleType"))
	})
	route(mux, "DELETE "+cta+"/analysisRule/{analysisRuleType}", f.DeleteConfiguredTableAssociationAnalysisRule, func(r *http.Request, in *cleanrooms.DeleteConfiguredTableAssociationAnalysisRuleInput) {
		in.MembershipIdentifier, in.ConfiguredTableAssociationIdentifier = assocIDs(r)
		in.AnalysisRuleType = types.ConfiguredTableAssociationAnalysisRuleType(r.PathValue("analysisRuleType"))
	})

	schemaRoutes(mux, f)

	route(mux, "GET /tags/{resourceArn}", f.ListTagsForResource, func(r *http.Request, in *cleanrooms.ListTagsForResourceInput) {
		in.ResourceArn = path(r, "resourceArn")
	})
	route(mux, "POST /tags/{resourceArn}", f.TagResource, func(r *http.Request, in *cleanrooms.TagResourceInput) {
		in.ResourceArn = path(r, "resourceArn")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "operation not supported by cleanroomtest"}, http.StatusNotFound)
	})
	return mux
}

func path(r *http.Request, name string) *string { return aws.String(r.PathValue(name)) }

func pageQuery(r *http.Request) (*int32, *string) {
	var max *int32
	if s := r.URL.Query().Get("maxResults"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			n = -1
		}
		max = aws.Int32(int32(n))
	}
	var token *string
	if s := r.URL.Query().Get("nextToken"); s != "" {
		token = aws.String(s)
	}
	return max, token
}

// route binds one operation: body members from JSON, labels and query
// members from bind, the output as JSON.
func route[I, O any](mux *http.ServeMux, pattern string, op func(context.Context, *I, ...func(*cleanrooms.Options)) (*O, error), bind func(*http.Request, *I)) {
	routeWith(mux, pattern, op, bind, wire.Marshal)
}

// routeWith is route with the output encoded by marshal.
func routeWith[I, O any](mux *http.ServeMux, pattern string, op func(context.Context, *I, ...func(*cleanrooms.Options)) (*O, error), bind func(*http.Request, *I), marshal func(any) ([]byte, error)) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		in := new(I)
		if r.ContentLength > MaxRequestBody {
			tooLarge(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
		if err != nil {
			writeError(w, &types.ValidationException{Message: aws.String("unreadable body"), Reason: types.ValidationExceptionReasonFieldValidationFailed}, 0)
			return
		}
		if len(body) > MaxRequestBody {
			tooLarge(w, r)
			return
		}
		if len(body) > 0 {
			if err := wire.Unmarshal(body, in); err != nil {
				writeError(w, &types.ValidationException{Message: aws.String("malformed request body"), Reason: types.ValidationExceptionReasonFieldValidationFailed}, 0)
				return
			}
		}
		if bind != nil {
			bind(r, in)
		}
		out, err := op(r.Context(), in)
		if err != nil {
			writeError(w, err, 0)
			return
		}
		b, err := marshal(out)
		if err != nil {
			writeError(w, &types.InternalServerException{Message: aws.String("cannot encode response")}, 0)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

// MaxRequestBody is the largest request body the server reads: 8 MiB.
// The service documents no limit of its own; the largest members it
// documents (a query string of 500,000 characters, rule and template
// texts) fit well inside this one.
const MaxRequestBody = 8 << 20

// tooLarge answers a request whose body is over MaxRequestBody. The Clean
// Rooms model has no error for it, and what the service's front end
// answers is not documented: the server answers HTTP 413 (Content Too
// Large, the status AWS front ends use for oversized requests) with the
// model's ValidationException, its closest documented shape, without a
// reason or fieldList since no field is at fault. A real SDK client
// surfaces it as *types.ValidationException (cleanroom maps it to
// cdpkit.ErrInvalid) with status 413 on its *smithyhttp.ResponseError.
func tooLarge(w http.ResponseWriter, r *http.Request) {
	// Read (up to a bound) what the client is still sending, so that it
	// gets to read the answer instead of a reset connection.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4*MaxRequestBody))
	writeError(w, &types.ValidationException{Message: aws.String("request body exceeds " + strconv.Itoa(MaxRequestBody) + " bytes")}, http.StatusRequestEntityTooLarge)
}

// writeError writes err as the service does: status by error type,
// X-Amzn-ErrorType, and the error's members as JSON.
func writeError(w http.ResponseWriter, err error, status int) {
	code, body := "InternalServerException", any(&types.InternalServerException{Message: aws.String("internal error")})
	s := http.StatusInternalServerError
	var (
		ve *types.ValidationException
		cf *types.ConflictException
		qe *types.ServiceQuotaExceededException
		nf *types.ResourceNotFoundException
		ad *types.AccessDeniedException
		th *types.ThrottlingException
		ge *smithy.GenericAPIError
	)
	switch {
	case errors.As(err, &ve):
		code, body, s = "ValidationException", ve, http.StatusBadRequest
	case errors.As(err, &cf):
		code, body, s = "ConflictException", cf, http.StatusConflict
	case errors.As(err, &qe):
		code, body, s = "ServiceQuotaExceededException", qe, http.StatusPaymentRequired
	case errors.As(err, &nf):
		code, body, s = "ResourceNotFoundException", nf, http.StatusNotFound
	case errors.As(err, &ad):
		code, body, s = "AccessDeniedException", ad, http.StatusForbidden
	case errors.As(err, &th):
		code, body, s = "ThrottlingException", th, http.StatusTooManyRequests
	case errors.As(err, &ge):
		code, body = ge.Code, map[string]string{"message": ge.Message}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code, body, s = "RequestTimeoutException", map[string]string{"message": "request cancelled"}, 408
	}
	if status != 0 {
		s = status
	}
	var b []byte
	if m, ok := body.(map[string]string); ok {
		// encoding/json, not strconv.Quote: Go's \x escapes are not JSON.
		b, _ = json.Marshal(map[string]string{"message": m["message"]})
	} else {
		var merr error
		if b, merr = wire.Marshal(body); merr != nil {
			b = []byte(`{}`)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(s)
	_, _ = w.Write(b)
}
