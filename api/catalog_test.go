package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/flows"
)

func TestEventsCheckedAgainstTheirType(t *testing.T) {
	e := newEnv(t, nil)
	e.do("POST", "/api/v1/event-types", hostLostType).want(t, http.StatusCreated)
	zh := e.publishedFlow(eventFlow(`["host.connection_lost"]`, "zh-CN", "{{ message }}"))
	de := e.publishedFlow(eventFlow(`["host.*"]`, "de", "{{ message }}"))
	plain := e.publishedFlow(eventFlow(`["host.connection_lost"]`, "", "{{ message }}"))
	other := e.publishedFlow(eventFlow(`["order.created"]`, "zh-CN", "{{ message }}"))

	// Data that breaks the schema: 422 at /data/..., no run.
	p := e.do("POST", "/api/v1/events", `{"event_type": "host.connection_lost", "data": {"host": 42, "since": "soon"}}`).
		want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 2 || p.Errors[0].Pointer != "/data/host" || p.Errors[1].Pointer != "/data/since" || !strings.Contains(p.Detail, "host.connection_lost") {
		t.Fatalf("problem %+v", p)
	}
	p = e.do("POST", "/api/v1/events", `{"event_type": "host.connection_lost", "data": {}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/data" || !strings.Contains(p.Errors[0].Message, `"host"`) {
		t.Fatalf("missing field problem %+v", p)
	}
	if len(e.runs.started) != 0 {
		t.Fatalf("a refused event started %d runs", len(e.runs.started))
	}

	// A matching event: each flow gets the message in its language (de
	// is not declared: English; none asked: English).
	e.do("POST", "/api/v1/events", `{"event_type": "host.connection_lost", "event_time": "2026-03-01T08:00:00Z", "data": {"host": "db-1"}}`).
		want(t, http.StatusAccepted)
	messages := map[string]string{}
	for _, in := range e.runs.started {
		messages[in.FlowID] = in.Trigger.Message
	}
	want := map[string]string{
		zh:    "主机 db-1 于 2026-03-01T08:00:00Z 断开连接",
		de:    "Host db-1 lost its connection at 2026-03-01T08:00:00Z",
		plain: "Host db-1 lost its connection at 2026-03-01T08:00:00Z",
	}
	if len(messages) != 3 || messages[other] != "" {
		t.Fatalf("runs %v", messages)
	}
	for id, w := range want {
		if messages[id] != w {
			t.Errorf("flow %s got message %q, want %q", id, messages[id], w)
		}
	}

	// Undeclared types go through, with no message, unless strict.
	n := len(e.runs.started)
	e.do("POST", "/api/v1/events", `{"event_type": "order.created", "data": {"anything": 1}}`).want(t, http.StatusAccepted)
	if len(e.runs.started) != n+1 || e.runs.started[n].Trigger.Message != "" {
		t.Fatalf("undeclared type: runs %d, message %q", len(e.runs.started)-n, e.runs.started[len(e.runs.started)-1].Trigger.Message)
	}
}

func TestStrictEvents(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.EventsStrict = true })
	p := e.do("POST", "/api/v1/events", `{"event_type": "order.created", "data": {}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/event_type" || !strings.Contains(p.Errors[0].Message, `"order.created"`) {
		t.Fatalf("strict problem %+v", p)
	}
	e.do("POST", "/api/v1/event-types", `{"name": "order.created"}`).want(t, http.StatusCreated)
	e.do("POST", "/api/v1/events", `{"event_type": "order.created", "data": {}}`).want(t, http.StatusAccepted)

	// Subscriptions: a pattern matching no declared type is a 422 at
	// /trigger/events/N on validate, create, replace and publish.
	doc := eventFlow(`["order.*", "host.down"]`, "", "x")
	for _, call := range [][2]string{{"POST", "/api/v1/flows/validate"}, {"POST", "/api/v1/flows"}} {
		p = e.do(call[0], call[1], doc).want(t, http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/trigger/events/1" || !strings.Contains(p.Errors[0].Message, `"host.down"`) {
			t.Fatalf("%s %s: %+v", call[0], call[1], p)
		}
	}
	var f flowJSON
	e.do("POST", "/api/v1/flows", eventFlow(`["order.*"]`, "", "x")).want(t, http.StatusCreated).decode(t, &f)
	e.do("PUT", "/api/v1/flows/"+f.ID, doc).want(t, http.StatusUnprocessableEntity)
	// A draft saved before the type was deleted cannot be published.
	e.do("DELETE", "/api/v1/event-types/order.created", nil).want(t, http.StatusNoContent)
	p = e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/trigger/events/0" {
		t.Fatalf("publish %+v", p)
	}
}

