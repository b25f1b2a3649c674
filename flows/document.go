// Package flows owns the flow document: its types, parsing, validation
// passes, graph checks and templates.
package flows

import "encoding/json"

// Document is a flow as authored: one trigger, then ordered steps. The JSON
// Schema in schemas/flow.schema.json is the authority on which fields exist;
// these types mirror it.
type Document struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Trigger     Trigger `json:"trigger"`
	Steps       []Step  `json:"steps"`
}

// Trigger says what starts a run. Fields beyond Type apply to one trigger
// type each.
type Trigger struct {
	// Type is manual, webhook, event or schedule.
	Type string `json:"type"`
	// Events lists event types (dot segments, "*" wildcards) for "event".
	Events []string `json:"events,omitempty"`
	// Language (a BCP 47 tag) picks the language of the event type's
	// message that runs of an "event" trigger read as message.
	Language string `json:"language,omitempty"`
	// Cron, Every and Timezone configure "schedule".
	Cron     string `json:"cron,omitempty"`
	Every    string `json:"every,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	// Methods, Auth, Respond and Response configure "webhook".
	Methods  []string        `json:"methods,omitempty"`
	Auth     json.RawMessage `json:"auth,omitempty"`
	Respond  string          `json:"respond,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	// Sample is an example body of a "webhook" trigger, for autocomplete
	// and template checks only.
	Sample json.RawMessage `json:"sample,omitempty"`
}

// Step is one action of a connector.
type Step struct {
	// ID is unique in the flow; later steps read the output as steps.<id>.
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Type names the connector.
	Type string `json:"type"`
	// Config is the connector's config, templates unrendered.
	Config json.RawMessage `json:"config"`
	// Retry is nil when the connector's defaults apply.
	Retry *Retry `json:"retry,omitempty"`
	// OnError is OnErrorFail (also when empty) or OnErrorContinue.
	OnError string `json:"on_error,omitempty"`
}

// Retry is a step's retry policy; durations are Go duration strings.
type Retry struct {
	MaxAttempts        int     `json:"max_attempts,omitempty"`
	InitialInterval    string  `json:"initial_interval,omitempty"`
	BackoffCoefficient float64 `json:"backoff_coefficient,omitempty"`
	MaxInterval        string  `json:"max_interval,omitempty"`
}

// On-error policies of a step.
const (
	OnErrorFail     = "fail"
	OnErrorContinue = "continue"
)

// Trigger types.
const (
	TriggerManual   = "manual"
	TriggerWebhook  = "webhook"
	TriggerEvent    = "event"
	TriggerSchedule = "schedule"
)
