package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/flowline/flowline/internal/secrets"
)

// TestUpdateCredential: PUT replaces the secret, keeps the id and name,
// and GET shows secret_set, updated_at and the flows that use it.
func TestUpdateCredential(t *testing.T) {
	e, sealer := credEnv(t)
	var created CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "pw", "secret": "old-secret"}).want(t, http.StatusCreated).decode(t, &created)
	var f flowJSON
	e.do("POST", "/api/v1/flows", `{"name": "caller", "trigger": {"type": "manual"}, "steps": [
	  {"id": "a", "type": "http", "config": {"url": "https://example.com", "auth": {"type": "bearer", "credential": "pw"}}}]}`).
		want(t, http.StatusCreated).decode(t, &f)

	var got CredentialInfo
	noSecret(t, e.do("PUT", "/api/v1/credentials/pw", map[string]string{"secret": testSecret})).want(t, http.StatusOK).decode(t, &got)
	if got.ID != created.ID || got.Name != "pw" || !got.SecretSet || got.UpdatedAt.Before(created.UpdatedAt) || !got.CreatedAt.Equal(created.CreatedAt) {
		t.Errorf("updated = %+v, created = %+v", got, created)
	}
	if len(got.UsedBy) != 1 || got.UsedBy[0].ID != f.ID || got.UsedBy[0].Name != "caller" {
		t.Errorf("used_by = %+v", got.UsedBy)
	}
	row, err := e.store.GetCredential(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := sealer.Open(row.Sealed); err != nil || string(plain) != testSecret {
		t.Errorf("stored secret %q, %v", plain, err)
	}
	var again CredentialInfo
	noSecret(t, e.do("GET", "/api/v1/credentials/"+created.ID, nil)).want(t, http.StatusOK).decode(t, &again)
	if !again.SecretSet || len(again.UsedBy) != 1 || !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("GET = %+v", again)
	}
	var list struct {
		Credentials []CredentialInfo `json:"credentials"`
	}
	e.do("GET", "/api/v1/credentials", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.Credentials) != 1 || len(list.Credentials[0].UsedBy) != 1 {
		t.Errorf("list = %+v", list)
	}

	// Refusals change nothing.
	for body, pointer := range map[string]string{
		`{"name": "other", "secret": "x"}`: "/name",
		`{}`:                               "/secret",
		`{"secret": ""}`:                   "/secret",
		`{"secret": "x", "id": "y"}`:       "/id",
	} {
		p := e.do("PUT", "/api/v1/credentials/pw", body).want(t, http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != pointer {
			t.Errorf("PUT %s: %+v", body, p.Errors)
		}
	}
	e.do("PUT", "/api/v1/credentials/pw", `{"name": "pw", "secret": "`+testSecret+`"}`).want(t, http.StatusOK)
	e.do("PUT", "/api/v1/credentials/nope", `{"secret": "x"}`).want(t, http.StatusNotFound).problem(t)
	row, _ = e.store.GetCredential(context.Background(), created.ID)
	if plain, err := sealer.Open(row.Sealed); err != nil || string(plain) != testSecret {
		t.Errorf("refused PUTs changed the secret: %q, %v", plain, err)
	}
}

