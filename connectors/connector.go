// Package connectors defines what every Flowline connector implements, the
// registry that names them, and the error kinds the engine turns into retry
// decisions.
package connectors

import (
	"context"
	"encoding/json"
	"time"
)

// Connector is one kind of step action, such as "http".
//
// A connector is constructed once, registered by its Type, and then asked to
// Execute many step configs concurrently, so implementations must be safe for
// concurrent use.
type Connector interface {
	// Type is the name used in a step's "type" and as the Temporal activity
	// name.
	Type() string
	// Description says in one sentence what the connector does (shown by
	// GET /api/v1/connectors).
	Description() string
	// ConfigSchema is the JSON Schema (draft 2020-12) of the step's config.
	// Every property carries a description.
	ConfigSchema() []byte
	// AttemptTimeout bounds one attempt of a step with this config (as
	// authored, templates not rendered), reading the response included:
	// the engine gives up on an attempt that takes longer.
	AttemptTimeout(config json.RawMessage) time.Duration
	// Execute runs one attempt of a step whose templates are already
	// rendered. It returns a Result even when it also returns an error, so
	// that the request and any response are recorded for the attempt.
	Execute(ctx context.Context, req Request) (*Result, error)
}

// Request is one attempt of one step, with its config fully rendered.
type Request struct {
	// RunID and StepID identify the step being run.
	RunID  string
	StepID string
	// Attempt counts from 1.
	Attempt int
	// Config is the rendered step config: valid against ConfigSchema.
	Config json.RawMessage
	// IdempotencyKey is the same for every attempt of one step of one run
	// and differs between runs.
	IdempotencyKey string
}

// OutputDeriver is a connector whose step output can be rebuilt from its
// response record alone. An attempt whose output is exactly what
// DeriveOutput makes of its record records the record only, and the
// workflow rebuilds the output (StepOutcome.OutputFromResponse): the
// output is not recorded twice in the run's history.
type OutputDeriver interface {
	// DeriveOutput rebuilds the output from response, a Result.Response;
	// ok is false when the record does not hold all of it. It must be a
	// pure function of response: workflows call it, also on replay.
	DeriveOutput(response json.RawMessage) (output json.RawMessage, ok bool)
}

// Result is what a step produced: the request as it was sent (secrets
// redacted) and the response as it was received (size-capped). Output is
// what later steps read as steps.<id>; for HTTP it is
// {"status", "headers", "body"}.
type Result struct {
	// Status is the remote side's answer code (an HTTP status), zero when
	// none came back; each attempt records it.
	Status   int             `json:"-"`
	Request  json.RawMessage `json:"request,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Output   json.RawMessage `json:"output,omitempty"`
}
