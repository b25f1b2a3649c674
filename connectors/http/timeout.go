package httpconn

import (
	"encoding/json"
	"time"
)

// readSlack is what an attempt may take beyond the request's own timeout:
// recording the response and handing it back.
const readSlack = 5 * time.Second

// unknownTimeoutBound bounds an attempt whose timeout is not known before
// rendering (none given, or a template).
const unknownTimeoutBound = 2 * time.Minute

// AttemptTimeout implements connectors.Connector: the step's timeout plus
// slack for reading the response, or a bound that covers the default
// timeout, redirects and a digest challenge.
func (c *Connector) AttemptTimeout(config json.RawMessage) time.Duration {
	var cfg struct {
		Timeout string `json:"timeout"`
	}
	if json.Unmarshal(config, &cfg) == nil {
		if d, err := time.ParseDuration(cfg.Timeout); err == nil && d > 0 {
			return d + readSlack
		}
	}
	return unknownTimeoutBound
}