func TestSubscriptionWarnings(t *testing.T) {
	e := newEnv(t, nil)
	doc := eventFlow(`["host.*", "host.down"]`, "", "{{ data.hostname }}")
	// No catalog: nothing to say.
	r := e.do("POST", "/api/v1/flows/validate", doc).want(t, http.StatusOK)
	if strings.TrimSpace(r.Body.String()) != `{"valid":true,"warnings":[]}` {
		t.Fatalf("validate without a catalog: %s", r.Body.String())
	}
	e.do("POST", "/api/v1/event-types", hostLostType).want(t, http.StatusCreated)

	type answer struct {
		Valid    bool            `json:"valid"`
		Warnings []flows.Warning `json:"warnings"`
	}
	var a answer
	e.do("POST", "/api/v1/flows/validate", doc).want(t, http.StatusOK).decode(t, &a)
	wantWarnings := func(ws []flows.Warning) {
		t.Helper()
		if len(ws) != 1 || ws[0].Pointer != "/trigger/events/1" || !strings.Contains(ws[0].Message, `"host.down" is not in the catalog`) {
			t.Fatalf("warnings %+v", ws)
		}
	}
	if !a.Valid {
		t.Fatal("not valid")
	}
	wantWarnings(a.Warnings)
	// Data fields are judged once every pattern matches declared types.
	e.do("POST", "/api/v1/flows/validate", eventFlow(`["host.*"]`, "", "{{ data.hostname }} {{ host }}")).want(t, http.StatusOK).decode(t, &a)
	if len(a.Warnings) != 1 || a.Warnings[0].Pointer != "/steps/0/config/body/json/text" || !strings.Contains(a.Warnings[0].Message, "data.hostname") {
		t.Fatalf("data field warnings %+v", a.Warnings)
	}

	var created struct {
		flowJSON
		Warnings []flows.Warning `json:"warnings"`
	}
	e.do("POST", "/api/v1/flows", doc).want(t, http.StatusCreated).decode(t, &created)
	wantWarnings(created.Warnings)
	if created.ID == "" || len(created.Draft) == 0 {
		t.Fatalf("created flow %+v", created)
	}
	var replaced struct {
		Warnings []flows.Warning `json:"warnings"`
	}
	e.do("PUT", "/api/v1/flows/"+created.ID, doc).want(t, http.StatusOK).decode(t, &replaced)
	wantWarnings(replaced.Warnings)
	var published PublishResult
	e.do("POST", "/api/v1/flows/"+created.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &published)
	wantWarnings(published.Warnings)

	// A flow the catalog fully declares has no warnings key at all.
	r = e.do("POST", "/api/v1/flows", eventFlow(`["host.connection_lost"]`, "", "{{ host }} {{ message }}")).want(t, http.StatusCreated)
	if strings.Contains(r.Body.String(), "warnings") {
		t.Fatalf("clean flow answered %s", r.Body.String())
	}
}

func TestVariablesFromTheCatalog(t *testing.T) {
	e := newEnv(t, nil)
	e.do("POST", "/api/v1/event-types", hostLostType).want(t, http.StatusCreated)
	var f flowJSON
	e.do("POST", "/api/v1/flows", eventFlow(`["host.*"]`, "zh-CN", "x")).want(t, http.StatusCreated).decode(t, &f)
	find := func(res VariablesResult, path string) *flows.Variable {
		for _, s := range res.Steps {
			for i := range s.Variables {
				if s.Variables[i].Path == path {
					return &s.Variables[i]
				}
			}
		}
		return nil
	}
	var saved VariablesResult
	e.do("GET", "/api/v1/flows/"+f.ID+"/variables", nil).want(t, http.StatusOK).decode(t, &saved)
	if v := find(saved, "data.host"); v == nil || v.Type != "string" || v.Description != "the host's name" || v.Template != "{{ data.host }}" {
		t.Errorf("data.host = %+v", v)
	}
	if v := find(saved, "message"); v == nil || !strings.Contains(v.Description, "zh-CN") {
		t.Errorf("message = %+v", v)
	}

	// An unsaved document, even an invalid one, gets the same.
	var unsaved VariablesResult
	e.do("POST", "/api/v1/flows/variables", `{"name": "", "trigger": {"type": "event", "events": ["order.created"]},
		"steps": [{"id": "a", "type": "http", "config": {}}], "extra": true}`).want(t, http.StatusOK).decode(t, &unsaved)
	if unsaved.FlowID != "" || len(unsaved.Steps) != 1 || find(unsaved, "data.host") != nil {
		t.Fatalf("unsaved %+v", unsaved)
	}
	if v := find(unsaved, "message"); v == nil || !strings.HasPrefix(v.Description, "empty") {
		t.Errorf("message without a catalog entry = %+v", v)
	}
	var hook VariablesResult
	e.do("POST", "/api/v1/flows/variables", `{"name": "h", "trigger": {"type": "webhook", "sample": {"order": {"id": 7}}},
		"steps": [{"id": "a", "type": "http", "config": {}}]}`).want(t, http.StatusOK).decode(t, &hook)
	if v := find(hook, "data.order.id"); v == nil || v.Type != "integer" {
		t.Errorf("webhook sample variable = %+v", v)
	}
	e.do("POST", "/api/v1/flows/variables", `{"steps": "no"}`).want(t, http.StatusUnprocessableEntity).problem(t)
	e.do("POST", "/api/v1/flows/variables", `{"steps": [`).want(t, http.StatusBadRequest).problem(t)
}

// TestCatalogSeesOutsideWrites changes the catalog behind the API's back
// (as `flowline event-types import` does) and expects the next event to
// be judged by the new schema.
func TestCatalogSeesOutsideWrites(t *testing.T) {
	e := newEnv(t, nil)
	e.do("POST", "/api/v1/events", `{"event_type": "a.b", "data": {"n": "x"}}`).want(t, http.StatusAccepted)
	et, problems, err := flows.ParseEventType([]byte(`{"name": "a.b", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}`))
	if err != nil || problems != nil {
		t.Fatal(problems, err)
	}
	if _, err := e.store.ImportEventTypes(t.Context(), []flows.EventType{*et}); err != nil {
		t.Fatal(err)
	}
	p := e.do("POST", "/api/v1/events", `{"event_type": "a.b", "data": {"n": "x"}}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/data/n" {
		t.Fatalf("problem %+v", p)
	}
	// And a replace through the API is seen at once too.
	e.do("PUT", "/api/v1/event-types/a.b", `{"schema": {"type": "object", "properties": {"n": {"type": "string"}}}}`).want(t, http.StatusOK)
	e.do("POST", "/api/v1/events", `{"event_type": "a.b", "data": {"n": "x"}}`).want(t, http.StatusAccepted)
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), "integer") {
		t.Errorf("problem does not say what was expected: %s", b)
	}
}
