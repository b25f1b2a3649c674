package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/engine/enginetest"
	"github.com/flowline/flowline/flows"
)

// fakeConnector is the shared test connector.
type fakeConnector = enginetest.Connector

// memLedger is an in-memory Ledger with the store's claim semantics.
type memLedger struct {
	mu       sync.Mutex
	accepted map[string]bool
	claims   map[string]string // run id → claim token
	finished map[string]engine.FinishedRun
}

// testWindow is the window of the batches these tests run: long enough
// for signals sent seconds apart to reach one execution, whatever the
// default.
const testWindow = 5 * time.Second

func (l *memLedger) Claim(_ context.Context, req engine.ClaimRequest) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, id := range req.RunIDs {
		if tok, ok := l.claims[id]; ok {
			if tok == req.Token {
				out = append(out, id)
			}
			continue
		}
		if l.accepted[id] {
			l.claims[id] = req.Token
			out = append(out, id)
		}
	}
	return out, nil
}

func (l *memLedger) Finish(_ context.Context, done []engine.FinishedRun) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range done {
		l.finished[d.RunID] = d
	}
	return nil
}

// TestBatchWorkflow runs the batch workflow in the test environment:
// runs in the window run in the batch, a repeated signal and a run the
// ledger never accepted run nothing, a run needing a retry, a run past the
// per-execution cap are handed to FlowRun workflows of their own, and the
// execution completes when its window has closed.
func TestBatchWorkflow(t *testing.T) {
	env, ledger, fc, run, ho := batchEnv(t)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	signal := func(at time.Duration, in engine.RunInput) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(engine.BatchRunSignal, in) }, at)
	}
	ok := run("ok", `{"echo": "{{ run.id }}"}`)
	signal(time.Second, ok)
	signal(time.Second, ok) // repeated: claimed once, runs once
	signal(time.Second, run("never-accepted", `{}`))
	signal(2*time.Second, run("flaky", `{"fail": "retryable"}`))
	signal(3*time.Second, run("over-cap", `{"echo": 1}`))

	env.ExecuteWorkflow(engine.BatchWorkflowType, engine.BatchState{Until: start.Add(testWindow), RunsPerExecution: 2})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("batch workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	close(fc.Seen)
	calls := map[string]int{}
	for c := range fc.Seen {
		calls[string(c)]++
	}
	// ok and flaky ran once in the batch; over-cap not at all (its own
	// workflow would run it).
	if calls[`{"echo":"ok"}`] != 1 || calls[`{"fail":"retryable"}`] != 1 || len(calls) != 2 {
		t.Errorf("connector calls %v", calls)
	}
	want := map[string]string{"ok": engine.StatusSucceeded, "flaky": engine.StatusHandedOff, "over-cap": engine.StatusHandedOff}
	if len(ledger.finished) != len(want) {
		t.Errorf("ledger finished %d runs, want %d: %+v", len(ledger.finished), len(want), ledger.finished)
	}
	for id, status := range want {
		f := ledger.finished[id]
		if f.Status != status {
			t.Errorf("run %s finished as %q, want %q", id, f.Status, status)
		}
		if status == engine.StatusHandedOff && (f.WorkflowID != engine.WorkflowID(id) || f.TemporalRunID != "own-"+id) {
			t.Errorf("run %s handed to %q/%q, want %q", id, f.WorkflowID, f.TemporalRunID, engine.WorkflowID(id))
		}
	}
	// flaky goes on at its step, after its first attempt and the backoff;
	// over-cap starts from the beginning.
	if r := ho.got["flaky"].Resume; r == nil || r.Next != 0 || len(r.Attempts) != 1 || r.Attempts[0].StatusCode != 503 || r.Delay != time.Second {
		t.Errorf("flaky handed off with %+v", r)
	}
	if r := ho.got["over-cap"].Resume; r == nil || r.Next != 0 || len(r.Attempts) != 0 || len(r.Steps) != 0 {
		t.Errorf("over-cap handed off with %+v", r)
	}
	if len(ho.got) != 2 {
		t.Errorf("handed off %d runs, want 2", len(ho.got))
	}
	if f := ledger.finished["ok"]; len(f.Steps) != 1 || f.Steps[0].Status != engine.StepSucceeded || f.ClosedAt == nil ||
		f.ClosedAt.Before(f.Steps[0].Attempts[0].StartedAt) {
		t.Errorf("ok run recorded as %+v (closed_at must not precede its attempt)", f)
	}
	if f := ledger.finished["flaky"]; len(f.Steps) != 0 {
		t.Errorf("a handed-off run records no finished steps in the batch: %+v", f)
	}
	// The execution's result lists each run it carried and its outcome.
	var res BatchResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Runs {
		got[r.RunID] = r.Status
		if r.Status == engine.StatusHandedOff && r.WorkflowID != engine.WorkflowID(r.RunID) {
			t.Errorf("result: run %s handed off to %q", r.RunID, r.WorkflowID)
		}
	}
	if len(res.Runs) != len(want) || got["ok"] != engine.StatusSucceeded || got["flaky"] != engine.StatusHandedOff || got["over-cap"] != engine.StatusHandedOff {
		t.Errorf("batch result %+v", res)
	}
}

