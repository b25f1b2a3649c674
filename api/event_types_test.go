package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/flows"
)

const hostLostType = `{
  "name": "host.connection_lost", "title": "Host connection lost", "category": "alarm",
  "description": "A monitored host stopped answering.",
  "schema": {"type": "object", "required": ["host"],
             "properties": {"host": {"type": "string", "description": "the host's name"}, "since": {"type": "integer"}}},
  "example": {"host": "db-1", "since": 30},
  "messages": {"en": "Host {{ data.host }} lost its connection at {{ event_time }}", "zh-CN": "主机 {{ data.host }} 于 {{ event_time }} 断开连接"}
}`

// eventFlow is a flow subscribed to events, with a language.
func eventFlow(events, language, text string) string {
	lang := ""
	if language != "" {
		lang = `, "language": "` + language + `"`
	}
	return `{"name": "Alarms to chat", "trigger": {"type": "event", "events": ` + events + lang + `},
	  "steps": [{"id": "notify", "type": "http", "config": {"method": "POST", "url": "https://chat.example.com/hook",
	             "body": {"type": "json", "json": {"text": "` + text + `"}}}}]}`
}

// publishedFlow creates and publishes doc and returns the flow's id.
func (e *env) publishedFlow(doc string) string {
	e.t.Helper()
	var f flowJSON
	e.do("POST", "/api/v1/flows", doc).want(e.t, http.StatusCreated).decode(e.t, &f)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(e.t, http.StatusOK)
	return f.ID
}

type eventTypeList struct {
	EventTypes []EventTypeJSON `json:"event_types"`
}

func TestEventTypeLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	var created EventTypeJSON
	r := e.do("POST", "/api/v1/event-types", hostLostType).want(t, http.StatusCreated)
	r.decode(t, &created)
	if loc := r.Header().Get("Location"); loc != "/api/v1/event-types/host.connection_lost" {
		t.Errorf("Location %q", loc)
	}
	if created.Name != "host.connection_lost" || created.Category != flows.CategoryAlarm || created.Subscribers != 0 ||
		len(created.Messages) != 2 || created.Messages[0].Language != "en" || created.CreatedAt.IsZero() {
		t.Fatalf("created %+v", created)
	}
	if !strings.Contains(r.Body.String(), `"messages":{"en":"Host`) || !strings.Contains(r.Body.String(), `"subscribed_by":[]`) {
		t.Errorf("body %s", r.Body.String())
	}
	if p := e.do("POST", "/api/v1/event-types", hostLostType).want(t, http.StatusConflict).problem(t); p.Detail !=
		`creating event type "host.connection_lost": already declared` {
		t.Errorf("second declaration: %q", p.Detail)
	}
	e.do("POST", "/api/v1/event-types", `{"name": "order.created", "title": "Order created"}`).want(t, http.StatusCreated)

	var list eventTypeList
	e.do("GET", "/api/v1/event-types", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.EventTypes) != 2 || list.EventTypes[0].Name != "host.connection_lost" || list.EventTypes[1].Category != flows.CategoryEvent {
		t.Fatalf("list %+v", list)
	}
	e.do("GET", "/api/v1/event-types?category=alarm", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.EventTypes) != 1 || list.EventTypes[0].Name != "host.connection_lost" {
		t.Fatalf("alarms %+v", list)
	}
	e.do("GET", "/api/v1/event-types?category=event", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.EventTypes) != 1 || list.EventTypes[0].Name != "order.created" {
		t.Fatalf("events %+v", list)
	}
	e.do("GET", "/api/v1/event-types?category=warning", nil).want(t, http.StatusBadRequest).problem(t)

	// Subscribers: enabled flows whose published version matches.
	subscribed := e.publishedFlow(eventFlow(`["host.*"]`, "", "x"))
	disabled := e.publishedFlow(eventFlow(`["host.connection_lost"]`, "", "x"))
	e.do("POST", "/api/v1/flows/"+disabled+"/disable", nil).want(t, http.StatusOK)
	e.publishedFlow(eventFlow(`["order.created"]`, "", "x"))
	e.do("POST", "/api/v1/flows", eventFlow(`["host.connection_lost"]`, "", "x")).want(t, http.StatusCreated) // a draft only
	var one EventTypeJSON
	e.do("GET", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusOK).decode(t, &one)
	if one.Subscribers != 1 || len(one.SubscribedBy) != 1 || one.SubscribedBy[0].ID != subscribed || one.SubscribedBy[0].Name != "Alarms to chat" {
		t.Fatalf("subscribers %+v", one)
	}
	e.do("GET", "/api/v1/event-types", nil).want(t, http.StatusOK).decode(t, &list)
	if list.EventTypes[0].Subscribers != 1 || list.EventTypes[1].Subscribers != 1 {
		t.Fatalf("list subscribers %+v", list)
	}
	e.do("GET", "/api/v1/event-types/nope.nope", nil).want(t, http.StatusNotFound).problem(t)

	// PUT replaces; the name may be left out, not changed.
	var replaced EventTypeJSON
	e.do("PUT", "/api/v1/event-types/order.created", `{"title": "New order", "category": "event", "messages": {"de": "Neu", "fr": "Nouveau"}}`).
		want(t, http.StatusOK).decode(t, &replaced)
	if replaced.Name != "order.created" || replaced.Title != "New order" || replaced.Messages[0].Language != "de" || !replaced.UpdatedAt.After(replaced.CreatedAt) && !replaced.UpdatedAt.Equal(replaced.CreatedAt) {
		t.Fatalf("replaced %+v", replaced)
	}
	p := e.do("PUT", "/api/v1/event-types/order.created", `{"name": "order.made"}`).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/name" {
		t.Errorf("rename problem %+v", p)
	}
	e.do("PUT", "/api/v1/event-types/nope.nope", `{}`).want(t, http.StatusNotFound).problem(t)
	e.do("PUT", "/api/v1/event-types/order.created", `{"category": 1`).want(t, http.StatusBadRequest).problem(t)

	// DELETE with subscribers: 409 naming them, unless forced.
	p = e.do("DELETE", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusConflict).problem(t)
	if !strings.Contains(p.Detail, subscribed) || !strings.Contains(p.Detail, "Alarms to chat") || strings.Contains(p.Detail, disabled) {
		t.Errorf("409 detail %q does not name exactly the subscribed flow %s", p.Detail, subscribed)
	}
	e.do("GET", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusOK)
	// ?force reads as for credentials: garbage is 400, 0 is not forced.
	for _, bad := range []string{"nope", ""} {
		if p := e.do("DELETE", "/api/v1/event-types/host.connection_lost?force="+bad, nil).want(t, http.StatusBadRequest).problem(t); !strings.Contains(p.Detail, "force") {
			t.Errorf("force=%s: detail %q", bad, p.Detail)
		}
	}
	e.do("DELETE", "/api/v1/event-types/host.connection_lost?force=0", nil).want(t, http.StatusConflict)
	e.do("GET", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusOK)
	e.do("DELETE", "/api/v1/event-types/host.connection_lost?force=1", nil).want(t, http.StatusNoContent)
	e.do("GET", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusNotFound)
	e.do("DELETE", "/api/v1/event-types/host.connection_lost", nil).want(t, http.StatusNotFound).problem(t)
}

