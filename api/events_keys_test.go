package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestEventKeyReusedWithDifferentBody: an Idempotency-Key (or event_id)
// that comes back with a different body is 422 naming it, and starts
// nothing; the same body (however spaced) answers the first runs.
func TestEventKeyReusedWithDifferentBody(t *testing.T) {
	e := newEnv(t, nil)
	var f flowJSON
	e.do("POST", "/api/v1/flows", `{"name": "on order", "trigger": {"type": "event", "events": ["order.paid"]},
	  "steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com"}}]}`).want(t, http.StatusCreated).decode(t, &f)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)

	post := func(key, body string) response {
		req := e.request("POST", "/api/v1/events", body)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		return e.send(req)
	}
	type answer struct {
		EventID string `json:"event_id"`
		Runs    []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}
	var first, again answer
	post("order-42", `{"event_type": "order.paid", "data": {"total": 10}}`).want(t, http.StatusAccepted).decode(t, &first)
	post("order-42", `{ "data": {"total": 10}, "event_type": "order.paid" }`).want(t, http.StatusAccepted).decode(t, &again)
	if len(first.Runs) != 1 || len(again.Runs) != 1 || first.Runs[0].RunID != again.Runs[0].RunID {
		t.Fatalf("repeat answered %+v, first %+v", again, first)
	}
	p := post("order-42", `{"event_type": "order.paid", "data": {"total": 99}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if !strings.Contains(p.Detail, `Idempotency-Key "order-42"`) || !strings.Contains(p.Detail, "different request body") {
		t.Errorf("detail %q", p.Detail)
	}

	// The same through event_id in the body, with a pointer at it.
	post("", `{"event_id": "evt-7", "event_type": "order.paid", "data": {"total": 1}}`).want(t, http.StatusAccepted)
	p = post("", `{"event_id": "evt-7", "event_type": "order.paid", "data": {"total": 2}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/event_id" || !strings.Contains(p.Detail, `event_id "evt-7"`) {
		t.Errorf("problem %+v", p)
	}
	// Starts: order-42 once, evt-7 once (the repeats started nothing new
	// with this fake, which records every Start).
	if n := len(e.runs.started); n != 3 {
		t.Errorf("%d starts, want 3 (first, its repeat, evt-7)", n)
	}
}
