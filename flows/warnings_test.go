package flows_test

import (
	"reflect"
	"testing"

	"github.com/flowline/flowline/flows"
)

func TestWarnings(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name string
		doc  string
		want []flows.Warning
	}{
		{"none: bare names and data are unknowable", `{"name": "n", "trigger": {"type": "event", "events": ["a"]},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/{{ order_id | urlpath }}?e={{ event.event_type }}&t={{ event_type }}&f={{ flow_name }}&d={{ data.x.y }}&b={{ trigger.body }}&j={{ @this }}&k={{ flow_name|@reverse }}"}}]}`, nil},
		{"unknown modifier", `{"name": "n", "trigger": {"type": "manual"},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/", "body": {"type": "raw", "raw": "{\"t\": {{ note | jsn }}}"}}}]}`,
			[]flows.Warning{{Pointer: "/steps/0/config/body/raw", Message: `unknown template modifier "jsn" in {{ note | jsn }} is ignored; known modifiers: json, urlpath, urlquery`}}},
		{"unknown gjson modifier", `{"name": "n", "trigger": {"type": "manual"},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/{{ flow_name|@upper }}"}}]}`,
			[]flows.Warning{{Pointer: "/steps/0/config/url", Message: `{{ flow_name|@upper }} is always empty: gjson has no modifier @upper`}}},
		{"unknown fields of fixed roots", `{"name": "n", "trigger": {"type": "webhook"},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/", "headers": {"A": "{{ flow.nme }}", "B": "{{ run.started }}", "C": "{{ trigger.header }}"}}}]}`,
			[]flows.Warning{
				{Pointer: "/steps/0/config/headers/A", Message: `{{ flow.nme }} is always empty: flow has no field "nme"; it has id, name, version`},
				{Pointer: "/steps/0/config/headers/B", Message: `{{ run.started }} is always empty: run has no field "started"; it has id, started_at`},
				{Pointer: "/steps/0/config/headers/C", Message: `{{ trigger.header }} is always empty: trigger has no field "header"; it has type, body, headers, query, files`},
			}},
		{"fields of another trigger", `{"name": "n", "trigger": {"type": "schedule", "every": "1h"},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/?a={{ event_type }}&b={{ trigger.headers.x }}"}}]}`,
			[]flows.Warning{
				{Pointer: "/steps/0/config/url", Message: `{{ event_type }} is always empty: event is only set for event triggers, and this flow's trigger is "schedule"`},
				{Pointer: "/steps/0/config/url", Message: `{{ trigger.headers.x }} is always empty: trigger.headers is only set for webhook triggers, and this flow's trigger is "schedule"`},
			}},
		{"event fields and the sync response", `{"name": "n", "trigger": {"type": "webhook", "respond": "sync", "response": {"body": {"id": "{{ event.event_id }}"}}},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/"}}]}`,
			[]flows.Warning{{Pointer: "/trigger/response/body/id", Message: `{{ event.event_id }} is always empty: event is only set for event triggers, and this flow's trigger is "webhook"`}}},
		{"unknown event field", `{"name": "n", "trigger": {"type": "event", "events": ["a"]},
			"steps": [{"id": "a", "type": "http", "config": {"url": "https://x/{{ event.type }}"}}]}`,
			[]flows.Warning{{Pointer: "/steps/0/config/url", Message: `{{ event.type }} is always empty: event has no field "type"; it has event_id, event_time, event_type, current_context, data`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, problems, err := v.Validate([]byte(tt.doc))
			if err != nil || problems != nil {
				t.Fatalf("Validate: %v %v", problems, err)
			}
			if got := flows.Warnings(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Warnings:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
