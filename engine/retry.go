package engine

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// Defaults for a step without a retry block: a few quick tries, since most
// outbound failures are brief.
const (
	defaultMaxAttempts     = 3
	defaultInitialInterval = time.Second
	defaultBackoff         = 2.0
	defaultMaxInterval     = time.Minute
)

// RetryPolicy maps a step's retry block onto a Temporal retry policy.
// Permanent connector failures are never retried.
func RetryPolicy(r *flows.Retry) *temporal.RetryPolicy {
	p := &temporal.RetryPolicy{
		InitialInterval:        defaultInitialInterval,
		BackoffCoefficient:     defaultBackoff,
		MaximumInterval:        defaultMaxInterval,
		MaximumAttempts:        defaultMaxAttempts,
		NonRetryableErrorTypes: []string{connectors.Permanent.String()},
	}
	if r == nil {
		return p
	}
	if r.MaxAttempts > 0 {
		p.MaximumAttempts = int32(r.MaxAttempts)
	}
	if d, err := time.ParseDuration(r.InitialInterval); err == nil && d > 0 {
		p.InitialInterval = d
	}
	if r.BackoffCoefficient >= 1 {
		p.BackoffCoefficient = r.BackoffCoefficient
	}
	if d, err := time.ParseDuration(r.MaxInterval); err == nil && d > 0 {
		p.MaximumInterval = d
	} else if p.MaximumInterval < p.InitialInterval {
		p.MaximumInterval = p.InitialInterval
	}
	return p
}
