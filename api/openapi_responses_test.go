package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/secrets"
)

// conforms checks that an answer to method on the path template is
// documented: its status (or a default), its media type, and its body
// validates against the documented schema.
func (s *spec) conforms(t *testing.T, method, path string, r response) {
	t.Helper()
	where := fmt.Sprintf("%s %s → %d", method, path, r.Code)
	op, _ := s.operation(path, strings.ToLower(method))
	if op == nil {
		t.Errorf("%s: not documented", where)
		return
	}
	responses, _ := op["responses"].(map[string]any)
	code := fmt.Sprint(r.Code)
	pointer := "/paths/" + pointerToken(path) + "/" + strings.ToLower(method) + "/responses/"
	entry, ok := responses[code]
	if !ok {
		if entry, ok = responses["default"]; !ok {
			t.Errorf("%s: status not documented; body %s", where, r.Body.String())
			return
		}
		code = "default"
	}
	pointer += code
	if m, _ := entry.(map[string]any); m["$ref"] != nil {
		pointer = strings.TrimPrefix(m["$ref"].(string), "#")
	}
	content, _ := s.resolve(entry)["content"].(map[string]any)
	if r.Body.Len() == 0 {
		if len(content) > 0 && method != http.MethodHead {
			t.Errorf("%s: empty body, documented content %v", where, sortedKeys(content))
		}
		return
	}
	mt, ok := mediaTypeKey(content, r.Header().Get("Content-Type"))
	if !ok {
		t.Errorf("%s: Content-Type %q not documented (%v)", where, r.Header().Get("Content-Type"), sortedKeys(content))
		return
	}
	if !strings.Contains(mt, "json") {
		return
	}
	sch, err := s.schema(pointer + "/content/" + pointerToken(mt) + "/schema")
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body.Bytes()))
	if err != nil {
		t.Errorf("%s: body is not JSON: %v", where, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: the answer does not match the document: %v", where, err)
	}
}

// detailedRuns answers Get with a run as the engine describes one: its
// trigger and a step with an attempt, request and response.
type detailedRuns struct{ *fakeRuns }

func (r detailedRuns) Get(ctx context.Context, runID string) (*engine.RunDetail, error) {
	d, err := r.fakeRuns.Get(ctx, runID)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, in := range r.started {
		if in.RunID == runID {
			d.Run = engine.Run{RunID: runID, WorkflowID: engine.WorkflowID(runID), FlowID: in.FlowID, FlowVersion: in.Version,
				Status: engine.StatusSucceeded, StartedAt: in.StartedAt, ClosedAt: &in.StartedAt}
			d.Trigger = in.Trigger
		}
	}
	d.Steps = []engine.StepResult{{ID: "notify", Type: "http", Status: engine.StepSucceeded,
		Attempts: []engine.Attempt{{Attempt: 1, StartedAt: time.Now().UTC(), StatusCode: 200, DurationMS: 3}},
		Request:  json.RawMessage(`{"method": "POST", "url": "https://chat.example.com/hooks/abc", "headers": {}}`),
		Response: json.RawMessage(`{"status": 200, "headers": {}, "body": "ok"}`)}}
	return d, nil
}