// TestUpdateOAuth2Credential: PUT replaces an oauth2 credential's client
// secret and settings; tokens stay while the client stays the same.
func TestUpdateOAuth2Credential(t *testing.T) {
	e, sealer := credEnv(t)
	st := e.store
	e = newEnv(t, func(o *Options) { o.Sealer, o.PublicURL, o.Store = sealer, "https://flows.example.com/", st })
	settings := map[string]any{"token_url": "https://idp.example.com/token", "client_id": "app", "refresh_token": "rt-1"}
	var info CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]any{"name": "crm", "secret": "cs-1", "oauth2": settings}).want(t, http.StatusCreated).decode(t, &info)
	if info.OAuth2 == nil || !info.OAuth2.Connected || info.OAuth2.CallbackURL != "https://flows.example.com/oauth2/callback" {
		t.Fatalf("created %+v", info.OAuth2)
	}
	open := func() *secrets.OAuth2Secret {
		row, err := st.GetCredential(context.Background(), "crm")
		if err != nil {
			t.Fatal(err)
		}
		v, err := sealer.OpenOAuth2(row.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The client secret alone: settings and tokens stay.
	e.do("PUT", "/api/v1/credentials/crm", map[string]any{"secret": "cs-2"}).want(t, http.StatusOK).decode(t, &info)
	if v := open(); v.ClientSecret != "cs-2" || v.Settings.ClientID != "app" || v.Token == nil || v.Token.RefreshToken != "rt-1" || !info.OAuth2.Connected {
		t.Errorf("after secret PUT: %+v, %+v", v, info.OAuth2)
	}
	// New scopes for the same client: tokens stay.
	e.do("PUT", "/api/v1/credentials/crm", map[string]any{"oauth2": map[string]any{"token_url": "https://idp.example.com/token", "client_id": "app", "scopes": []string{"a"}}}).
		want(t, http.StatusOK).decode(t, &info)
	if v := open(); v.ClientSecret != "cs-2" || len(v.Settings.Scopes) != 1 || v.Token == nil {
		t.Errorf("after scopes PUT: %+v", v)
	}
	// Another client: the tokens belonged to the old one.
	e.do("PUT", "/api/v1/credentials/crm", map[string]any{"secret": "cs-3", "oauth2": map[string]any{"token_url": "https://idp.example.com/token", "client_id": "other"}}).
		want(t, http.StatusOK).decode(t, &info)
	if v := open(); v.ClientSecret != "cs-3" || v.Settings.ClientID != "other" || v.Token != nil || info.OAuth2.Connected {
		t.Errorf("after client PUT: %+v, %+v", v, info.OAuth2)
	}
}

// TestOAuth2CallbackURLIsFixed: a redirect_url other than the callback URL
// is refused on create and update; the callback URL itself is accepted.
func TestOAuth2CallbackURLIsFixed(t *testing.T) {
	e, sealer := credEnv(t)
	e = newEnv(t, func(o *Options) { o.Sealer, o.PublicURL, o.Store = sealer, "https://flows.example.com", e.store })
	oauth := func(redirect string) map[string]any {
		return map[string]any{"token_url": "https://idp.example.com/token", "client_id": "app", "redirect_url": redirect}
	}
	p := e.do("POST", "/api/v1/credentials", map[string]any{"name": "crm", "secret": "s", "oauth2": oauth("https://evil.example.com/cb")}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/oauth2/redirect_url" {
		t.Errorf("problems %+v", p.Errors)
	}
	var info CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]any{"name": "crm", "secret": "s", "oauth2": oauth("https://flows.example.com/oauth2/callback")}).
		want(t, http.StatusCreated).decode(t, &info)
	if info.OAuth2.CallbackURL != "https://flows.example.com/oauth2/callback" {
		t.Errorf("callback_url %q", info.OAuth2.CallbackURL)
	}
	p = e.do("PUT", "/api/v1/credentials/crm", map[string]any{"oauth2": oauth("https://flows.example.com/other")}).
		want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/oauth2/redirect_url" {
		t.Errorf("problems %+v", p.Errors)
	}
}

// TestUpdateOAuth2CredentialRacesRefresh: a token refresh that lands
// between the PUT's read and its write is kept: the PUT reads again and
// merges its change over the fresh token rather than writing the old one
// back. A credential that keeps changing is a 409 that changes nothing.
func TestUpdateOAuth2CredentialRacesRefresh(t *testing.T) {
	// hook runs between the PUT's read and its write.
	var hook func(id string)
	e, sealer := credEnv(t, func(o *Options) {
		o.beforeReplace = func(id string) {
			if hook != nil {
				hook(id)
			}
		}
	})
	st := e.store
	ctx := context.Background()
	settings := map[string]any{"token_url": "https://idp.example.com/token", "client_id": "app", "refresh_token": "rt-1"}
	var info CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]any{"name": "crm", "secret": "cs-1", "oauth2": settings}).want(t, http.StatusCreated).decode(t, &info)
	open := func() *secrets.OAuth2Secret {
		row, err := st.GetCredential(ctx, info.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := sealer.OpenOAuth2(row.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// refresh does what the token provider does on a refresh: the
	// endpoint rotated the refresh token.
	refreshes := 0
	refresh := func(id string) {
		if id != info.ID {
			t.Errorf("hook for credential %s, want %s", id, info.ID)
		}
		refreshes++
		v := open()
		v.Token = &secrets.OAuth2Token{AccessToken: "at", RefreshToken: fmt.Sprintf("rt-rotated-%d", refreshes), TokenType: "Bearer"}
		sealed, err := sealer.SealOAuth2(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.UpdateCredentialSecret(ctx, id, sealed); err != nil {
			t.Fatal(err)
		}
	}
	// One refresh in between: the PUT retries and keeps the rotated token.
	hook = func(id string) {
		hook = nil
		refresh(id)
	}
	e.do("PUT", "/api/v1/credentials/crm", map[string]any{"secret": "cs-2"}).want(t, http.StatusOK).decode(t, &info)
	if v := open(); v.ClientSecret != "cs-2" || v.Token == nil || v.Token.RefreshToken != "rt-rotated-1" || v.Token.AccessToken != "at" || !info.OAuth2.Connected {
		t.Errorf("after a PUT racing a refresh: client secret %q, token %+v; want cs-2 and the rotated token", v.ClientSecret, v.Token)
	}

	// A refresh before every write: the PUT gives up with a 409 and the
	// last refreshed value stays.
	hook = refresh
	p := e.do("PUT", "/api/v1/credentials/crm", map[string]any{"secret": "cs-3"}).want(t, http.StatusConflict).problem(t)
	hook = nil
	if refreshes != 1+replaceAttempts {
		t.Errorf("%d attempts, want %d", refreshes-1, replaceAttempts)
	}
	if v := open(); v.ClientSecret != "cs-2" || v.Token == nil || v.Token.RefreshToken != fmt.Sprintf("rt-rotated-%d", refreshes) {
		t.Errorf("after a refused PUT: client secret %q, token %+v (%s)", v.ClientSecret, v.Token, p.Detail)
	}
}
