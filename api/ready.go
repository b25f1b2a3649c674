package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// writeProbeTTL is how long the flow store's write probe is reused, so
// that frequent readiness probes do not each insert a row.
const writeProbeTTL = 3 * time.Second

// NotReadyError names the part of the service that is not ready (the
// flow store, Temporal) around the error that says why. /readyz answers
// the part only, since anyone may call it; the error goes to the log.
type NotReadyError struct {
	// Part is what is not ready, as a phrase: "the flow store", "Temporal".
	Part string
	// Err is why.
	Err error
}

// Error implements error.
func (e *NotReadyError) Error() string { return fmt.Sprintf("%s: %v", e.Part, e.Err) }

// Unwrap returns Err.
func (e *NotReadyError) Unwrap() error { return e.Err }

// writeProbe runs the flow store's write check at most once per
// writeProbeTTL, sharing the last outcome (success or failure) meanwhile.
// A check cut short by its caller's context is not kept.
type writeProbe struct {
	mu    sync.Mutex
	check func(context.Context) error
	now   func() time.Time
	at    time.Time // when err was found; zero before the first check
	err   error
}

func (p *writeProbe) run(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.at.IsZero() && now.Sub(p.at) < writeProbeTTL && now.Sub(p.at) >= 0 {
		return p.err
	}
	err := p.check(ctx)
	if err != nil && ctx.Err() != nil {
		p.at = time.Time{}
		return err
	}
	p.at, p.err = now, err
	return err
}

// notReadyDetail is the public detail of a failed readiness check: which
// part is not ready, never the error itself.
func notReadyDetail(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		var nr *NotReadyError
		if errors.As(err, &nr) {
			return fmt.Sprintf("not ready: %s gave no answer within %s", nr.Part, readyTimeout)
		}
		return fmt.Sprintf("not ready: no answer within %s", readyTimeout)
	}
	var nr *NotReadyError
	if errors.As(err, &nr) {
		return fmt.Sprintf("not ready: %s does not answer", nr.Part)
	}
	return "not ready: a dependency does not answer"
}
