package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/oauth2tokens"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// CallbackPath is where OAuth2 providers send the browser back after
// authorization, outside /api/v1: the single-use state authenticates it.
const CallbackPath = "/oauth2/callback"

// oauth2Input is the oauth2 object of POST /credentials.
type oauth2Input struct {
	settings     secrets.OAuth2Settings
	refreshToken string
}

// secret is the sealed value of the new credential. A refresh_token given
// at creation makes the credential connected (for the refresh_token grant)
// without the authorize call.
func (in *oauth2Input) secret(clientSecret string) *secrets.OAuth2Secret {
	v := &secrets.OAuth2Secret{ClientSecret: clientSecret, Settings: in.settings}
	if in.refreshToken != "" {
		v.Token = &secrets.OAuth2Token{RefreshToken: in.refreshToken}
	}
	return v
}

// decodeOAuth2Input checks the oauth2 object: token_url and client_id are
// required; auth_url (needed to connect through the authorize call) and
// redirect_url are absolute http(s) URLs; scopes is a list of strings;
// refresh_token optionally seeds the token. Problems never repeat values.
func decodeOAuth2Input(raw json.RawMessage) (*oauth2Input, []flows.Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, []flows.Problem{{Pointer: "/oauth2", Message: "oauth2 must be an object with token_url, client_id and optionally auth_url, scopes, redirect_url, refresh_token"}}
	}
	var problems []flows.Problem
	add := func(key, msg string) {
		problems = append(problems, flows.Problem{Pointer: "/oauth2/" + pointerEscape(key), Message: msg})
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	known := map[string]bool{"auth_url": true, "token_url": true, "client_id": true, "scopes": true, "redirect_url": true, "refresh_token": true}
	for _, k := range keys {
		if !known[k] {
			add(k, fmt.Sprintf("unknown field %q; oauth2 accepts auth_url, token_url, client_id, scopes, redirect_url and refresh_token", k))
		}
	}
	str := func(key string, required, isURL bool) string {
		v, ok := fields[key]
		if !ok {
			if required {
				add(key, key+" is required")
			}
			return ""
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			add(key, key+" must be a string")
			return ""
		}
		if s == "" {
			add(key, key+" must not be empty")
			return ""
		}
		if isURL {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(key, key+" must be an absolute http or https URL")
				return ""
			}
		}
		return s
	}
	in := &oauth2Input{}
	in.settings.AuthURL = str("auth_url", false, true)
	in.settings.TokenURL = str("token_url", true, true)
	in.settings.ClientID = str("client_id", true, false)
	in.settings.RedirectURL = str("redirect_url", false, true)
	in.refreshToken = str("refresh_token", false, false)
	if v, ok := fields["scopes"]; ok {
		if err := json.Unmarshal(v, &in.settings.Scopes); err != nil {
			add("scopes", "scopes must be a list of strings")
		}
	}
	return in, problems
}

// redirectURL is where the provider sends the browser back: the public URL
// (FLOWLINE_PUBLIC_URL) or, without one, the host the request came to.
func (s *server) redirectURL(c *gin.Context) string {
	return s.publicBase(c) + CallbackPath
}

// AuthorizeInfo is the answer of GET /credentials/{id}/oauth2/authorize
// asked for JSON: the provider's authorization page to send the browser to.
type AuthorizeInfo struct {
	AuthorizeURL string `json:"authorize_url"`
}

// authorizeCredential answers GET /credentials/{id}/oauth2/authorize with a
// redirect to the provider's authorization page or, asked with
// Accept: application/json or ?format=json (a page that must send the API
// token, which a navigation cannot), with that URL as JSON.
func (s *server) authorizeCredential(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	u, err := s.oauth.AuthorizeURL(c.Request.Context(), c.Param("id"), s.redirectURL(c))
	switch {
	case err == nil:
		c.Header("Cache-Control", "no-store")
		if c.Query("format") == "json" || strings.Contains(c.GetHeader("Accept"), "application/json") {
			respond(c, http.StatusOK, AuthorizeInfo{AuthorizeURL: u})
			return
		}
		c.Redirect(http.StatusFound, u)
	case errors.Is(err, store.ErrNotFound):
		problemf(c, http.StatusNotFound, "no credential with id or name %q", c.Param("id"))
	case errors.Is(err, oauth2tokens.ErrNoSettings):
		problem(c, http.StatusConflict, err.Error())
	default:
		internalError(c, "starting oauth2 authorization", err)
	}
}

// oauth2Callback completes an authorization: the provider redirected the
// browser here with a code and the state the authorize call made.
func (s *server) oauth2Callback(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	q := c.Request.URL.Query()
	state, code := q.Get("state"), q.Get("code")
	if state == "" {
		problem(c, http.StatusBadRequest, "the callback has no state")
		return
	}
	if e := q.Get("error"); e != "" {
		if !s.oauth.Forget(state) {
			problem(c, http.StatusBadRequest, "the state is unknown, already used or expired; start again from the authorize call")
			return
		}
		problemf(c, http.StatusBadRequest, "the provider did not authorize: %s", safeErrorCode(e))
		return
	}
	if code == "" {
		problem(c, http.StatusBadRequest, "the callback has no code")
		return
	}
	name, err := s.oauth.Connect(c.Request.Context(), state, code)
	if err != nil {
		kind, _ := connectors.Classify(err)
		switch {
		case errors.Is(err, oauth2tokens.ErrState):
			problem(c, http.StatusBadRequest, "the state is unknown, already used or expired; start again from the authorize call")
		case errors.Is(err, store.ErrNotFound):
			problem(c, http.StatusNotFound, "the credential was deleted while it was being connected")
		case kind == connectors.Permanent:
			problem(c, http.StatusBadRequest, err.Error())
		default:
			logger(c).Warn("oauth2 code exchange failed", "error", err)
			problem(c, http.StatusBadGateway, err.Error())
		}
		return
	}
	c.Header("Cache-Control", "no-store")
	if strings.Contains(c.GetHeader("Accept"), "application/json") {
		respond(c, http.StatusOK, gin.H{"connected": true, "credential": name})
		return
	}
	page := "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Connected</title><p>Credential <b>" +
		html.EscapeString(name) + "</b> is connected. You can close this window.</p>\n" +
		"<p><a href=\"/credentials\">Back to the credentials</a></p>\n"
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(page))
}

// safeErrorCode keeps an OAuth error code if it looks like one, so that the
// answer never reflects arbitrary query text.
func safeErrorCode(code string) string {
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return "an error"
		}
	}
	if len(code) > 64 {
		return "an error"
	}
	return code
}
