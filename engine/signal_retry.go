package engine

import (
	"context"
	"errors"
	"time"
)

// handOverAttempt bounds one attempt at handing runs to a batch. A call
// in flight when Temporal's history service dies can hang until its
// deadline although a restarted service answers a new call at once; an
// attempt cut at this bound is made again while the caller's own
// deadline lasts. A repeated signal is harmless: the batch's claim drops
// runs it already holds.
const handOverAttempt = 4 * time.Second

// inAttempts calls do with a context bounded by attempt, again and again
// while an attempt ran out of its own time and ctx has not.
func inAttempts[T any](ctx context.Context, attempt time.Duration, do func(context.Context) (T, error)) (T, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		v, err := do(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil || !timedOut || ctx.Err() != nil {
			return v, err
		}
	}
}
