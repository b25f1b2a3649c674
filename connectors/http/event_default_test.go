package httpconn

import (
	"encoding/json"
	"testing"
)

// TestEventEnvelopeIsTheDefaultJSONBody checks what builders read from the
// schema for a new step of an event flow (the end-to-end test in
// internal/app sends it).
func TestEventEnvelopeIsTheDefaultJSONBody(t *testing.T) {
	var root struct {
		Defs map[string]struct {
			EventDefault json.RawMessage `json:"x-event-flow-default"`
			Properties   map[string]struct {
				Default json.RawMessage `json:"default"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(New(Options{}).ConfigSchema(), &root); err != nil {
		t.Fatal(err)
	}
	if got := string(root.Defs["body_json"].Properties["json"].Default); got != `"{{ event }}"` {
		t.Errorf("json body default = %s", got)
	}
	var body map[string]any
	if err := json.Unmarshal(root.Defs["body"].EventDefault, &body); err != nil || body["type"] != "json" || body["json"] != "{{ event }}" {
		t.Fatalf("x-event-flow-default = %s", root.Defs["body"].EventDefault)
	}
}
