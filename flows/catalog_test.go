package flows

import (
	"encoding/json"
	"strings"
	"testing"
)

// testCatalog declares host.connection_lost (schema), order.created
// (example only) and audit.logged (neither).
func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	var types []EventType
	for _, doc := range []string{hostLost,
		`{"name": "order.created", "example": {"order": {"id": 7, "total": 12.5}, "tags": ["a"]}}`,
		`{"name": "audit.logged"}`} {
		et, problems, err := ParseEventType([]byte(doc))
		if err != nil || problems != nil {
			t.Fatalf("ParseEventType: %v %v", problems, err)
		}
		types = append(types, *et)
	}
	c, err := NewCatalog(types)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogValidatesData(t *testing.T) {
	c := testCatalog(t)
	host := c.Lookup("host.connection_lost")
	if host == nil || c.Lookup("nope") != nil || c.Len() != 3 {
		t.Fatal("Lookup")
	}
	if ps := host.ValidateData(json.RawMessage(`{"host": "db-1", "since": 3}`)); ps != nil {
		t.Fatalf("valid data refused: %+v", ps)
	}
	ps := host.ValidateData(json.RawMessage(`{"host": 42, "since": "soon"}`))
	if len(ps) != 2 || ps[0].Pointer != "/data/host" || ps[1].Pointer != "/data/since" || !strings.Contains(ps[0].Message, "string") {
		t.Fatalf("problems %+v", ps)
	}
	if ps := host.ValidateData(nil); len(ps) != 1 || ps[0].Pointer != "/data" {
		t.Fatalf("absent data: %+v", ps)
	}
	if ps := c.Lookup("audit.logged").ValidateData(json.RawMessage(`[1]`)); ps != nil {
		t.Fatalf("a type without schema refused data: %+v", ps)
	}
	var empty *Catalog
	if empty.Len() != 0 || empty.Lookup("x") != nil || empty.Matching("*") != nil {
		t.Fatal("nil catalog is not empty")
	}
}

func eventDoc(events, language, text string) *Document {
	cfg, _ := json.Marshal(map[string]any{"method": "POST", "url": "https://example.com/",
		"body": map[string]any{"type": "json", "json": map[string]any{"text": text}}})
	var evs []string
	_ = json.Unmarshal([]byte(events), &evs)
	return &Document{Trigger: Trigger{Type: TriggerEvent, Events: evs, Language: language},
		Steps: []Step{{ID: "notify", Type: "http", Config: cfg}}}
}

func TestCatalogWarnings(t *testing.T) {
	c := testCatalog(t)
	ws := CatalogWarnings(eventDoc(`["host.connection_lost", "host.gone", "nothing.*", "order.*"]`, "", "{{ data.host }}"), c)
	if len(ws) != 2 || ws[0].Pointer != "/trigger/events/1" || ws[1].Pointer != "/trigger/events/2" ||
		!strings.Contains(ws[0].Message, `"host.gone" is not in the catalog`) || !strings.Contains(ws[1].Message, `matches "nothing.*"`) {
		t.Fatalf("subscription warnings %+v", ws)
	}
	// Without a catalog nothing is said.
	if ws := CatalogWarnings(eventDoc(`["host.gone"]`, "", "{{ data.x }}"), nil); ws != nil {
		t.Fatalf("empty catalog warned: %+v", ws)
	}
	// Data fields: the schema declares host, since and site.city; the
	// example of order.created declares order.id.
	ws = CatalogWarnings(eventDoc(`["host.connection_lost"]`, "", "{{ host }} {{ data.site.city }} {{ data.hostname }} {{ data.site.zip }} {{ event.data.anything }} {{ data.host.@reverse }}"), c)
	if len(ws) != 2 || ws[0].Pointer != "/steps/0/config/body/json/text" || ws[1].Pointer != ws[0].Pointer ||
		!strings.Contains(ws[0].Message, "reads data.hostname,") || !strings.Contains(ws[1].Message, "reads data.site.zip,") {
		t.Fatalf("data field warnings %+v", ws)
	}
	ws = CatalogWarnings(eventDoc(`["order.created", "host.connection_lost"]`, "", "{{ order.id }} {{ data.tags.0 }} {{ host }} {{ order.missing }}"), c)
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "data.order.missing") || !strings.Contains(ws[0].Message, "host.connection_lost, order.created") {
		t.Fatalf("example warnings %+v", ws)
	}
	// A subscribed type that declares nothing makes every field possible.
	if ws := CatalogWarnings(eventDoc(`["audit.logged", "host.connection_lost"]`, "", "{{ data.whatever }}"), c); ws != nil {
		t.Fatalf("undeclared data warned: %+v", ws)
	}
	hook := &Document{Trigger: Trigger{Type: TriggerWebhook, Sample: json.RawMessage(`{"order": 42}`),
		Response: json.RawMessage(`{"body": "{{ data.ordr }}"}`)},
		Steps: []Step{{ID: "a", Type: "http", Config: json.RawMessage(`{"url": "https://x/{{ order }}"}`)}}}
	ws = CatalogWarnings(hook, nil)
	if len(ws) != 1 || ws[0].Pointer != "/trigger/response/body" || !strings.Contains(ws[0].Message, "the trigger's sample") {
		t.Fatalf("webhook sample warnings %+v", ws)
	}
}

