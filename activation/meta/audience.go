package meta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// AudienceInfo is a Custom Audience of an ad account, as Audiences lists it.
type AudienceInfo struct {
	ID          string
	Name        string
	Description string
}

// Audiences yields the ad account's Custom Audiences
// (GET /act_{id}/customaudiences), following Graph's paging cursors.
func (c *Client) Audiences(ctx context.Context, adAccountID string) iter.Seq2[AudienceInfo, error] {
	return func(yield func(AudienceInfo, error) bool) {
		if !validID(adAccountID, true) {
			yield(AudienceInfo{}, &Error{Op: "list audiences", Audience: adAccountID, Kind: ErrInvalidInput, Err: errors.New("ad account id must be numeric, optionally prefixed act_")})
			return
		}
		acct := "act_" + strings.TrimPrefix(adAccountID, "act_")
		after := ""
		for {
			q := url.Values{"fields": {"id,name,description"}, "limit": {"100"}}
			if after != "" {
				q.Set("after", after)
			}
			var out struct {
				Data []struct {
					ID          flexString `json:"id"`
					Name        string     `json:"name"`
					Description string     `json:"description"`
				} `json:"data"`
				Paging struct {
					Cursors struct {
						After string `json:"after"`
					} `json:"cursors"`
					Next string `json:"next"`
				} `json:"paging"`
			}
			var usage *Usage
			if err := c.do(ctx, http.MethodGet, c.url(acct+"/customaudiences", q), nil, &out, &usage, "list audiences", adAccountID, 0); err != nil {
				yield(AudienceInfo{}, err)
				return
			}
			for _, a := range out.Data {
				if !yield(AudienceInfo{ID: string(a.ID), Name: a.Name, Description: a.Description}, nil) {
					return
				}
			}
			if out.Paging.Next == "" || out.Paging.Cursors.After == "" || out.Paging.Cursors.After == after {
				return
			}
			after = out.Paging.Cursors.After
		}
	}
}

// EnsureAudience returns the ad account's Custom Audience named spec.Name,
// creating it (CreateAudience) only when the account has none, so a
// program that runs again uploads to the audience it created before
// instead of a duplicate. created reports whether this call created it.
// Two audiences with the name are an error matching ErrConflict: pick one
// by id. Two programs ensuring the same name at the same moment can both
// create it; run one at a time per name.
func (c *Client) EnsureAudience(ctx context.Context, adAccountID string, spec AudienceSpec) (id string, created bool, err error) {
	if spec.Name == "" {
		return "", false, &Error{Op: "ensure audience", Audience: adAccountID, Kind: ErrInvalidInput, Err: errors.New("audience name is required")}
	}
	var found []string
	for a, err := range c.Audiences(ctx, adAccountID) {
		if err != nil {
			return "", false, err
		}
		if a.Name == spec.Name {
			found = append(found, a.ID)
		}
	}
	switch len(found) {
	case 0:
		id, err := c.CreateAudience(ctx, adAccountID, spec)
		return id, err == nil, err
	case 1:
		return found[0], false, nil
	}
	return "", false, &Error{Op: "ensure audience", Audience: adAccountID, Kind: ErrConflict,
		Err: fmt.Errorf("%d audiences have the name %q (ids %s)", len(found), spec.Name, strings.Join(found, ", "))}
}
