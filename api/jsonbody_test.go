package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONBodyRules holds the rules every JSON endpoint applies: invalid
// UTF-8 and duplicate keys are 400 (with where), a non-JSON Content-Type is
// 415, and nothing is stored.
func TestJSONBodyRules(t *testing.T) {
	e, _ := credEnv(t)
	bad := "{\"name\": \"caf\xe9\", \"trigger\": {\"type\": \"manual\"}, \"steps\": []}"
	dup := `{"name": "a", "trigger": {"type": "manual", "type": "webhook"}, "steps": []}`
	for _, path := range []string{"/api/v1/flows", "/api/v1/flows/validate", "/api/v1/events", "/api/v1/credentials", "/api/v1/actions/test"} {
		p := e.do("POST", path, bad).want(t, http.StatusBadRequest).problem(t)
		if !strings.Contains(p.Detail, "UTF-8") || !strings.Contains(p.Detail, "line 1, column 14") {
			t.Errorf("%s invalid UTF-8: detail %q", path, p.Detail)
		}
		p = e.do("POST", path, dup).want(t, http.StatusBadRequest).problem(t)
		if !strings.Contains(p.Detail, `duplicate key "type"`) || len(p.Errors) != 1 || p.Errors[0].Pointer != "/trigger/type" {
			t.Errorf("%s duplicate key: %+v", path, p)
		}
		req := e.request("POST", path, validDoc)
		req.Header.Set("Content-Type", "text/plain")
		e.send(req).want(t, http.StatusUnsupportedMediaType).problem(t)
	}
	// Escaped spellings of one key are one key.
	e.do("POST", "/api/v1/flows/validate", `{"name": "a", "n\u0061me": "b"}`).want(t, http.StatusBadRequest).problem(t)
	// Duplicates deep in arrays are found, with the pointer.
	p := e.do("POST", "/api/v1/flows/validate", `{"steps": [{}, {"config": {"x": 1, "x": 2}}]}`).want(t, http.StatusBadRequest).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/steps/1/config/x" {
		t.Errorf("nested duplicate: %+v", p.Errors)
	}
	// JSON media types with parameters or a +json suffix are JSON.
	for _, ct := range []string{"application/json; charset=utf-8", "application/merge-patch+json"} {
		req := e.request("POST", "/api/v1/flows/validate", validDoc)
		req.Header.Set("Content-Type", ct)
		e.send(req).want(t, http.StatusOK)
	}
	if n := e.countFlows(); n != 0 {
		t.Errorf("listed %d flows, want 0", n)
	}
	var creds struct {
		Credentials []any `json:"credentials"`
	}
	e.do("GET", "/api/v1/credentials", nil).want(t, http.StatusOK).decode(t, &creds)
	if len(creds.Credentials) != 0 || len(e.runs.started) != 0 {
		t.Errorf("stored %d credentials, started %d runs", len(creds.Credentials), len(e.runs.started))
	}
}

// TestHookJSONBodyRules: webhooks apply the same JSON rules to JSON bodies
// and still take form bodies.
func TestHookJSONBodyRules(t *testing.T) {
	e, _ := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	e.do("POST", "/hooks/"+id, "{\"x\": \"\xff\"}").want(t, http.StatusBadRequest).problem(t)
	e.do("POST", "/hooks/"+id, `{"x": 1, "x": 2}`).want(t, http.StatusBadRequest).problem(t)
	req := e.request("POST", "/hooks/"+id, "x=1")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e.send(req).want(t, http.StatusAccepted)
	if n := len(e.runs.started); n != 1 {
		t.Errorf("%d runs started, want 1 (the form body)", n)
	}
}

// TestIdempotencyKeyCapped: keys longer than event_id may be are 400, on
// events and webhooks.
func TestIdempotencyKeyCapped(t *testing.T) {
	e, _ := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	long := strings.Repeat("k", maxIdempotencyKey+1)
	req := e.request("POST", "/api/v1/events", `{"event_type": "a.b", "data": {}}`)
	req.Header.Set("Idempotency-Key", long)
	p := e.send(req).want(t, http.StatusBadRequest).problem(t)
	if !strings.Contains(p.Detail, "Idempotency-Key") || !strings.Contains(p.Detail, "200") {
		t.Errorf("detail %q", p.Detail)
	}
	for _, h := range []string{"Idempotency-Key", "webhook-id"} {
		req = e.request("POST", "/hooks/"+id, `{}`)
		req.Header.Set(h, long)
		e.send(req).want(t, http.StatusBadRequest).problem(t)
	}
	req = e.request("POST", "/api/v1/events", `{"event_type": "a.b", "data": {}}`)
	req.Header.Set("Idempotency-Key", strings.Repeat("é", maxIdempotencyKey))
	e.send(req).want(t, http.StatusAccepted)
	if n := len(e.runs.started); n != 0 {
		t.Errorf("%d runs started, want 0", n)
	}
}

// TestOversizedHeaders: headers past MaxHeaderBytes get a 431 problem.
func TestOversizedHeaders(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/api/v1/flows", "/hooks/x", "/healthz"} {
		req := e.request("GET", path, "")
		req.Header.Set("X-Big", strings.Repeat("a", MaxHeaderBytes))
		p := e.send(req).want(t, http.StatusRequestHeaderFieldsTooLarge).problem(t)
		if !strings.Contains(p.Detail, "65536") {
			t.Errorf("%s: detail %q", path, p.Detail)
		}
	}
	req := e.request("GET", "/healthz", "")
	req.Header.Set("X-Big", strings.Repeat("a", MaxHeaderBytes/2))
	e.send(req).want(t, http.StatusOK)
}
