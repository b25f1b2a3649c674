package api

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flowline/flowline/engine"
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

// TestEventKeyWithItsRuns runs the key's behaviours on the real run
// service over a SQLite ledger, where the key is recorded in the
// transaction that records the event's runs: posts racing with one key
// start one set of runs (two flows subscribe) and all answer it; another
// body is refused; an event no flow subscribes to has its key remembered
// all the same.
func TestEventKeyWithItsRuns(t *testing.T) {
	e := envOn(t, "sqlite:///"+filepath.ToSlash(filepath.Join(t.TempDir(), "flows.db")))
	for _, name := range []string{"one", "two"} {
		var f flowJSON
		e.do("POST", "/api/v1/flows", `{"name": "`+name+`", "trigger": {"type": "event", "events": ["order.paid"]},
		  "steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com"}}]}`).want(t, http.StatusCreated).decode(t, &f)
		e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	}
	post := func(key, body string) response {
		req := e.request("POST", "/api/v1/events", body)
		req.Header.Set("Idempotency-Key", key)
		return e.send(req)
	}
	type answer struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}

	const racers = 12
	answers := make([]response, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = post("order-9", `{"event_type": "order.paid", "data": {"total": 10}}`)
		}()
	}
	wg.Wait()
	var first answer
	answers[0].want(t, http.StatusAccepted).decode(t, &first)
	if len(first.Runs) != 2 {
		t.Fatalf("the event started %d runs, want 2", len(first.Runs))
	}
	for i, res := range answers {
		var a answer
		res.want(t, http.StatusAccepted).decode(t, &a)
		if len(a.Runs) != 2 || a.Runs[0] != first.Runs[0] || a.Runs[1] != first.Runs[1] {
			t.Errorf("racer %d answered %+v, want %+v", i, a, first)
		}
	}
	recorded, err := e.store.Ledger().List(context.Background(), engine.LedgerFilter{})
	if err != nil || len(recorded) != 2 {
		t.Fatalf("the ledger holds %d runs (%v), want 2", len(recorded), err)
	}

	p := post("order-9", `{"event_type": "order.paid", "data": {"total": 11}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if !strings.Contains(p.Detail, `Idempotency-Key "order-9" was already used with a different request body`) {
		t.Errorf("detail %q", p.Detail)
	}

	var none answer
	post("nobody-1", `{"event_type": "nobody.listens", "data": {}}`).want(t, http.StatusAccepted).decode(t, &none)
	if len(none.Runs) != 0 {
		t.Fatalf("an event no flow subscribes to started %+v", none.Runs)
	}
	post("nobody-1", `{"event_type": "nobody.listens", "data": {"x": 1}}`).want(t, http.StatusUnprocessableEntity)
	if recorded, _ := e.store.Ledger().List(context.Background(), engine.LedgerFilter{}); len(recorded) != 2 {
		t.Errorf("the ledger holds %d runs after the refusals, want 2", len(recorded))
	}
}
