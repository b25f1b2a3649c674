package connectors

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a connector failure for the engine's retry decision.
type Kind int

const (
	// Retryable failures (network errors, 5xx, 408, 425, 429) are tried
	// again with the step's backoff.
	Retryable Kind = iota
	// Permanent failures (bad config, other 4xx, refused egress) fail the
	// step at once.
	Permanent
)

// String names the kind for logs and recorded errors.
func (k Kind) String() string {
	if k == Permanent {
		return "permanent"
	}
	return "retryable"
}

// Error is a classified connector failure. The engine reads Kind and
// RetryAfter at the activity boundary and nowhere else.
type Error struct {
	Kind Kind
	// RetryAfter, when positive, is the delay the remote side asked for
	// (an HTTP Retry-After header); it replaces the backoff for the next
	// attempt.
	RetryAfter time.Duration
	Err        error
}

// Error implements error.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// NewRetryable wraps err as a retryable failure.
func NewRetryable(err error, retryAfter time.Duration) *Error {
	return &Error{Kind: Retryable, RetryAfter: retryAfter, Err: err}
}

// NewPermanent wraps err as a failure that retrying cannot fix.
func NewPermanent(err error) *Error {
	return &Error{Kind: Permanent, Err: err}
}

// Permanentf formats a permanent failure.
func Permanentf(format string, args ...any) *Error {
	return NewPermanent(fmt.Errorf(format, args...))
}

// Classify returns the kind of err and any requested retry delay. Errors that
// were not classified by a connector are retryable: an unknown failure is
// more likely transient than not, and max_attempts still bounds it.
func Classify(err error) (Kind, time.Duration) {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind, ce.RetryAfter
	}
	return Retryable, 0
}