// batchEnv is a test environment with the batch and run workflows, the
// ledger activities on a memLedger and the fake connector; run builds a
// one-step run the ledger has accepted (all but "never-accepted").
func batchEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *memLedger, *fakeConnector, func(id, config string) engine.RunInput, *handOffs) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	fc := &fakeConnector{Seen: make(chan json.RawMessage, 50)}
	ledger := &memLedger{accepted: map[string]bool{}, claims: map[string]string{}, finished: map[string]engine.FinishedRun{}}
	RegisterWorkflows(env, connectors.NewRegistry(fc))
	la := &ledgerActivities{ledger: ledger}
	env.RegisterActivityWithOptions(la.Claim, activity.RegisterOptions{Name: claimActivity})
	env.RegisterActivityWithOptions(la.Finish, activity.RegisterOptions{Name: finishActivity})
	ho := &handOffs{got: map[string]engine.RunInput{}}
	env.RegisterActivityWithOptions(ho.HandOff, activity.RegisterOptions{Name: handOffActivity})
	acts := &engine.Activities{Registry: connectors.NewRegistry(fc)}
	env.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: "fake"})

	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	run := func(id, config string) engine.RunInput {
		var doc flows.Document
		if err := json.Unmarshal([]byte(`{"name": "t", "trigger": {"type": "event", "events": ["x"]}, "steps": [
			{"id": "s", "type": "fake", "config": `+config+`, "retry": {"max_attempts": 2, "initial_interval": "1s"}}]}`), &doc); err != nil {
			t.Fatal(err)
		}
		if id != "never-accepted" {
			ledger.accepted[id] = true
		}
		return engine.RunInput{FlowID: "f1", FlowName: "t", Version: 1, RunID: id, StartedAt: start, Document: doc,
			Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: "event"}, Data: json.RawMessage(`{}`)}}
	}
	return env, ledger, fc, run, ho
}

// handOffs stands in for starting handed-off runs' workflows: it records
// what each would start with.
type handOffs struct {
	mu  sync.Mutex
	got map[string]engine.RunInput
}

func (h *handOffs) HandOff(_ context.Context, in engine.RunInput) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got[in.RunID] = in
	return "own-" + in.RunID, nil
}

// TestBatchWorkflowStartedLate: an execution started after its window (a
// late signal starts it again) still runs its runs, then completes.
func TestBatchWorkflowStartedLate(t *testing.T) {
	env, ledger, fc, run, ho := batchEnv(t)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	late := run("late", `{"echo": 2}`)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(engine.BatchRunSignal, late) }, 0)
	env.ExecuteWorkflow(engine.BatchWorkflowType, engine.BatchState{Until: start.Add(-time.Minute)})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("batch workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	close(fc.Seen)
	if n := len(fc.Seen); n != 1 || len(ho.got) != 0 {
		t.Errorf("connector called %d times and %d runs handed off; want the run run once in the batch", n, len(ho.got))
	}
	if f := ledger.finished["late"]; f.Status != engine.StatusSucceeded {
		t.Errorf("late run recorded as %+v", f)
	}
}

// TestClosedAt: a batched run ends when its last attempt ended, even
// though workflow time stood still while the attempts ran.
func TestClosedAt(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	steps := []engine.StepResult{
		{Attempts: []engine.Attempt{{StartedAt: now.Add(5 * time.Millisecond), DurationMS: 20}}},
		{Attempts: []engine.Attempt{{StartedAt: now.Add(30 * time.Millisecond), DurationMS: 7}}},
	}
	if got, want := closedAt(now, steps), now.Add(37*time.Millisecond); !got.Equal(want) {
		t.Errorf("closedAt = %v, want %v", got, want)
	}
	if got := closedAt(now.Add(time.Second), steps); !got.Equal(now.Add(time.Second)) {
		t.Errorf("closedAt with a later workflow time = %v", got)
	}
}

