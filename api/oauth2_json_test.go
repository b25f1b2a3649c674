package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/internal/oauth2tokens"
	"github.com/flowline/flowline/internal/oauth2tokens/oauth2test"
)

// TestOAuth2AuthorizeJSON: a page that must send the API token fetches the
// provider's URL as JSON (Accept or ?format=json) and then navigates; the
// state in it connects the credential like the redirect's.
func TestOAuth2AuthorizeJSON(t *testing.T) {
	srv := oauth2test.Start(t, time.Hour)
	e, sealer := credEnv(t)
	st := e.store
	tokens := oauth2tokens.New(oauth2tokens.Options{
		Store: st, Sealer: sealer, HTTPClient: httpconn.NewOutboundClient([]string{"127.0.0.1"}, 5*time.Second),
	})
	e = newEnv(t, func(o *Options) {
		o.Sealer, o.OAuth2, o.PublicURL, o.Store, o.APIToken = sealer, tokens, "http://flowline.test/", st, "api-token"
	})
	e.do("POST", "/api/v1/credentials", map[string]any{
		"name": "app", "secret": oauth2test.ClientSecret,
		"oauth2": map[string]any{"auth_url": srv.AuthURL, "token_url": srv.TokenURL, "client_id": oauth2test.ClientID},
	}).want(t, http.StatusCreated)

	authorize := func(path, accept string, token bool) response {
		req := e.request("GET", path, "")
		if !token {
			req.Header.Del("Authorization")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return e.send(req)
	}
	if r := authorize("/api/v1/credentials/app/oauth2/authorize?format=json", "", false); r.Code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", r.Code)
	}
	var viaQuery, viaAccept AuthorizeInfo
	r := authorize("/api/v1/credentials/app/oauth2/authorize?format=json", "", true).want(t, http.StatusOK)
	r.decode(t, &viaQuery)
	if r.Header().Get("Cache-Control") != "no-store" || r.Header().Get("Location") != "" {
		t.Errorf("JSON answer headers: %v", r.Header())
	}
	authorize("/api/v1/credentials/app/oauth2/authorize", "application/json", true).want(t, http.StatusOK).decode(t, &viaAccept)
	if strings.Contains(r.Body.String(), oauth2test.ClientSecret) {
		t.Fatal("the answer holds the client secret")
	}
	states := map[string]bool{}
	for _, raw := range []string{viaQuery.AuthorizeURL, viaAccept.AuthorizeURL} {
		u, err := url.Parse(raw)
		if err != nil || !strings.HasPrefix(raw, srv.AuthURL+"?") || u.Query().Get("redirect_uri") != "http://flowline.test/oauth2/callback" {
			t.Fatalf("authorize_url = %q", raw)
		}
		states[u.Query().Get("state")] = true
	}
	if len(states) != 2 {
		t.Fatal("each authorize call must make its own state")
	}
	// Problems stay problems when JSON is asked for.
	authorize("/api/v1/credentials/nope/oauth2/authorize?format=json", "", true).want(t, http.StatusNotFound).problem(t)

	// The provider approves the first URL and the callback connects.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(viaQuery.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Path != CallbackPath {
		t.Fatalf("provider answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := e.send(httptest.NewRequest("GET", back.RequestURI(), nil)).want(t, http.StatusOK)
	if !strings.Contains(page.Body.String(), `href="/credentials"`) {
		t.Errorf("the callback page does not lead back: %s", page.Body.String())
	}
	var info CredentialInfo
	e.do("GET", "/api/v1/credentials/app", nil).want(t, http.StatusOK).decode(t, &info)
	if info.OAuth2 == nil || !info.OAuth2.Connected {
		t.Fatalf("after connecting: %+v", info.OAuth2)
	}
	if _, err := tokens.AccessToken(context.Background(), httpconn.OAuth2Config{Grant: "authorization_code", Credential: "app"}); err != nil {
		t.Fatalf("access token after connecting: %v", err)
	}
}
