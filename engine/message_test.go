package engine

import (
	"encoding/json"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/flows"
)

// TestWorkflowRendersTheEventMessage runs an event run whose input carries
// the catalog's rendered message: steps read it as {{ message }}.
func TestWorkflowRendersTheEventMessage(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	fc := &fakeConnector{Seen: make(chan json.RawMessage, 5)}
	RegisterWorkflow(env, connectors.NewRegistry(fc))
	acts := &Activities{Registry: connectors.NewRegistry(fc)}
	env.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: "fake"})
	var doc flows.Document
	if err := json.Unmarshal([]byte(`{"name": "t", "trigger": {"type": "event", "events": ["host.down"], "language": "zh-CN"},
		"steps": [{"id": "a", "type": "fake", "config": {"echo": {"text": "{{ message }}", "host": "{{ host }}"}}}]}`), &doc); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(WorkflowType, RunInput{FlowID: "f1", FlowName: "F", Version: 1, RunID: "f1-r1",
		StartedAt: time.Unix(0, 0).UTC(), Document: doc,
		Trigger: TriggerInput{TriggerInfo: flows.TriggerInfo{Type: "event"}, Event: json.RawMessage(`{"event_type":"host.down","data":{"host":"db-1"}}`),
			Data: json.RawMessage(`{"host":"db-1"}`), Message: "主机 db-1 断开连接"}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	close(fc.Seen)
	got := <-fc.Seen
	if string(got) != `{"echo":{"text":"主机 db-1 断开连接","host":"db-1"}}` {
		t.Fatalf("rendered config %s", got)
	}
}