func TestVariablesFromTheCatalog(t *testing.T) {
	c := testCatalog(t)
	d := eventDoc(`["host.*", "order.created"]`, "zh-CN", "x")
	d.Steps = append(d.Steps, Step{ID: "second", Type: "http"})
	vs := VariablesFor(d, c)
	find := func(sv StepVariables, path string) *Variable {
		for i := range sv.Variables {
			if sv.Variables[i].Path == path {
				return &sv.Variables[i]
			}
		}
		return nil
	}
	for _, sv := range vs {
		host := find(sv, "data.host")
		if host == nil || host.Type != "string" || host.Description != "the host's name" || host.Template != "{{ data.host }}" {
			t.Errorf("%s: data.host = %+v", sv.StepID, host)
		}
		if v := find(sv, "data.site.city"); v == nil || v.Description != "where" {
			t.Errorf("%s: data.site.city via $ref = %+v", sv.StepID, v)
		}
		if v := find(sv, "data.order.total"); v == nil || v.Type != "number" || !strings.Contains(v.Description, "example of order.created") {
			t.Errorf("%s: data.order.total from the example = %+v", sv.StepID, v)
		}
		if v := find(sv, "data.order.id"); v == nil || v.Type != "integer" {
			t.Errorf("%s: data.order.id = %+v", sv.StepID, v)
		}
		msg := find(sv, "message")
		if msg == nil || !strings.Contains(msg.Description, "zh-CN") || !strings.Contains(msg.Description, "host.connection_lost") {
			t.Errorf("%s: message = %+v", sv.StepID, msg)
		}
	}
	if find(vs[1], "steps.notify.body") == nil || find(vs[0], "steps.notify.body") != nil {
		t.Error("step outputs misplaced")
	}
	none := VariablesFor(eventDoc(`["audit.logged"]`, "", "x"), c)
	if msg := find(none[0], "message"); msg == nil || !strings.HasPrefix(msg.Description, "empty") {
		t.Errorf("message without a catalog entry = %+v", msg)
	}
	hook := &Document{Trigger: Trigger{Type: TriggerWebhook, Sample: json.RawMessage(`{"user": {"name": "ada"}}`)}, Steps: []Step{{ID: "a"}}}
	hv := VariablesFor(hook, nil)
	if v := find(hv[0], "data.user.name"); v == nil || v.Type != "string" {
		t.Errorf("webhook sample variable = %+v", v)
	}
	if find(hv[0], "message") != nil {
		t.Error("webhook offers message")
	}
}

// {{ message }} is ambiguous when the subscribed types declare messages and
// one's data also has a "message" field: a warning says which is which.
func TestCatalogWarnsAboutAmbiguousMessage(t *testing.T) {
	var types []EventType
	for _, doc := range []string{
		`{"name": "chat.said", "schema": {"type": "object", "properties": {"message": {"type": "string"}}}, "messages": {"en": "said {{ data.message }}"}}`,
		`{"name": "chat.quiet", "schema": {"type": "object", "properties": {"message": {"type": "string"}}}}`,
		`{"name": "log.line", "example": {"message": "x"}}`,
		`{"name": "host.up", "schema": {"type": "object", "properties": {"host": {"type": "string"}}}, "messages": {"en": "{{ host }} is up"}}`,
	} {
		et, problems, err := ParseEventType([]byte(doc))
		if err != nil || problems != nil {
			t.Fatalf("ParseEventType: %v %v", problems, err)
		}
		types = append(types, *et)
	}
	c, err := NewCatalog(types)
	if err != nil {
		t.Fatal(err)
	}
	ws := CatalogWarnings(eventDoc(`["chat.said"]`, "", "{{ message }} ({{ data.message }})"), c)
	if len(ws) != 1 || ws[0].Pointer != "/steps/0/config/body/json/text" || !strings.Contains(ws[0].Message, "{{ data.message }}") {
		t.Fatalf("ambiguous message: %+v", ws)
	}
	// Messages from one type, the field from another's example.
	if ws := CatalogWarnings(eventDoc(`["host.up", "log.line"]`, "", "{{ message }}"), c); len(ws) != 1 {
		t.Fatalf("messages and an example's field: %+v", ws)
	}
	// No messages: {{ message }} is the field. No field: it is the message.
	for _, events := range []string{`["chat.quiet"]`, `["host.up"]`} {
		if ws := CatalogWarnings(eventDoc(events, "", "{{ message }}"), c); ws != nil {
			t.Fatalf("%s warned: %+v", events, ws)
		}
	}
	// Reading only data.message is not ambiguous.
	if ws := CatalogWarnings(eventDoc(`["chat.said"]`, "", "{{ data.message }}"), c); ws != nil {
		t.Fatalf("data.message warned: %+v", ws)
	}
}
