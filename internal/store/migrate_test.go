package store

import (
	"sync"
	"testing"
)

// TestOpenConcurrentlyOnAnEmptyDatabase starts many stores on one empty
// database at the same moment, as an api and several workers do when they
// start together: every one migrates, none fails with "already exists", and
// each works afterwards.
func TestOpenConcurrentlyOnAnEmptyDatabase(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		const n = 8
		stores := make([]*Store, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = Open(ctx, databaseURL)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d of %d: %v", i+1, n, err)
				continue
			}
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		if t.Failed() {
			return
		}
		for i, s := range stores {
			if _, err := s.CreateFlow(ctx, "F", []byte(`{}`)); err != nil {
				t.Errorf("CreateFlow through store %d: %v", i+1, err)
			}
		}
	})
}
