package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

type eventAnswer struct {
	EventID string `json:"event_id"`
	Runs    []struct {
		RunID  string `json:"run_id"`
		FlowID string `json:"flow_id"`
	} `json:"runs"`
}

func (a eventAnswer) runIDs() []string {
	var ids []string
	for _, r := range a.Runs {
		ids = append(ids, r.RunID)
	}
	sort.Strings(ids)
	return ids
}

// postEvent posts an event with an Idempotency-Key and expects 202.
func postEvent(t *testing.T, base, key, body string) eventAnswer {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return eventAnswer{}
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return eventAnswer{}
	}
	defer resp.Body.Close()
	var ans eventAnswer
	if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&ans) != nil {
		t.Errorf("POST /events: status %d", resp.StatusCode)
	}
	return ans
}

// TestEventsFanOutExactlyOnce posts one event to flows subscribed by exact
// type and by wildcard, with a disabled and an unrelated flow beside them;
// the same event posted twice concurrently and once more after a restart
// starts each subscribed flow exactly once.
func TestEventsFanOutExactlyOnce(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir(), false)
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	first, err := Start(context.Background(), cfg, ModeServe, logger)
	if err != nil {
		t.Fatal(err)
	}
	c := client{t: t, base: "http://" + first.Addr()}

	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })
	flow := func(name, events string) string {
		return fmt.Sprintf(`{"name": %q, "trigger": {"type": "event", "events": %s}, "steps": [
			{"id": "notify", "type": "http", "config": {"method": "POST", "url": "%s/%s",
			 "body": {"type": "json", "json": {"event": "{{ event.event_id }}", "type": "{{ event_type }}", "total": "{{ total }}", "ctx": "{{ event.current_context.tenant }}"}}}}]}`,
			name, events, url, name)
	}
	wildcard := c.publishFlow(flow("wildcard", `["order.*"]`))
	exact := c.publishFlow(flow("exact", `["order.created", "order.deleted"]`))
	disabled := c.publishFlow(flow("disabled", `["order.created"]`))
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+disabled+"/disable", nil, nil)
	c.publishFlow(flow("unrelated", `["user.*"]`))

	body := `{"event_type": "order.created", "current_context": {"tenant": "acme"}, "data": {"total": 12.5}}`
	var wg sync.WaitGroup
	answers := make([]eventAnswer, 2)
	for i := range answers {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = postEvent(t, c.base, "order-42", body) }()
	}
	wg.Wait()
	if answers[0].EventID != "order-42" || len(answers[0].Runs) != 2 {
		t.Fatalf("first answer %+v", answers[0])
	}
	if fmt.Sprint(answers[0].runIDs()) != fmt.Sprint(answers[1].runIDs()) {
		t.Fatalf("concurrent repeats answered different runs: %v vs %v", answers[0].runIDs(), answers[1].runIDs())
	}
	flowsRun := map[string]bool{}
	for _, r := range answers[0].Runs {
		flowsRun[r.FlowID] = true
		if d := c.waitRun(r.RunID); d.Status != "succeeded" || d.Trigger.Type != "event" {
			t.Errorf("run %+v", d)
		}
	}
	if !flowsRun[wildcard] || !flowsRun[exact] {
		t.Errorf("runs started for %v, want the wildcard and exact flows", flowsRun)
	}
	paths := map[string]int{}
	for i := 0; i < 2; i++ {
		r := next(t, got)
		paths[r.Path]++
		var sent map[string]any
		if err := json.Unmarshal(r.Body, &sent); err != nil || sent["event"] != "order-42" || sent["type"] != "order.created" ||
			sent["total"] != 12.5 || sent["ctx"] != "acme" {
			t.Errorf("%s received %s", r.Path, r.Body)
		}
	}
	if paths["/wildcard"] != 1 || paths["/exact"] != 1 {
		t.Errorf("deliveries %v", paths)
	}

	// Restart on the same data dir: the repeat still starts nothing new.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := first.Shutdown(ctx); err != nil {
		t.Logf("shutdown: %v", err)
	}
	second := startServe(t, cfg)
	again := postEvent(t, "http://"+second.Addr(), "order-42", body)
	if fmt.Sprint(again.runIDs()) != fmt.Sprint(answers[0].runIDs()) {
		t.Errorf("after a restart the repeat answered %v, want %v", again.runIDs(), answers[0].runIDs())
	}
	select {
	case r := <-got:
		t.Errorf("a repeat was delivered again: %s", r.Path)
	case <-time.After(2 * time.Second):
	}

	// A bad event stores and starts nothing.
	c2 := client{t: t, base: "http://" + second.Addr()}
	if code, out := c2.do("POST", "/api/v1/events", `{"event_type": "bad..type", "data": 1, "extra": true}`); code != http.StatusUnprocessableEntity ||
		!strings.Contains(string(out), "/extra") || !strings.Contains(string(out), "/event_type") {
		t.Errorf("invalid event: %d %s", code, out)
	}
}