func TestEventTypeProblems(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name, body string
		pointers   []string
	}{
		{"bad name, category and field", `{"name": "host.*", "category": "warning", "colour": "red"}`, []string{"/category", "/colour", "/name"}},
		{"no name", `{"title": "x"}`, []string{""}},
		{"schema does not compile", `{"name": "a.b", "schema": {"type": "object", "properties": {"n": {"type": "integr"}}}}`, []string{"/schema/properties/n/type"}},
		{"schema refers outside", `{"name": "a.b", "schema": {"$ref": "https://example.com/s.json"}}`, []string{"/schema"}},
		{"example does not match", `{"name": "a.b", "schema": {"type": "object", "properties": {"host": {"type": "string"}}}, "example": {"host": 1}}`, []string{"/example/host"}},
		{"language tag", `{"name": "a.b", "messages": {"en": "ok", "English": "no", "zh_CN": "no"}}`, []string{"/messages/English", "/messages/zh_CN"}},
		{"message template", `{"name": "a.b", "messages": {"en": "{{ data.host"}}`, []string{"/messages/en"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := e.do("POST", "/api/v1/event-types", tc.body).want(t, http.StatusUnprocessableEntity).problem(t)
			if len(p.Errors) != len(tc.pointers) {
				t.Fatalf("problems %+v, want at %v", p.Errors, tc.pointers)
			}
			for i, ptr := range tc.pointers {
				if p.Errors[i].Pointer != ptr || p.Errors[i].Message == "" {
					t.Errorf("problem %d = %+v, want at %q", i, p.Errors[i], ptr)
				}
			}
		})
	}
	e.do("POST", "/api/v1/event-types", `{"name": `).want(t, http.StatusBadRequest).problem(t)
	var list eventTypeList
	e.do("GET", "/api/v1/event-types", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.EventTypes) != 0 {
		t.Fatalf("refused types were stored: %+v", list)
	}
}
