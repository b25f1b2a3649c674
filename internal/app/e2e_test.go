package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEndToEnd boots the real embedded Temporal server, the worker and the
// API once, and runs flows against real HTTP receivers.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir(), true)
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}

	t.Run("two steps with templates, listed by flow", func(t *testing.T) {
		c := client{t: t, base: c.base}
		url, got := receiver(t, func(n int, r received) (int, string) {
			if r.Path == "/create" {
				return 201, `{"id": 42, "tags": ["a", "b"]}`
			}
			return 200, `{"ok": true}`
		})
		flowID := c.publishFlow(fmt.Sprintf(`{
			"name": "Sync errors to chat",
			"trigger": {"type": "manual"},
			"steps": [
				{"id": "create", "type": "http", "config": {
					"method": "POST", "url": "%[1]s/create",
					"headers": {"X-Source": "flowline"},
					"query": {"flow": "{{ flow_name }}", "tag": ["x", "y"]},
					"body": {"type": "json", "json": {"text": "{{ flow_name }}: {{ data.message }}", "count": "{{ count }}", "user": "{{ user }}"}}}},
				{"id": "confirm", "type": "http", "config": {
					"method": "PUT", "url": "%[1]s/items/{{ steps.create.body.id }}",
					"body": {"type": "raw", "raw": "created {{ steps.create.status }}", "content_type": "text/plain"}}}
			]}`, url))
		runID := c.startRun(flowID, map[string]any{"message": "disk full", "count": 3, "user": map[string]any{"name": "ada"}})

		first := next(t, got)
		if first.Method != "POST" || first.Query != "flow=Sync+errors+to+chat&tag=x&tag=y" {
			t.Errorf("first request %s ?%s", first.Method, first.Query)
		}
		var body map[string]any
		if err := json.Unmarshal(first.Body, &body); err != nil {
			t.Fatalf("first body %s: %v", first.Body, err)
		}
		if body["text"] != "Sync errors to chat: disk full" || body["count"] != float64(3) ||
			fmt.Sprint(body["user"]) != "map[name:ada]" {
			t.Errorf("first body %s", first.Body)
		}
		if first.Header.Get("X-Source") != "flowline" || !strings.HasPrefix(first.Header.Get("User-Agent"), "flowline/") ||
			first.Header.Get("Idempotency-Key") == "" || first.Header.Get("Content-Type") != "application/json" {
			t.Errorf("first headers %v", first.Header)
		}
		second := next(t, got)
		if second.Method != "PUT" || second.Path != "/items/42" || string(second.Body) != "created 201" {
			t.Errorf("second request %s %s %q", second.Method, second.Path, second.Body)
		}

		d := c.waitRun(runID)
		recordHistory(t, a, runID, "two_steps_templates")
		if d.Status != "succeeded" || d.FlowID != flowID || d.FlowVersion != 1 || len(d.Steps) != 2 {
			t.Fatalf("run %+v", d)
		}
		if d.WorkflowID == "" || !strings.Contains(d.WorkflowID, flowID) || !strings.Contains(d.TemporalUIURL, "/namespaces/default/workflows/") {
			t.Errorf("workflow id %q, ui url %q", d.WorkflowID, d.TemporalUIURL)
		}
		if d.Trigger.Type != "manual" || !strings.Contains(string(d.Trigger.Body), "disk full") {
			t.Errorf("trigger %+v", d.Trigger)
		}
		s := d.Steps[0]
		if s.ID != "create" || s.Status != "succeeded" || len(s.Attempts) != 1 || s.Attempts[0].StatusCode != 201 ||
			!strings.Contains(string(s.Request), "/create") || !strings.Contains(string(s.Response), "42") {
			t.Errorf("step result %+v", s)
		}

		// Visibility is eventually consistent: poll the listing by flow.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var list struct {
				Runs []struct {
					RunID  string `json:"run_id"`
					Status string `json:"status"`
				} `json:"runs"`
			}
			c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flowID, nil, &list)
			if len(list.Runs) == 1 && list.Runs[0].RunID == runID && list.Runs[0].Status == "succeeded" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run not listed by flow: %+v", list)
			}
			time.Sleep(200 * time.Millisecond)
		}
		var other struct {
			Runs []json.RawMessage `json:"runs"`
		}
		c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id=nosuchflow", nil, &other)
		if len(other.Runs) != 0 {
			t.Errorf("runs of another flow: %s", other.Runs)
		}
	})

	t.Run("retryable failures retry and every attempt is recorded", func(t *testing.T) {
		c := client{t: t, base: c.base}
		url, got := receiver(t, func(n int, r received) (int, string) {
			if n <= 2 {
				return 503, `{"error": "busy"}`
			}
			return 200, `{}`
		})
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "retry", "trigger": {"type": "manual"}, "steps": [
			{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/x", "body": {"type": "json", "json": {}}},
			 "retry": {"max_attempts": 5, "initial_interval": "100ms", "backoff_coefficient": 1.5}}]}`, url))
		retryRun := c.startRun(flowID, nil)
		d := c.waitRun(retryRun)
		recordHistory(t, a, retryRun, "retries")
		if d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		keys := map[string]bool{}
		for i := 0; i < 3; i++ {
			keys[next(t, got).Header.Get("Idempotency-Key")] = true
		}
		if len(keys) != 1 {
			t.Errorf("idempotency keys differ across retries: %v", keys)
		}
		att := d.Steps[0].Attempts
		if len(att) != 3 || att[0].StatusCode != 503 || att[1].StatusCode != 503 || att[2].StatusCode != 200 || att[0].Error == "" {
			t.Errorf("attempts %+v", att)
		}
	})

	t.Run("4xx fails at once; on_error continue goes on; fail skips the rest", func(t *testing.T) {
		c := client{t: t, base: c.base}
		url, got := receiver(t, func(n int, r received) (int, string) {
			if strings.HasPrefix(r.Path, "/bad") {
				return 400, `{"error": "bad request"}`
			}
			return 200, `{}`
		})
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "errors", "trigger": {"type": "manual"}, "steps": [
			{"id": "soft", "type": "http", "config": {"method": "GET", "url": "%[1]s/bad1"}, "on_error": "continue",
			 "retry": {"max_attempts": 5, "initial_interval": "100ms"}},
			{"id": "ok", "type": "http", "config": {"method": "GET", "url": "%[1]s/ok"}},
			{"id": "hard", "type": "http", "config": {"method": "DELETE", "url": "%[1]s/bad2"}, "on_error": "fail"},
			{"id": "never", "type": "http", "config": {"method": "GET", "url": "%[1]s/never"}}]}`, url))
		errRun := c.startRun(flowID, nil)
		d := c.waitRun(errRun)
		recordHistory(t, a, errRun, "on_error")
		if d.Status != "failed" || !strings.Contains(d.Error, `"hard"`) {
			t.Fatalf("run %+v", d)
		}
		want := []string{"failed", "succeeded", "failed", "skipped"}
		for i, s := range d.Steps {
			if s.Status != want[i] {
				t.Errorf("step %s status %s, want %s", s.ID, s.Status, want[i])
			}
		}
		if len(d.Steps[0].Attempts) != 1 || d.Steps[0].Attempts[0].StatusCode != 400 || d.Steps[0].Error == "" {
			t.Errorf("4xx was retried or not recorded: %+v", d.Steps[0])
		}
		var paths []string
		for i := 0; i < 3; i++ {
			paths = append(paths, next(t, got).Path)
		}
		if strings.Join(paths, ",") != "/bad1,/ok,/bad2" {
			t.Errorf("receiver saw %v", paths)
		}
		select {
		case r := <-got:
			t.Errorf("unexpected request %s", r.Path)
		case <-time.After(300 * time.Millisecond):
		}
	})

	t.Run("republishing never changes a running execution; cancel and retry", func(t *testing.T) {
		c := client{t: t, base: c.base}
		release := make(chan struct{})
		url, got := receiver(t, func(n int, r received) (int, string) {
			if r.Path == "/slow" {
				<-release
			}
			return 200, `{}`
		})
		doc := func(second string) string {
			return fmt.Sprintf(`{"name": "pinned", "trigger": {"type": "manual"}, "steps": [
				{"id": "slow", "type": "http", "config": {"method": "GET", "url": "%[1]s/slow"}},
				{"id": "after", "type": "http", "config": {"method": "GET", "url": "%[1]s/%[2]s"}}]}`, url, second)
		}
		flowID := c.publishFlow(doc("v1"))
		runID := c.startRun(flowID, nil)
		if r := next(t, got); r.Path != "/slow" {
			t.Fatalf("first request %s", r.Path)
		}
		c.must(http.StatusOK, "PUT", "/api/v1/flows/"+flowID, doc("v2"), nil)
		c.must(http.StatusOK, "POST", "/api/v1/flows/"+flowID+"/publish", nil, nil)
		close(release)
		if r := next(t, got); r.Path != "/v1" {
			t.Errorf("running execution changed: second request went to %s", r.Path)
		}
		if d := c.waitRun(runID); d.Status != "succeeded" || d.FlowVersion != 1 {
			t.Errorf("run %+v", d)
		}

		// Retry starts a new run with the same pinned input (version 1).
		var retried struct {
			RunID string `json:"run_id"`
		}
		c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+runID+"/retry", nil, &retried)
		if retried.RunID == "" || retried.RunID == runID {
			t.Fatalf("retry answered run %q", retried.RunID)
		}
		if d := c.waitRun(retried.RunID); d.Status != "succeeded" || d.FlowVersion != 1 {
			t.Errorf("retried run %+v", d)
		}
		next(t, got)
		if r := next(t, got); r.Path != "/v1" {
			t.Errorf("retry did not keep version 1: %s", r.Path)
		}

		// Cancel a run blocked in its first step.
		block := make(chan struct{})
		defer close(block)
		url2, got2 := receiver(t, func(n int, r received) (int, string) { <-block; return 200, `{}` })
		slowID := c.publishFlow(fmt.Sprintf(`{"name": "to cancel", "trigger": {"type": "manual"}, "steps": [
			{"id": "wait", "type": "http", "config": {"method": "GET", "url": "%s/wait", "timeout": "60s"}}]}`, url2))
		cancelID := c.startRun(slowID, nil)
		next(t, got2) // the step's request is in flight
		c.must(http.StatusAccepted, "POST", "/api/v1/runs/"+cancelID+"/cancel", nil, nil)
		if d := c.waitRun(cancelID); d.Status != "canceled" {
			t.Errorf("canceled run %+v", d)
		}
	})

	t.Run("unknown run is 404", func(t *testing.T) {
		c := client{t: t, base: c.base}
		if code, _ := c.do("GET", "/api/v1/runs/nosuchflow-abcdefgh", nil); code != http.StatusNotFound {
			t.Errorf("status %d", code)
		}
		if code, body := c.do("POST", "/api/v1/runs/nosuchflow-abcdefgh/retry", nil); code != http.StatusNotFound {
			t.Errorf("retry of an unknown run: status %d %s", code, body)
		}
	})

	t.Run("health, readiness, metrics and the Temporal UI", func(t *testing.T) {
		c := client{t: t, base: c.base}
		if code, _ := c.do("GET", "/healthz", nil); code != 200 {
			t.Errorf("healthz %d", code)
		}
		if code, body := c.do("GET", "/readyz", nil); code != 200 {
			t.Errorf("readyz %d %s", code, body)
		}
		if code, body := c.do("GET", "/metrics", nil); code != 200 || !strings.Contains(string(body), "go_goroutines") {
			t.Errorf("metrics %d", code)
		}
		resp, err := http.Get(cfg.TemporalUIURL() + "/")
		if err != nil {
			t.Fatalf("temporal UI: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("temporal UI answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}
