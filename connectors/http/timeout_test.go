package httpconn

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAttemptTimeout: an attempt may take the step's timeout plus the
// read slack; without a timeout known before rendering, the bound.
func TestAttemptTimeout(t *testing.T) {
	c := New(loopbackOptions())
	for config, want := range map[string]time.Duration{
		`{"url": "https://x", "timeout": "15s"}`:             15*time.Second + readSlack,
		`{"url": "https://x"}`:                               unknownTimeoutBound,
		`{"url": "https://x", "timeout": "{{ data.wait }}"}`: unknownTimeoutBound,
		`not json`: unknownTimeoutBound,
	} {
		if got := c.AttemptTimeout(json.RawMessage(config)); got != want {
			t.Errorf("AttemptTimeout(%s) = %v, want %v", config, got, want)
		}
	}
}
