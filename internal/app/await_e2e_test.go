package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
)

// TestAwaitEndReturnsWhenTheRunEnds: a sync webhook's answer waits on its
// run's workflow closing (a long poll), not on a polling interval. While
// the run's step is held, AwaitEnd does not return; once the step is let
// go, it returns and the run already reads as ended.
func TestAwaitEndReturnsWhenTheRunEnds(t *testing.T) {
	t.Parallel()
	a := startServe(t, testConfig(t, t.TempDir(), false))
	c := client{t: t, base: "http://" + a.Addr()}
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	step := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusCreated)
	}))
	defer step.Close()
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "await", "trigger": {"type": "webhook", "respond": "sync"},
		"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s"}}]}`, step.URL))
	answered := make(chan hookAnswer, 1)
	go func() {
		answered <- hook(t, c.base, "POST", flowID, "application/json", http.Header{"Webhook-Id": {"await-1"}}, []byte(`{}`))
	}()
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		t.Fatal("the run's step never arrived")
	}

	runID := engine.DeterministicRunID(flowID, "await-1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	status := make(chan string, 1)
	go func() {
		err := a.runs.AwaitEnd(ctx, runID)
		d, gerr := a.runs.Get(ctx, runID)
		if err != nil || gerr != nil {
			status <- fmt.Sprintf("error: %v / %v", err, gerr)
			return
		}
		status <- string(d.Status)
	}()
	select {
	case s := <-status:
		t.Fatalf("AwaitEnd returned while the run's step was held (run reads %s)", s)
	case <-time.After(500 * time.Millisecond): // a negative check, not a synchronisation
	}
	close(release)
	released = true
	if s := <-status; s != string(engine.StatusSucceeded) {
		t.Errorf("after AwaitEnd the run reads %s, want succeeded", s)
	}
	if ans := <-answered; ans.status != http.StatusCreated {
		t.Errorf("the sync answer is %d %s, want the step's 201", ans.status, ans.body)
	}
}
