package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// lossyService is the run service, but reports the first start of each
// run as failed, as a worker that dies after the run was recorded and
// before its local activity's result was would.
type lossyService struct {
	*engine.Service
	mu     sync.Mutex
	starts map[string]int
	ins    []engine.RunInput
}

func (l *lossyService) Start(ctx context.Context, in engine.RunInput) (*engine.Run, error) {
	run, err := l.Service.Start(ctx, in)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ins = append(l.ins, in)
	l.starts[in.RunID]++
	if err == nil && l.starts[in.RunID] == 1 {
		return nil, errors.New("worker lost after recording the run")
	}
	return run, err
}

// TestScheduleFiringStartsItsRunOnce runs FlowScheduleFiring workflows
// over the run service on a real SQLite ledger: the run id follows from
// the firing's workflow id alone, so a firing whose start is retried, and
// the same firing executed again, record one run in the ledger; a firing
// while that run is going starts none; once it has ended, the next firing
// records another.
func TestScheduleFiringStartsItsRunOnce(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "ticker", "trigger": {"type": "schedule", "every": "1m"}, "steps": []}`
	flowID := publishFlow(t, st, "ticker", docJSON)
	doc := parseDoc(t, docJSON)
	tmp := &fakeTemporal{own: map[string]engine.RunInput{}}
	svc := &lossyService{starts: map[string]int{}, Service: engine.NewService(engine.ServiceOptions{
		Executions: tmp, Ledger: st.Ledger(), Versions: st, Flows: st, Batch: engine.BatchOptions{Lanes: 2}})}
	// What the schedule's action carries: no run id, no time.
	scheduled := engine.NewRunInput(flowID, 1, doc, "",
		engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerSchedule}}, time.Time{})

	var suite testsuite.WorkflowTestSuite
	fire := func(wfID string) engine.Firing {
		t.Helper()
		env := suite.NewTestWorkflowEnvironment()
		engine.Register(env, connectors.NewRegistry(), nil, svc)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
		env.ExecuteWorkflow(engine.FiringWorkflowType, scheduled)
		if err := env.GetWorkflowError(); err != nil {
			t.Fatalf("firing %s: %v", wfID, err)
		}
		var got engine.Firing
		if err := env.GetWorkflowResult(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	at := func(minute int) string {
		return fmt.Sprintf("%s-2026-12-02T09:%02d:00Z", engine.FiringWorkflowID(flowID), minute)
	}

	firingID := at(0)
	want := engine.ScheduledRunID(flowID, firingID)
	for range 2 { // the same firing twice: the first time, its first try's answer is lost
		if got := fire(firingID); got.RunID != want || got.WorkflowID != "batch" || got.Skipped != "" {
			t.Fatalf("firing answered %+v, want run %s in a batch", got, want)
		}
	}
	if svc.starts[want] != 3 {
		t.Errorf("the firing's run was started %d times, want 3 (a lost try, its retry, the repeat)", svc.starts[want])
	}
	for _, in := range svc.ins {
		if in.RunID != want || in.Trigger.ID != firingID || in.Trigger.Type != flows.TriggerSchedule || in.StartedAt.IsZero() {
			t.Fatalf("a try started %+v, want run %s triggered by %s", in, want, firingID)
		}
	}

	// Its run has not ended (no batch took it): the next firing is skipped.
	if got := fire(at(1)); got.Skipped == "" || got.RunID != "" || !strings.Contains(got.Skipped, want) {
		t.Fatalf("a firing while run %s is going answered %+v, want skipped", want, got)
	}
	if ok, err := st.CancelAcceptedRun(ctx, want); err != nil || !ok {
		t.Fatalf("canceling run %s: %v, %v", want, ok, err)
	}
	other := fire(at(2))
	if other.RunID == "" || other.RunID == want || other.Skipped != "" {
		t.Fatalf("a firing after the run ended answered %+v", other)
	}

	entries, err := st.Ledger().List(ctx, engine.LedgerFilter{FlowID: flowID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("the ledger holds %d runs after three firings (one run twice, one skipped), want 2", len(entries))
	}
	for _, e := range entries {
		if e.Trigger.Type != flows.TriggerSchedule || (e.RunID != want && e.RunID != other.RunID) {
			t.Errorf("ledger entry %+v", e)
		}
	}
	if len(tmp.own) != 0 {
		t.Errorf("%d firings' runs got workflows of their own with batching on", len(tmp.own))
	}

	// A firing of a flow disabled, then deleted, since it began starts
	// nothing and ends (it is not retried for as long as it might take).
	if ok, err := st.CancelAcceptedRun(ctx, other.RunID); err != nil || !ok {
		t.Fatalf("canceling run %s: %v, %v", other.RunID, ok, err)
	}
	if _, err := st.SetEnabled(ctx, flowID, false); err != nil {
		t.Fatal(err)
	}
	if got := fire(at(3)); got.RunID != "" || !strings.Contains(got.Skipped, "disabled") {
		t.Fatalf("a firing of a disabled flow answered %+v, want skipped", got)
	}
	if err := st.DeleteFlow(ctx, flowID); err != nil {
		t.Fatal(err)
	}
	if got := fire(at(4)); got.RunID != "" || !strings.Contains(got.Skipped, "deleted") {
		t.Fatalf("a firing of a deleted flow answered %+v, want skipped", got)
	}
}

// TestScheduleFiringFailsAMalformedInputAtOnce: a firing whose input
// names no flow fails without retrying (a retry cannot mend it), with
// one "starting scheduled run" in its error.
func TestScheduleFiringFailsAMalformedInputAtOnce(t *testing.T) {
	st := sqliteStore(t)
	var tries int
	svc := &countingService{Service: engine.NewService(engine.ServiceOptions{
		Executions: &fakeTemporal{own: map[string]engine.RunInput{}}, Ledger: st.Ledger(), Versions: st, Flows: st,
		Batch: engine.BatchOptions{Lanes: 2}}), tries: &tries}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	engine.Register(env, connectors.NewRegistry(), nil, svc)
	env.ExecuteWorkflow(engine.FiringWorkflowType, engine.RunInput{
		Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerSchedule}}})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	for e := err; e != nil; e = errors.Unwrap(e) { // the activity's, under the workflow's
		if errors.As(e, &appErr) && appErr.Type() == engine.FiringInputError {
			break
		}
		appErr = nil
	}
	if appErr == nil || !appErr.NonRetryable() {
		t.Fatalf("a malformed firing ended with %v, want a non-retryable %s", err, engine.FiringInputError)
	}
	if n := strings.Count(err.Error(), "starting scheduled run"); n != 1 {
		t.Errorf("the error names the run %d times: %v", n, err)
	}
	if tries != 0 {
		t.Errorf("the run service was asked %d times", tries)
	}
}

// countingService counts the run service's reads of a flow's state.
type countingService struct {
	*engine.Service
	tries *int
}

func (c *countingService) FlowLive(ctx context.Context, flowID string) (bool, error) {
	*c.tries++
	return c.Service.FlowLive(ctx, flowID)
}