// TestOpenAPIResponsesConform drives the API through its calls, the
// successful and the refused, and checks each answer against the
// document: status, media type and body schema.
func TestOpenAPIResponsesConform(t *testing.T) {
	s := loadSpec(t)
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Runs = detailedRuns{newFakeRuns()}
		o.APIToken = "tok"
		o.Sealer = sealer
		o.Registry = connectors.NewRegistry(httpconn.New(httpconn.Options{Version: "test", EgressAllow: []string{"127.0.0.1/32"}}))
		v, err := flows.NewValidator(o.Registry.Schemas())
		if err != nil {
			t.Fatal(err)
		}
		o.Validator = v
	})
	call := func(method, path, route string, body any) response {
		t.Helper()
		r := e.do(method, path, body)
		s.conforms(t, method, route, r)
		return r
	}
	var flow flowJSON
	call("POST", "/api/v1/flows", "/api/v1/flows", validDoc).want(t, http.StatusCreated).decode(t, &flow)
	id := flow.ID
	fp := "/api/v1/flows/" + id
	call("POST", "/api/v1/flows", "/api/v1/flows", `{"name": ""}`).want(t, http.StatusUnprocessableEntity)
	call("POST", "/api/v1/flows", "/api/v1/flows", `{"name": `).want(t, http.StatusBadRequest)
	call("GET", "/api/v1/flows", "/api/v1/flows", nil).want(t, http.StatusOK)
	call("GET", fp, "/api/v1/flows/{id}", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/flows/nope", "/api/v1/flows/{id}", nil).want(t, http.StatusNotFound)
	call("PUT", fp, "/api/v1/flows/{id}", validDoc).want(t, http.StatusOK)
	call("POST", "/api/v1/flows/validate", "/api/v1/flows/validate", validDoc).want(t, http.StatusOK)
	call("POST", "/api/v1/flows/validate", "/api/v1/flows/validate", `{"name": "x", "trigger": {"type": "manual"}, "steps": []}`).want(t, http.StatusUnprocessableEntity)
	call("GET", fp+"/variables", "/api/v1/flows/{id}/variables", nil).want(t, http.StatusOK)
	call("POST", fp+"/enable", "/api/v1/flows/{id}/enable", nil).want(t, http.StatusConflict)
	call("POST", fp+"/runs", "/api/v1/flows/{id}/runs", nil).want(t, http.StatusConflict)
	call("POST", fp+"/publish", "/api/v1/flows/{id}/publish", nil).want(t, http.StatusOK)
	call("POST", fp+"/disable", "/api/v1/flows/{id}/disable", nil).want(t, http.StatusOK)
	call("POST", fp+"/enable", "/api/v1/flows/{id}/enable", nil).want(t, http.StatusOK)
	call("GET", fp+"/versions", "/api/v1/flows/{id}/versions", nil).want(t, http.StatusOK)
	call("GET", fp+"/versions/1", "/api/v1/flows/{id}/versions/{n}", nil).want(t, http.StatusOK)
	call("GET", fp+"/versions/x", "/api/v1/flows/{id}/versions/{n}", nil).want(t, http.StatusBadRequest)
	call("GET", fp+"/versions/9", "/api/v1/flows/{id}/versions/{n}", nil).want(t, http.StatusNotFound)

	var run struct {
		RunID string `json:"run_id"`
	}
	call("POST", fp+"/runs", "/api/v1/flows/{id}/runs", `{"who": "ada"}`).want(t, http.StatusAccepted).decode(t, &run)
	rp := "/api/v1/runs/" + run.RunID
	call("GET", "/api/v1/runs?flow_id="+id, "/api/v1/runs", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/runs?status=lost", "/api/v1/runs", nil).want(t, http.StatusBadRequest)
	call("GET", rp, "/api/v1/runs/{run_id}", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/runs/nope", "/api/v1/runs/{run_id}", nil).want(t, http.StatusNotFound)
	call("POST", rp+"/cancel", "/api/v1/runs/{run_id}/cancel", nil).want(t, http.StatusAccepted)
	call("POST", rp+"/retry", "/api/v1/runs/{run_id}/retry", nil).want(t, http.StatusAccepted)
	call("POST", "/api/v1/events", "/api/v1/events", `{"event_type": "order.created", "data": {"total": 1}}`).want(t, http.StatusAccepted)
	call("POST", "/api/v1/events", "/api/v1/events", `{"event_type": "order created"}`).want(t, http.StatusUnprocessableEntity)

	var cred CredentialInfo
	call("POST", "/api/v1/credentials", "/api/v1/credentials", `{"name": "chat", "secret": "x"}`).want(t, http.StatusCreated).decode(t, &cred)
	call("POST", "/api/v1/credentials", "/api/v1/credentials", `{"name": "chat", "secret": "x"}`).want(t, http.StatusConflict)
	call("POST", "/api/v1/credentials", "/api/v1/credentials", `{"name": "crm", "secret": "x", "oauth2": {"token_url": "https://crm.example.com/token", "client_id": "c"}}`).want(t, http.StatusCreated)
	call("POST", "/api/v1/credentials", "/api/v1/credentials", `{"nom": "x"}`).want(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/credentials", "/api/v1/credentials", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/credentials/crm", "/api/v1/credentials/{id}", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/credentials/crm/oauth2/authorize", "/api/v1/credentials/{id}/oauth2/authorize", nil).want(t, http.StatusConflict)
	call("DELETE", "/api/v1/credentials/"+cred.ID, "/api/v1/credentials/{id}", nil).want(t, http.StatusNoContent)

	url, got := testReceiver(t, http.StatusOK, `{"ok": true}`)
	call("POST", "/api/v1/actions/test", "/api/v1/actions/test", map[string]any{
		"type": "http", "config": map[string]any{"method": "POST", "url": url, "auth": map[string]any{"type": "bearer", "secret": "x"}},
	}).want(t, http.StatusOK)
	receivedOne(t, got)
	call("POST", "/api/v1/actions/test", "/api/v1/actions/test", `{"type": "http"}`).want(t, http.StatusUnprocessableEntity)
	call("GET", "/api/v1/connectors", "/api/v1/connectors", nil).want(t, http.StatusOK)
	call("GET", "/api/v1/schemas/flow", "/api/v1/schemas/flow", nil).want(t, http.StatusOK)

	var hookFlow flowJSON
	call("POST", "/api/v1/flows", "/api/v1/flows", strings.Replace(validDoc, `{"type": "manual"}`, `{"type": "webhook"}`, 1)).want(t, http.StatusCreated).decode(t, &hookFlow)
	call("POST", "/api/v1/flows/"+hookFlow.ID+"/publish", "/api/v1/flows/{id}/publish", nil).want(t, http.StatusOK)
	call("POST", "/hooks/"+hookFlow.ID, "/hooks/{flow_id}", `{"order": 42}`).want(t, http.StatusAccepted)
	call("PUT", "/hooks/"+hookFlow.ID, "/hooks/{flow_id}", `{"order": 42}`).want(t, http.StatusMethodNotAllowed)
	call("POST", "/hooks/nope", "/hooks/{flow_id}", `{}`).want(t, http.StatusNotFound)

	call("DELETE", fp, "/api/v1/flows/{id}", nil).want(t, http.StatusNoContent)
	call("GET", "/healthz", "/healthz", nil).want(t, http.StatusOK)
	call("GET", "/readyz", "/readyz", nil).want(t, http.StatusOK)
	call("GET", "/metrics", "/metrics", nil).want(t, http.StatusOK)
	call("GET", OpenAPIPath, OpenAPIPath, nil).want(t, http.StatusOK)
	call("GET", "/oauth2/callback", "/oauth2/callback", nil).want(t, http.StatusBadRequest)

	req := e.request("GET", "/api/v1/flows", "")
	req.Header.Del("Authorization")
	s.conforms(t, "GET", "/api/v1/flows", e.send(req).want(t, http.StatusUnauthorized))
}
