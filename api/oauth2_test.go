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

func TestOAuth2AuthorizationCode(t *testing.T) {
	srv := oauth2test.Start(t, time.Hour)
	e, sealer := credEnv(t)
	st := e.store
	tokens := oauth2tokens.New(oauth2tokens.Options{
		Store: st, Sealer: sealer, HTTPClient: httpconn.NewOutboundClient([]string{"127.0.0.1"}, 5*time.Second),
	})
	e = newEnv(t, func(o *Options) {
		o.Sealer, o.OAuth2, o.PublicURL, o.Store, o.APIToken = sealer, tokens, "http://flowline.test/", st, "api-token"
	})
	// Every answer is checked for the client secret and, once known, the
	// tokens.
	var leaks []string
	clean := func(r response) response {
		t.Helper()
		for _, s := range append([]string{oauth2test.ClientSecret, testSecret}, leaks...) {
			if strings.Contains(r.Body.String(), s) || strings.Contains(r.Header().Get("Location"), s) {
				t.Errorf("answer holds a secret: %s", r.Body.String())
			}
		}
		return r
	}

	var info CredentialInfo
	clean(e.do("POST", "/api/v1/credentials", map[string]any{
		"name": "app", "secret": oauth2test.ClientSecret,
		"oauth2": map[string]any{"auth_url": srv.AuthURL, "token_url": srv.TokenURL, "client_id": oauth2test.ClientID, "scopes": []string{"read"}},
	})).want(t, http.StatusCreated).decode(t, &info)
	if info.OAuth2 == nil || info.OAuth2.Connected || info.OAuth2.ClientID != oauth2test.ClientID || info.OAuth2.TokenURL != srv.TokenURL {
		t.Fatalf("created: %+v", info.OAuth2)
	}

	// The authorize call is behind the API token.
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/credentials/app/oauth2/authorize", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("authorize without token: %d", rec.Code)
	}
	r := clean(e.do("GET", "/api/v1/credentials/app/oauth2/authorize", nil)).want(t, http.StatusFound)
	loc, err := url.Parse(r.Header().Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), srv.AuthURL+"?") {
		t.Fatalf("authorize redirects to %q", r.Header().Get("Location"))
	}
	q := loc.Query()
	if q.Get("client_id") != oauth2test.ClientID || q.Get("redirect_uri") != "http://flowline.test/oauth2/callback" ||
		q.Get("response_type") != "code" || q.Get("scope") != "read" || len(q.Get("state")) < 32 {
		t.Fatalf("authorize query: %v", q)
	}

	// The provider approves and sends the browser back.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || back.Host != "flowline.test" || back.Path != CallbackPath {
		t.Fatalf("provider answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if back.Query().Get("state") != q.Get("state") {
		t.Fatal("the state did not come back")
	}
	// The callback needs no API token: the state authenticates it.
	callback := func() response {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest("GET", back.RequestURI(), nil))
		return clean(response{rec})
	}
	page := callback().want(t, http.StatusOK)
	if !strings.Contains(page.Body.String(), "connected") {
		t.Errorf("callback page: %s", page.Body.String())
	}

	cred, err := st.GetCredential(context.Background(), "app")
	if err != nil {
		t.Fatal(err)
	}
	v, err := sealer.OpenOAuth2(cred.Sealed)
	if err != nil || !v.Connected() {
		t.Fatalf("credential not connected: %v", err)
	}
	leaks = append(leaks, v.Token.AccessToken, v.Token.RefreshToken)
	if strings.Contains(string(cred.Sealed), v.Token.AccessToken) {
		t.Fatal("the token is stored in the clear")
	}

	clean(e.do("GET", "/api/v1/credentials/app", nil)).want(t, http.StatusOK).decode(t, &info)
	if info.OAuth2 == nil || !info.OAuth2.Connected {
		t.Fatalf("after connecting: %+v", info.OAuth2)
	}
	clean(e.do("GET", "/api/v1/credentials", nil)).want(t, http.StatusOK)

	tok, err := tokens.AccessToken(context.Background(), httpconn.OAuth2Config{Grant: "authorization_code", Credential: "app"})
	if err != nil || !srv.Valid(tok) {
		t.Fatalf("access token after connecting: %v", err)
	}

	// The state is single use.
	callback().want(t, http.StatusBadRequest).problem(t)
	// Unknown state, provider errors, missing code.
	for _, path := range []string{
		CallbackPath + "?state=forged&code=x",
		CallbackPath + "?code=x",
		CallbackPath + "?state=forged&error=access_denied",
	} {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), ProblemContentType) {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
}

func TestOAuth2CredentialProblems(t *testing.T) {
	e, _ := credEnv(t)
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "plain", "secret": testSecret}).want(t, http.StatusCreated)
	noSecret(t, e.do("GET", "/api/v1/credentials/plain/oauth2/authorize", nil)).want(t, http.StatusConflict).problem(t)
	e.do("GET", "/api/v1/credentials/nope/oauth2/authorize", nil).want(t, http.StatusNotFound)

	p := noSecret(t, e.do("POST", "/api/v1/credentials", map[string]any{
		"name": "x", "secret": testSecret, "oauth2": map[string]any{"auth_url": "not a url", "scopes": "read", "extra": 1},
	})).want(t, http.StatusUnprocessableEntity).problem(t)
	want := map[string]bool{"/oauth2/auth_url": true, "/oauth2/token_url": true, "/oauth2/client_id": true, "/oauth2/scopes": true, "/oauth2/extra": true}
	for _, pr := range p.Errors {
		delete(want, pr.Pointer)
	}
	if len(want) > 0 {
		t.Errorf("problems %+v lack %v", p.Errors, want)
	}
}
