package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkclient "go.temporal.io/sdk/client"

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

	// Republishing updates the schedule: new interval, new pinned version.
	ctx := context.Background()
	var f struct {
		Draft json.RawMessage `json:"draft"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/flows/"+flowID, nil, &f)
	c.must(http.StatusOK, "PUT", "/api/v1/flows/"+flowID, strings.Replace(string(f.Draft), `"every":"1s"`, `"every":"2s"`, 1), nil)
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/publish", nil, nil)
	desc, err := a.Client().ScheduleClient().GetHandle(ctx, engine.ScheduleID(flowID)).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 2*time.Second {
		t.Errorf("republished schedule intervals %+v, want every 2s", iv)
	}
	if act, ok := desc.Schedule.Action.(*sdkclient.ScheduleWorkflowAction); !ok || !strings.Contains(fmt.Sprint(act.Args), "2s") {
		t.Errorf("republished schedule action %+v does not carry version 2", desc.Schedule.Action)
	}

	c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/disable", nil, nil)
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