// TestBatchListsRunsAtMostOnceASecond: runs arriving within a second of a
// listing wait for the next one, and whatever is left is listed before
// the execution completes, so every run is findable by then.
func TestBatchListsRunsAtMostOnceASecond(t *testing.T) {
	env, ledger, _, run, _ := batchEnv(t)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var listings [][]string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		ids, _ := args.Get(0).(temporal.SearchAttributes).GetKeywordList(engine.SARunIDs)
		listings = append(listings, ids)
	}).Return(nil)
	for i, at := range []time.Duration{1000, 1200, 1400, 2500, 2700} {
		in := run(fmt.Sprintf("r%d", i), `{"echo": 1}`)
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(engine.BatchRunSignal, in) }, at*time.Millisecond)
	}
	env.ExecuteWorkflow(engine.BatchWorkflowType, engine.BatchState{Until: start.Add(testWindow)})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("batch workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if len(ledger.finished) != 5 {
		t.Fatalf("ledger finished %d runs, want 5", len(ledger.finished))
	}
	// At 1 s (the first), at 2.5 s (a second later), and before completing.
	want := [][]string{{"r0"}, {"r0", "r1", "r2", "r3"}, {"r0", "r1", "r2", "r3", "r4"}}
	if fmt.Sprint(listings) != fmt.Sprint(want) {
		t.Errorf("listings %v, want %v", listings, want)
	}
}

// TestBatchListsNothingInItsFirstSecond: a batch takes in most of its
// runs in its first second, and a listed search attribute is written again
// with the execution's state at every signal and task, so the first
// listing waits a second from the execution's start (findable 4).
func TestBatchListsNothingInItsFirstSecond(t *testing.T) {
	env, ledger, _, run, _ := batchEnv(t)
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var listings [][]string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if ids, ok := args.Get(0).(temporal.SearchAttributes).GetKeywordList(engine.SARunIDs); ok {
			listings = append(listings, ids)
		}
	}).Return(nil)
	for i, at := range []time.Duration{200, 600, 1300} {
		in := run(fmt.Sprintf("r%d", i), `{"echo": 1}`)
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(engine.BatchRunSignal, in) }, at*time.Millisecond)
	}
	env.ExecuteWorkflow(engine.BatchWorkflowType, engine.BatchState{Until: start.Add(testWindow)})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("batch workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if len(ledger.finished) != 3 {
		t.Fatalf("ledger finished %d runs, want 3", len(ledger.finished))
	}
	// Not at 0.2 s nor 0.6 s: once, at 1.3 s, with all three.
	want := [][]string{{"r0", "r1", "r2"}}
	if fmt.Sprint(listings) != fmt.Sprint(want) {
		t.Errorf("listings %v, want %v", listings, want)
	}
}

// TestBatchForgetsItsAttempts: while a batch runs, the worker remembers
// each step attempt it ran (for a retried workflow task); once the batch
// completes, the worker's interceptor drops them, while a worker without
// it keeps them for the memo's time.
func TestBatchForgetsItsAttempts(t *testing.T) {
	for _, forget := range []bool{false, true} {
		env, _, fc, run, _ := batchEnv(t)
		acts := &engine.Activities{Registry: connectors.NewRegistry(fc)}
		env.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: "fake"})
		if forget {
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&forgetOnCompletion{acts: acts}}})
		}
		start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		held := -1
		for i, id := range []string{"a", "b", "c"} {
			in := run(id, `{"echo": 1}`)
			env.RegisterDelayedCallback(func() { env.SignalWorkflow(engine.BatchRunSignal, in) }, time.Duration(i+1)*time.Second)
		}
		env.RegisterDelayedCallback(func() { held = acts.RememberedAttempts() }, 4*time.Second)
		env.ExecuteWorkflow(engine.BatchWorkflowType, engine.BatchState{Until: start.Add(testWindow)})
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("batch workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
		}
		if held != 3 {
			t.Errorf("forget %v: the memo held %d attempts while the batch ran, want 3", forget, held)
		}
		want := 3
		if forget {
			want = 0
		}
		if n := acts.RememberedAttempts(); n != want {
			t.Errorf("forget %v: the memo holds %d attempts after the batch completed, want %d", forget, n, want)
		}
	}
}
