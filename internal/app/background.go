package app

import "context"

// background runs fn in a goroutine until Shutdown cancels its context
// and waits for it to return.
func (a *App) background(fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.stops = append(a.stops, func() { cancel(); <-done })
	go func() {
		defer close(done)
		fn(ctx)
	}()
}
