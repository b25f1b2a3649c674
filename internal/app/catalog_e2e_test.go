package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestEventCatalogEndToEnd declares host.connection_lost (an alarm with a
// schema and messages in en and zh-CN), publishes a flow subscribed with
// language zh-CN whose steps send {{ message }} and {{ event }}, and posts
// an event: the receiver gets the Chinese text and the envelope. An event
// whose data breaks the schema answers 422 at /data/host and starts no run.
func TestEventCatalogEndToEnd(t *testing.T) {
	t.Parallel()
	a := startServe(t, testConfig(t, t.TempDir(), false))
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(int, received) (int, string) { return 200, `{}` })

	c.must(http.StatusCreated, "POST", "/api/v1/event-types", `{
	  "name": "host.connection_lost", "title": "Host connection lost", "category": "alarm",
	  "schema": {"type": "object", "required": ["host"], "properties": {"host": {"type": "string"}}},
	  "messages": {"en": "Host {{ data.host }} lost its connection at {{ event_time }}",
	               "zh-CN": "主机 {{ data.host }} 于 {{ event_time }} 断开连接"}}`, nil)
	flow := c.publishFlow(fmt.Sprintf(`{"name": "Alarms", "trigger": {"type": "event", "events": ["host.connection_lost"], "language": "zh-CN"},
	  "steps": [
	    {"id": "chat", "type": "http", "config": {"method": "POST", "url": "%[1]s/chat", "body": {"type": "json", "json": {"text": "{{ message }}"}}}},
	    {"id": "forward", "type": "http", "config": {"method": "POST", "url": "%[1]s/forward", "body": {"type": "json", "json": "{{ event }}"}}}]}`, url))

	var alarms struct {
		EventTypes []struct {
			Name        string `json:"name"`
			Subscribers int    `json:"subscribers"`
		} `json:"event_types"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/event-types?category=alarm", nil, &alarms)
	if len(alarms.EventTypes) != 1 || alarms.EventTypes[0].Subscribers != 1 {
		t.Fatalf("alarms %+v", alarms)
	}

	ans := postEvent(t, c.base, "lost-1", `{"event_type": "host.connection_lost", "event_time": "2026-05-04T03:02:01Z", "data": {"host": "db-1"}}`)
	if len(ans.Runs) != 1 || ans.Runs[0].FlowID != flow {
		t.Fatalf("event answer %+v", ans)
	}
	chat := next(t, got)
	var text struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(chat.Body, &text); err != nil || chat.Path != "/chat" || text.Text != "主机 db-1 于 2026-05-04T03:02:01Z 断开连接" {
		t.Fatalf("chat received %s %s", chat.Path, chat.Body)
	}
	forward := next(t, got)
	var envelope map[string]any
	if err := json.Unmarshal(forward.Body, &envelope); err != nil || forward.Path != "/forward" || envelope["event_id"] != "lost-1" ||
		envelope["event_type"] != "host.connection_lost" || fmt.Sprint(envelope["data"]) != "map[host:db-1]" {
		t.Fatalf("forward received %s %s", forward.Path, forward.Body)
	}
	if d := c.waitRun(ans.Runs[0].RunID); d.Status != "succeeded" {
		t.Fatalf("run %+v", d)
	}

	code, out := c.do("POST", "/api/v1/events", `{"event_type": "host.connection_lost", "data": {"host": 42}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(out), `"pointer":"/data/host"`) {
		t.Fatalf("violating event: %d %s", code, out)
	}
	// Event runs are recorded in the run ledger before 202: the listing
	// holds every run ever started for the flow.
	var list struct {
		Runs []struct {
			RunID string `json:"run_id"`
		} `json:"runs"`
	}
	c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flow, nil, &list)
	if len(list.Runs) != 1 || list.Runs[0].RunID != ans.Runs[0].RunID {
		t.Fatalf("runs of the flow %+v, want only %s", list, ans.Runs[0].RunID)
	}
}
