package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/internal/secrets"
)

// credDoc is a webhook flow whose trigger auth and second step name
// credentials.
const credDoc = `{"name": "uses creds", "trigger": {"type": "webhook", "auth": {"type": "bearer", "credential": "hook-token"}},
  "steps": [
    {"id": "a", "type": "http", "config": {"url": "https://example.com/a"}},
    {"id": "b", "type": "http", "config": {"url": "https://example.com/b", "auth": {"type": "bearer", "credential": "api-token"}}},
    {"id": "c", "type": "http", "config": {"url": "https://example.com/c", "auth": {"type": "bearer", "credential": "{{ data.which }}"}}}
  ]}`

// TestPublishNeedsCredentials: publishing a flow that names credentials
// that do not exist is 422 at each one, and nothing is published.
func TestPublishNeedsCredentials(t *testing.T) {
	e, _ := credEnv(t)
	var f flowJSON
	e.do("POST", "/api/v1/flows", credDoc).want(t, http.StatusCreated).decode(t, &f)
	p := e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 2 || p.Errors[0].Pointer != "/trigger/auth/credential" || p.Errors[1].Pointer != "/steps/1/config/auth/credential" ||
		!strings.Contains(p.Errors[1].Message, `credential "api-token" does not exist`) {
		t.Fatalf("problems %+v", p.Errors)
	}
	e.do("GET", "/api/v1/flows/"+f.ID, nil).want(t, http.StatusOK).decode(t, &f)
	if f.PublishedVersion != nil || f.Enabled {
		t.Fatalf("published anyway: %+v", f)
	}
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "hook-token", "secret": "x"}).want(t, http.StatusCreated)
	var cred CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "api-token", "secret": "y"}).want(t, http.StatusCreated).decode(t, &cred)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)

	// A credential named by id counts too.
	byID := strings.Replace(credDoc, `"credential": "api-token"`, `"credential": "`+cred.ID+`"`, 1)
	var g flowJSON
	e.do("POST", "/api/v1/flows", byID).want(t, http.StatusCreated).decode(t, &g)
	e.do("POST", "/api/v1/flows/"+g.ID+"/publish", nil).want(t, http.StatusOK)
}

// TestDeleteCredentialInUse: deleting a credential a draft or published
// flow uses is 409 listing the flows, unless forced.
func TestDeleteCredentialInUse(t *testing.T) {
	e, _ := credEnv(t)
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "hook-token", "secret": "x"}).want(t, http.StatusCreated)
	var cred CredentialInfo
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "api-token", "secret": "y"}).want(t, http.StatusCreated).decode(t, &cred)
	var published, draft flowJSON
	e.do("POST", "/api/v1/flows", credDoc).want(t, http.StatusCreated).decode(t, &published)
	e.do("POST", "/api/v1/flows/"+published.ID+"/publish", nil).want(t, http.StatusOK)
	// The published flow's draft no longer names api-token: its published
	// version still does.
	e.do("PUT", "/api/v1/flows/"+published.ID, strings.Replace(credDoc, `"credential": "api-token"`, `"credential": "hook-token"`, 1)).want(t, http.StatusOK)
	e.do("POST", "/api/v1/flows", strings.Replace(credDoc, `"credential": "api-token"`, `"credential": "`+cred.ID+`"`, 1)).want(t, http.StatusCreated).decode(t, &draft)

	r := e.do("DELETE", "/api/v1/credentials/api-token", nil).want(t, http.StatusConflict)
	p := r.problem(t)
	var body struct {
		UsedBy []FlowRef `json:"used_by"`
	}
	r.decode(t, &body)
	if len(body.UsedBy) != 2 || body.UsedBy[0].ID != published.ID || body.UsedBy[1].ID != draft.ID || body.UsedBy[0].Name != "uses creds" {
		t.Errorf("used_by %+v", body.UsedBy)
	}
	if !strings.Contains(p.Detail, published.ID) || !strings.Contains(p.Detail, "?force=true") {
		t.Errorf("detail %q", p.Detail)
	}
	e.do("GET", "/api/v1/credentials/api-token", nil).want(t, http.StatusOK)
	for _, bad := range []string{"maybe", "nope", ""} {
		if p := e.do("DELETE", "/api/v1/credentials/api-token?force="+bad, nil).want(t, http.StatusBadRequest).problem(t); !strings.Contains(p.Detail, "force") {
			t.Errorf("force=%s: detail %q", bad, p.Detail)
		}
	}
	e.do("DELETE", "/api/v1/credentials/api-token?force=0", nil).want(t, http.StatusConflict)
	e.do("GET", "/api/v1/credentials/api-token", nil).want(t, http.StatusOK)
	e.do("DELETE", "/api/v1/credentials/api-token?force=1", nil).want(t, http.StatusNoContent)
	e.do("GET", "/api/v1/credentials/api-token", nil).want(t, http.StatusNotFound)

	// Once no flow names it, a credential goes without force.
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "spare", "secret": "z"}).want(t, http.StatusCreated)
	e.do("DELETE", "/api/v1/credentials/spare", nil).want(t, http.StatusNoContent)
}

// TestHookCredentialGone: a webhook whose credential was deleted (or cannot
// be opened) answers 503 with a problem, not 500, and starts nothing.
func TestHookCredentialGone(t *testing.T) {
	sealer, err := secrets.NewSealer([]byte(strings.Repeat("k", secrets.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Sealer = sealer
		o.Secrets = &secrets.Resolver{Store: o.Store, Sealer: sealer}
	})
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "hook-token", "secret": "x"}).want(t, http.StatusCreated)
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "api-token", "secret": "y"}).want(t, http.StatusCreated)
	var f flowJSON
	e.do("POST", "/api/v1/flows", credDoc).want(t, http.StatusCreated).decode(t, &f)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	send := func() response {
		req := e.request("POST", "/hooks/"+f.ID, `{}`)
		req.Header.Set("Authorization", "Bearer x")
		return e.send(req)
	}
	send().want(t, http.StatusAccepted)
	e.do("DELETE", "/api/v1/credentials/hook-token?force=true", nil).want(t, http.StatusNoContent)
	p := send().want(t, http.StatusServiceUnavailable).problem(t)
	if !strings.Contains(p.Detail, "credential no longer exists") {
		t.Errorf("detail %q", p.Detail)
	}
	// Sealed under another key: also 503.
	other, err := secrets.NewSealer(make([]byte, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := other.Seal([]byte("x"))
	if _, err := e.store.CreateCredential(t.Context(), "hook-token", "", sealed); err != nil {
		t.Fatal(err)
	}
	p = send().want(t, http.StatusServiceUnavailable).problem(t)
	if !strings.Contains(p.Detail, "cannot be opened") {
		t.Errorf("detail %q", p.Detail)
	}
	if n := len(e.runs.started); n != 1 {
		t.Errorf("%d runs started, want 1", n)
	}
}
