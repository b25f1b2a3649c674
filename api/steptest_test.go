package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/secrets"
)

// TestTestSavedStep: POST /flows/{id}/steps/{step_id}/test runs that step
// of the saved draft once with a sample context and its stored credential,
// answering as /actions/test does; unknown steps are 404.
func TestTestSavedStep(t *testing.T) {
	sealer, err := secrets.NewSealer([]byte(strings.Repeat("k", secrets.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Sealer = sealer
		o.Registry = connectors.NewRegistry(httpconn.New(httpconn.Options{
			Version: "test", EgressAllow: []string{"127.0.0.1/32"},
			Secrets: &secrets.Resolver{Store: o.Store, Sealer: sealer},
		}))
		v, err := flows.NewValidator(o.Registry.Schemas())
		if err != nil {
			t.Fatal(err)
		}
		o.Validator = v
	})
	url, got := testReceiver(t, http.StatusOK, `{"ok": true}`)
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "pw", "secret": testSecret}).want(t, http.StatusCreated)
	var f flowJSON
	e.do("POST", "/api/v1/flows", fmt.Sprintf(`{"name": "saved", "trigger": {"type": "webhook"}, "steps": [
	  {"id": "first", "type": "http", "config": {"url": "%[1]s/first"}},
	  {"id": "send", "type": "http", "config": {"method": "POST", "url": "%[1]s/send/{{ data.order }}",
	    "auth": {"type": "bearer", "credential": "pw"}, "body": {"type": "json", "json": {"who": "{{ data.who }}"}}}}]}`, url)).
		want(t, http.StatusCreated).decode(t, &f)

	var out TestResult
	noSecret(t, e.do("POST", "/api/v1/flows/"+f.ID+"/steps/send/test", map[string]any{"context": map[string]any{"data": map[string]any{"order": 42, "who": "ada"}}})).
		want(t, http.StatusOK).decode(t, &out)
	if !out.OK || out.Message != TestSuccessMessage {
		t.Fatalf("result %+v", out)
	}
	r := receivedOne(t, got)
	if r.Method != "POST" || r.Path != "/send/42" || string(r.Body) != `{"who":"ada"}` || r.Header.Get("Authorization") != "Bearer "+testSecret {
		t.Errorf("sent %s %s %s %v", r.Method, r.Path, r.Body, r.Header.Get("Authorization") != "")
	}
	// No body at all: an empty sample context.
	e.do("POST", "/api/v1/flows/"+f.ID+"/steps/first/test", nil).want(t, http.StatusOK).decode(t, &out)
	if r := receivedOne(t, got); !out.OK || r.Path != "/first" {
		t.Errorf("first step: %+v, %s", out, r.Path)
	}

	p := e.do("POST", "/api/v1/flows/"+f.ID+"/steps/nope/test", nil).want(t, http.StatusNotFound).problem(t)
	if !strings.Contains(p.Detail, `no step "nope"`) || !strings.Contains(p.Detail, "first, send") {
		t.Errorf("detail %q", p.Detail)
	}
	e.do("POST", "/api/v1/flows/missing/steps/send/test", nil).want(t, http.StatusNotFound).problem(t)
	p = e.do("POST", "/api/v1/flows/"+f.ID+"/steps/send/test", `{"config": {}, "context": 5}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 2 || p.Errors[0].Pointer != "/config" || p.Errors[1].Pointer != "/context" {
		t.Errorf("problems %+v", p.Errors)
	}
}
