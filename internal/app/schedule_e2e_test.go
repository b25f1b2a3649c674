package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
)

// TestScheduleFiresAndStopsWhenDisabled publishes a flow on a one-second
// schedule, sees it fire at least twice as a Temporal Schedule, disables it
// (the schedule pauses and nothing more arrives) and deletes it (the
// schedule goes).
func TestScheduleFiresAndStopsWhenDisabled(t *testing.T) {
	a := startServe(t, testConfig(t, t.TempDir(), false))
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	flowID := c.publishFlow(fmt.Sprintf(`{"name": "ticker", "trigger": {"type": "schedule", "every": "1s", "timezone": "Europe/Paris"},
		"steps": [{"id": "tick", "type": "http", "config": {"method": "POST", "url": "%s/tick",
		 "body": {"type": "json", "json": {"run": "{{ run_id }}", "trigger": "{{ trigger.type }}"}}}}]}`, url))
	sched := &engine.Schedules{Client: a.Client(), TaskQueue: a.cfg.TaskQueue}

	runs := map[string]bool{}
	for len(runs) < 2 {
		r := next(t, got)
		var body struct{ Run, Trigger string }
		if err := json.Unmarshal(r.Body, &body); err != nil || body.Trigger != "schedule" || body.Run == "" {
			t.Fatalf("scheduled request %s", r.Body)
		}
		runs[body.Run] = true
	}
	for id := range runs {
		d := c.waitRun(id)
		if d.Status != "succeeded" || d.FlowID != flowID || d.Trigger.Type != "schedule" {
			t.Errorf("scheduled run %+v", d)
		}
	}

	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/disable", nil, nil)
	ctx := context.Background()
	if exists, paused, err := sched.Describe(ctx, flowID); err != nil || !exists || !paused {
		t.Fatalf("after disable: exists %v paused %v err %v", exists, paused, err)
	}
	drain := time.After(2 * time.Second)
	for drained := false; !drained; {
		select {
		case <-got:
		case <-drain:
			drained = true
		}
	}
	select {
	case r := <-got:
		t.Errorf("a disabled flow's schedule still fired: %s", r.Body)
	case <-time.After(3 * time.Second):
	}

	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/enable", nil, nil)
	if _, paused, _ := sched.Describe(ctx, flowID); paused {
		t.Error("enabling did not resume the schedule")
	}
	c.must(http.StatusNoContent, "DELETE", "/api/v1/flows/"+flowID, nil, nil)
	if exists, _, err := sched.Describe(ctx, flowID); err != nil || exists {
		t.Errorf("after delete: exists %v err %v", exists, err)
	}
}
