// Package enginetest holds what the engine's workflow tests share.
package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/flowline/flowline/connectors"
)

// Connector is a test connector of type "fake" that answers from its
// config, {"fail": "permanent"|"retryable", "echo": …}: a failure of that
// kind, or status 200 with the echo as its body. It sends every rendered
// config it is given to Seen.
type Connector struct{ Seen chan json.RawMessage }

// Type is "fake".
func (f *Connector) Type() string { return "fake" }

// Description describes it.
func (f *Connector) Description() string { return "test connector" }

// ConfigSchema accepts any object.
func (f *Connector) ConfigSchema() []byte { return []byte(`{"type": "object"}`) }

// AttemptTimeout is a minute.
func (f *Connector) AttemptTimeout(json.RawMessage) time.Duration { return time.Minute }

// Execute answers as the config says.
func (f *Connector) Execute(_ context.Context, req connectors.Request) (*connectors.Result, error) {
	f.Seen <- req.Config
	var cfg struct {
		Fail string          `json:"fail"`
		Echo json.RawMessage `json:"echo"`
	}
	_ = json.Unmarshal(req.Config, &cfg)
	switch cfg.Fail {
	case "permanent":
		return &connectors.Result{Status: 400, Response: json.RawMessage(`{"status": 400}`)}, connectors.NewPermanent(errors.New("bad request"))
	case "retryable":
		return &connectors.Result{Status: 503, Response: json.RawMessage(`{"status": 503}`)}, connectors.NewRetryable(errors.New("unavailable"), 0)
	}
	echo := cfg.Echo
	if len(echo) == 0 {
		echo = json.RawMessage("null")
	}
	return &connectors.Result{Status: 200, Response: json.RawMessage(`{"status": 200}`),
		Output: json.RawMessage(`{"status": 200, "body": ` + string(echo) + `}`)}, nil
}
