package engine

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine/enginetest"
	"github.com/flowline/flowline/flows"
)

// fakeConnector is the shared test connector.
type fakeConnector = enginetest.Connector

func runWorkflow(t *testing.T, steps string) (*RunResult, error, []json.RawMessage) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	fc := &fakeConnector{Seen: make(chan json.RawMessage, 50)}
	RegisterWorkflow(env, connectors.NewRegistry(fc))
	acts := &Activities{Registry: connectors.NewRegistry(fc)}
	env.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: "fake"})
	var doc flows.Document
	if err := json.Unmarshal([]byte(`{"name": "t", "trigger": {"type": "manual"}, "steps": `+steps+`}`), &doc); err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(WorkflowType, RunInput{FlowID: "f1", FlowName: "Flow One", Version: 2, RunID: "f1-r1",
		StartedAt: time.Unix(0, 0).UTC(), Document: doc,
		Trigger: TriggerInput{TriggerInfo: flows.TriggerInfo{Type: "manual", Body: json.RawMessage(`{"n": 5}`)}, Data: json.RawMessage(`{"n": 5}`)}})
	close(fc.Seen)
	var seen []json.RawMessage
	for c := range fc.Seen {
		seen = append(seen, c)
	}
	var res RunResult
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&res); gerr != nil {
			t.Fatal(gerr)
		}
	}
	return &res, err, seen
}

func TestWorkflowPassesOutputsToLaterSteps(t *testing.T) {
	res, err, seen := runWorkflow(t, `[
		{"id": "a", "type": "fake", "config": {"echo": {"id": "{{ n }}", "name": "{{ flow_name }}"}}},
		{"id": "b", "type": "fake", "config": {"echo": "{{ steps.a.body.id }}/{{ steps.a.body.name }} v{{ flow.version }}"}}]`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 2 || res.Steps[1].Status != StepSucceeded || len(res.Steps[0].Attempts) != 1 {
		t.Fatalf("result %+v", res)
	}
	if string(seen[0]) != `{"echo":{"id":5,"name":"Flow One"}}` || string(seen[1]) != `{"echo":"5/Flow One v2"}` {
		t.Errorf("rendered configs %s", seen)
	}
}

func TestWorkflowPermanentFailureSkipsTheRest(t *testing.T) {
	res, err, seen := runWorkflow(t, `[
		{"id": "soft", "type": "fake", "config": {"fail": "permanent"}, "on_error": "continue", "retry": {"max_attempts": 4}},
		{"id": "hard", "type": "fake", "config": {"fail": "permanent"}},
		{"id": "never", "type": "fake", "config": {}}]`)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != FailureType || !strings.Contains(appErr.Message(), `"hard"`) {
		t.Fatalf("err = %v", err)
	}
	if err := appErr.Details(res); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Errorf("permanent failures were retried or the skipped step ran: %d calls", len(seen))
	}
	want := []string{StepFailed, StepFailed, StepSkipped}
	for i, s := range res.Steps {
		if s.Status != want[i] {
			t.Errorf("step %s: %s, want %s", s.ID, s.Status, want[i])
		}
	}
	if a := res.Steps[0].Attempts; len(a) != 1 || a[0].StatusCode != 400 || a[0].Error != "bad request" {
		t.Errorf("attempts %+v", a)
	}
}

func TestWorkflowRetriesRetryableFailures(t *testing.T) {
	_, err, seen := runWorkflow(t, `[
		{"id": "flaky", "type": "fake", "config": {"fail": "retryable"}, "retry": {"max_attempts": 3, "initial_interval": "1s"}}]`)
	if err == nil || len(seen) != 3 {
		t.Fatalf("err %v after %d attempts, want failure after 3", err, len(seen))
	}
}

func TestRetryPolicyMapping(t *testing.T) {
	p := RetryPolicy(&flows.Retry{MaxAttempts: 5, InitialInterval: "2s", BackoffCoefficient: 3, MaxInterval: "1m"})
	if p.MaximumAttempts != 5 || p.InitialInterval != 2*time.Second || p.BackoffCoefficient != 3 || p.MaximumInterval != time.Minute ||
		p.NonRetryableErrorTypes[0] != "permanent" {
		t.Errorf("policy %+v", p)
	}
	if d := RetryPolicy(nil); d.MaximumAttempts != defaultMaxAttempts {
		t.Errorf("default policy %+v", d)
	}
}

func TestNextDelay(t *testing.T) {
	p := RetryPolicy(&flows.Retry{MaxAttempts: 4, InitialInterval: "1s", BackoffCoefficient: 2, MaxInterval: "3s"})
	retryable := temporal.NewApplicationError("503", "retryable")
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 3 * time.Second} {
		if d, ok := NextDelay(retryable, p, attempt); !ok || d != want {
			t.Errorf("attempt %d: %v %v, want %v", attempt, d, ok, want)
		}
	}
	if _, ok := NextDelay(retryable, p, 4); ok {
		t.Error("retried past max_attempts")
	}
	if _, ok := NextDelay(temporal.NewNonRetryableApplicationError("400", "permanent", nil), p, 1); ok {
		t.Error("retried a permanent failure")
	}
	after := temporal.NewApplicationErrorWithOptions("429", "retryable", temporal.ApplicationErrorOptions{NextRetryDelay: 7 * time.Second})
	if d, ok := NextDelay(after, p, 1); !ok || d != 7*time.Second {
		t.Errorf("Retry-After: %v %v", d, ok)
	}
}

func TestIdempotencyKeyStablePerStepOfARun(t *testing.T) {
	a := idempotencyKey(WorkflowID("f1-run1"), "notify")
	if a != idempotencyKey(WorkflowID("f1-run1"), "notify") {
		t.Error("the key changes between attempts of one step of one run")
	}
	if a == idempotencyKey(WorkflowID("f1-run2"), "notify") || a == idempotencyKey(WorkflowID("f1-run1"), "other") {
		t.Error("the key is shared between runs or steps")
	}
}
