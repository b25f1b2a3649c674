package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// lossyStarter starts runs through the run service, but reports the first
// start of each run as failed, as a worker that dies after the run was
// recorded and before its local activity's result was would.
type lossyStarter struct {
	svc   *engine.Service
	mu    sync.Mutex
	tries map[string]int
	ins   []engine.RunInput
}

func (l *lossyStarter) Start(ctx context.Context, in engine.RunInput) (*engine.Run, error) {
	run, err := l.svc.Start(ctx, in)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ins = append(l.ins, in)
	l.tries[in.RunID]++
	if err == nil && l.tries[in.RunID] == 1 {
		return nil, errors.New("worker lost after recording the run")
	}
	return run, err
}

// TestScheduleFiringStartsItsRunOnce runs FlowScheduleFiring workflows
// over the run service on a real SQLite ledger: the run id follows from
// the firing's workflow id alone, so a firing whose start is retried, and
// the same firing executed again, record one run in the ledger; another
// firing records another.
func TestScheduleFiringStartsItsRunOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:///"+filepath.ToSlash(filepath.Join(t.TempDir(), "flows.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	docJSON := `{"name": "ticker", "trigger": {"type": "schedule", "every": "1m"}, "steps": []}`
	f, err := st.CreateFlow(ctx, "ticker", []byte(docJSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Publish(ctx, f.ID, []byte(docJSON)); err != nil {
		t.Fatal(err)
	}
	doc, err := flows.ParseDocument([]byte(docJSON))
	if err != nil {
		t.Fatal(err)
	}
	tmp := &fakeTemporal{own: map[string]engine.RunInput{}}
	starter := &lossyStarter{tries: map[string]int{}, svc: engine.NewService(engine.ServiceOptions{
		Executions: tmp, Ledger: st.Ledger(), Versions: st, Batch: engine.BatchOptions{Lanes: 2}})}
	// What the schedule's action carries: no run id, no time.
	scheduled := engine.NewRunInput(f.ID, 1, doc, "",
		engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerSchedule}}, time.Time{})

	var suite testsuite.WorkflowTestSuite
	fire := func(wfID string) engine.Firing {
		t.Helper()
		env := suite.NewTestWorkflowEnvironment()
		engine.Register(env, connectors.NewRegistry(), nil, starter)
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

	firingID := engine.FiringWorkflowID(f.ID) + "-2026-12-02T09:00:00Z"
	want := engine.ScheduledRunID(f.ID, firingID)
	for range 2 { // the same firing twice: its start retried each time
		if got := fire(firingID); got.RunID != want || got.WorkflowID != "batch" {
			t.Fatalf("firing answered %+v, want run %s in a batch", got, want)
		}
	}
	if starter.tries[want] != 3 {
		t.Errorf("the firing's run was started %d times, want 3 (a lost try, its retry, the repeat)", starter.tries[want])
	}
	for _, in := range starter.ins {
		if in.RunID != want || in.Trigger.ID != firingID || in.Trigger.Type != flows.TriggerSchedule || in.StartedAt.IsZero() {
			t.Fatalf("a try started %+v, want run %s triggered by %s", in, want, firingID)
		}
	}
	other := fire(engine.FiringWorkflowID(f.ID) + "-2026-12-02T09:01:00Z")
	if other.RunID == want {
		t.Fatalf("two firings share run %s", want)
	}

	entries, err := st.Ledger().List(ctx, engine.LedgerFilter{FlowID: f.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("the ledger holds %d runs after two firings (one started three times), want 2", len(entries))
	}
	for _, e := range entries {
		if e.Trigger.Type != flows.TriggerSchedule || (e.RunID != want && e.RunID != other.RunID) {
			t.Errorf("ledger entry %+v", e)
		}
	}
	if len(tmp.own) != 0 {
		t.Errorf("%d firings' runs got workflows of their own with batching on", len(tmp.own))
	}
}
