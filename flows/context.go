package flows

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
)

// RunContext is what templates read: the JSON built by the engine for one
// run, extended with each step's output as the run goes on. Payloads are
// kept as json.RawMessage so that nothing is decoded and encoded again.
//
//	{"flow": {"id", "name", "version"}, "run": {"id", "started_at"},
//	 "trigger": {"type", "body", "headers", "query", "files"},
//	 "event": {…}, "data": …, "message": "…", "steps": {"<id>": {"status", "headers", "body"}}}
type RunContext struct {
	Flow    FlowInfo    `json:"flow"`
	Run     RunInfo     `json:"run"`
	Trigger TriggerInfo `json:"trigger"`
	// Event is the event envelope {event_id, event_time, event_type,
	// current_context, data}; absent unless an event started the run.
	Event json.RawMessage `json:"event,omitempty"`
	// Data is the event's data, or the webhook's or manual run's body.
	Data json.RawMessage `json:"data,omitempty"`
	// Message is the event type's message in the trigger's language,
	// rendered when the event arrived; empty for other runs and for types
	// the catalog gives no message. When it is empty, Bytes gives
	// "message" the value of data.message instead, so that {{ message }}
	// reads the data field as any bare name would.
	Message string `json:"message,omitempty"`
	// Steps holds the output of each step that has run, by step id.
	Steps map[string]json.RawMessage `json:"steps"`
}

// FlowInfo identifies the flow version being run.
type FlowInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// RunInfo identifies the run.
type RunInfo struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"started_at"`
}

// TriggerInfo is what started the run. Headers, Query and Files are set for
// webhooks; Body is the webhook's or manual run's body.
type TriggerInfo struct {
	Type    string          `json:"type"`
	Body    json.RawMessage `json:"body,omitempty"`
	Headers json.RawMessage `json:"headers,omitempty"`
	Query   json.RawMessage `json:"query,omitempty"`
	Files   json.RawMessage `json:"files,omitempty"`
}

// WithStep records the output of step id ({"status", "headers", "body"} for
// HTTP) so that later templates can read steps.<id>. It changes c in place.
func (c *RunContext) WithStep(id string, output json.RawMessage) {
	if c.Steps == nil {
		c.Steps = make(map[string]json.RawMessage)
	}
	if len(output) == 0 {
		output = json.RawMessage("null")
	}
	c.Steps[id] = output
}

// Bytes returns the JSON that Render and RenderString read.
func (c *RunContext) Bytes() ([]byte, error) {
	steps := c.Steps
	if steps == nil {
		// Render "steps" as {} rather than null.
		steps = map[string]json.RawMessage{}
	}
	cc := contextJSON{RunContext: *c}
	cc.Steps = steps
	cc.Message = c.messageJSON()
	b, err := json.Marshal(cc)
	if err != nil {
		return nil, fmt.Errorf("encoding run context: %w", err)
	}
	return b, nil
}

// contextJSON is a RunContext as templates read it: its Message field
// shadows RunContext's to hold either the catalog message or data.message.
type contextJSON struct {
	RunContext
	Message json.RawMessage `json:"message,omitempty"`
}

// messageJSON is what {{ message }} reads: the catalog message when the
// run has one, else data.message (nil when data has none).
func (c *RunContext) messageJSON() json.RawMessage {
	if c.Message != "" {
		b, _ := json.Marshal(c.Message) // a string always encodes
		return b
	}
	data := gjson.ParseBytes(c.Data)
	if !data.IsObject() {
		return nil
	}
	if r := data.Get("message"); r.Exists() {
		return json.RawMessage(r.Raw)
	}
	return nil
}
