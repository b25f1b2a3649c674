package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// contextCheckingTemporal records whether the context a run's own
// workflow was started under had already ended.
type contextCheckingTemporal struct {
	*fakeTemporal
	startCtxErr error
}

func (c *contextCheckingTemporal) Start(ctx context.Context, in engine.RunInput) (*engine.Run, error) {
	c.startCtxErr = ctx.Err()
	return c.fakeTemporal.Start(ctx, in)
}

// TestStartOutlivesTheCallersHangUp: a run with a workflow of its own
// whose caller has hung up is still started, under a context of its own,
// instead of being cut off inside Temporal's persistence half-way.
func TestStartOutlivesTheCallersHangUp(t *testing.T) {
	tmp := &contextCheckingTemporal{fakeTemporal: &fakeTemporal{own: map[string]engine.RunInput{}}}
	svc := engine.NewService(engine.ServiceOptions{Executions: tmp})
	doc := parseDoc(t, `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := engine.NewRunInput("f1", 1, doc, engine.DeterministicRunID("f1", "e1"),
		engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent}, ID: "e1"}, time.Time{})
	if _, err := svc.Start(ctx, in); err != nil {
		t.Fatal(err)
	}
	if tmp.startCtxErr != nil {
		t.Fatalf("the workflow start ran under the caller's ended context: %v", tmp.startCtxErr)
	}
	if _, ok := tmp.own[in.RunID]; !ok {
		t.Fatal("the run was not started")
	}
}
