package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/engine/batch"
	"github.com/flowline/flowline/flows"
)

// fakeTemporal is the Temporal side of the run service: it records the
// runs started with workflows of their own and those handed to batches.
type fakeTemporal struct {
	mu       sync.Mutex
	own      map[string]engine.RunInput
	enqueued []engine.RunInput
	canceled []string
}

func (f *fakeTemporal) Start(_ context.Context, in engine.RunInput) (*engine.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.own[in.RunID] = in
	return &engine.Run{RunID: in.RunID, WorkflowID: engine.WorkflowID(in.RunID), FlowID: in.FlowID, Status: engine.StatusRunning, StartedAt: in.StartedAt}, nil
}
func (f *fakeTemporal) Get(_ context.Context, runID string) (*engine.RunDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.own[runID]
	if !ok {
		return nil, engine.ErrRunNotFound
	}
	return &engine.RunDetail{Run: engine.Run{RunID: runID, FlowID: in.FlowID, Status: engine.StatusRunning, StartedAt: in.StartedAt}}, nil
}
func (f *fakeTemporal) List(_ context.Context, _ engine.RunFilter) ([]engine.Run, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Run
	for id, in := range f.own {
		out = append(out, engine.Run{RunID: id, StartedAt: in.StartedAt, Status: engine.StatusRunning})
	}
	return out, "", nil
}
func (f *fakeTemporal) Cancel(_ context.Context, runID string) error { return nil }
func (f *fakeTemporal) Input(_ context.Context, runID string) (*engine.RunInput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.own[runID]
	if !ok {
		return nil, engine.ErrRunNotFound
	}
	return &in, nil
}
func (f *fakeTemporal) Enqueue(_ context.Context, in engine.RunInput, _ engine.BatchOptions) (*engine.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enqueued = append(f.enqueued, in)
	return &engine.Run{RunID: in.RunID, WorkflowID: "batch", Status: engine.StatusRunning, StartedAt: in.StartedAt}, nil
}
func (f *fakeTemporal) EnqueueMany(ctx context.Context, ins []engine.RunInput, opts engine.BatchOptions, lane int) ([]*engine.Run, error) {
	out := make([]*engine.Run, len(ins))
	for i, in := range ins {
		out[i], _ = f.Enqueue(ctx, in, opts)
	}
	return out, nil
}
func (f *fakeTemporal) CancelBatched(_ context.Context, runID string, _ engine.BatchRef) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, runID)
	return nil
}
func (f *fakeTemporal) BatchOpen(context.Context, engine.BatchRef) (bool, error) { return true, nil }
func (f *fakeTemporal) OwnRun(context.Context, string) (string, bool, error)     { return "", false, nil }
func (f *fakeTemporal) AwaitOwn(context.Context, string) error                   { return nil }
func (f *fakeTemporal) UIURL(workflowID, temporalRunID string) string {
	return workflowID + "/" + temporalRunID
}
func (f *fakeTemporal) enqueuedIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, len(f.enqueued))
	for i, in := range f.enqueued {
		ids[i] = in.RunID
	}
	return ids
}

// TestServiceDecidesHowARunIsCarried drives the run service over a real
// SQLite ledger: an event run is recorded and handed to a batch, a sync
// webhook's run gets a workflow of its own, a repeated event starts
// nothing new, a
// batched run is read, listed, canceled before it started and retried
// from the ledger, and the sweeper hands over a run whose request died
// after recording it; manual runs, schedule firings' runs and webhooks
// answered at once are batched, sync webhooks are not.
func TestServiceDecidesHowARunIsCarried(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	flowID := publishFlow(t, st, "orders", docJSON)
	doc := parseDoc(t, docJSON)
	tmp := &fakeTemporal{own: map[string]engine.RunInput{}}
	svc := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: st.Ledger(), Versions: st,
		Batch: engine.BatchOptions{Lanes: 2}})
	event := func(id string, at time.Time) engine.RunInput {
		return engine.NewRunInput(flowID, 1, doc, engine.DeterministicRunID(flowID, id), engine.TriggerInput{
			TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent}, ID: id, Data: json.RawMessage(`{"n":1}`)}, at)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)

	first := event("e1", now)
	if _, err := svc.Start(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got := tmp.enqueuedIDs(); len(got) != 1 || got[0] != first.RunID || len(tmp.own) != 0 {
		t.Fatalf("an event run went to %v batched and %d of its own", got, len(tmp.own))
	}
	d, err := svc.Get(ctx, first.RunID)
	if err != nil || d.Status != engine.StatusRunning || d.Trigger.ID != "e1" || d.Steps == nil {
		t.Fatalf("Get of a batched run = %+v, %v", d, err)
	}

	syncDoc := *doc
	syncDoc.Trigger = flows.Trigger{Type: flows.TriggerWebhook, Respond: "sync"}
	manual := engine.NewRunInput(flowID, 1, &syncDoc, engine.NewRunID(flowID), engine.TriggerInput{
		TriggerInfo: flows.TriggerInfo{Type: flows.TriggerWebhook}}, now.Add(time.Second))
	if _, err := svc.Start(ctx, manual); err != nil {
		t.Fatal(err)
	}

	list, next, err := svc.List(ctx, engine.RunFilter{})
	if err != nil || next != "" || len(list) != 2 || list[0].RunID != manual.RunID || list[1].RunID != first.RunID {
		t.Fatalf("List = %+v, %q, %v", list, next, err)
	}
	if _, _, err := svc.List(ctx, engine.RunFilter{PageToken: "!!"}); !errors.Is(err, engine.ErrBadPageToken) {
		t.Fatalf("List with a bad token: %v", err)
	}

	status, err := svc.Cancel(ctx, first.RunID)
	if err != nil || status != engine.StatusCanceled {
		t.Fatalf("Cancel of an accepted run = %q, %v", status, err)
	}
	var fin *engine.FinishedError
	if _, err := svc.Cancel(ctx, first.RunID); !errors.As(err, &fin) || fin.Status != engine.StatusCanceled {
		t.Fatalf("Cancel of a canceled run: %v", err)
	}
	// A repeat of a run the ledger holds starts nothing.
	if run, err := svc.Start(ctx, event("e1", now.Add(time.Minute))); err != nil || run.Status != engine.StatusCanceled {
		t.Fatalf("a repeated event answered %+v, %v", run, err)
	}
	if got := tmp.enqueuedIDs(); len(got) != 1 {
		t.Fatalf("a repeated event was handed over again: %v", got)
	}

	retried, err := svc.Retry(ctx, first.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if in := tmp.own[retried.RunID]; in.Version != 1 || in.Trigger.ID != "" || string(in.Trigger.Data) != `{"n":1}` || in.RunID == first.RunID {
		t.Fatalf("retry of a batched run started %+v", in)
	}

	// Recorded, but its request died before the hand-over: the sweeper
	// hands it over.
	stranded := event("e2", now.Add(-time.Hour))
	if _, _, err := st.Ledger().Accept(ctx, engine.LedgerEntry{RunID: stranded.RunID, FlowID: flowID, FlowVersion: 1,
		Trigger: stranded.Trigger, StartedAt: stranded.StartedAt}); err != nil {
		t.Fatal(err)
	}
	sw := batch.NewSweeper(batch.SweeperOptions{Ledger: st.Ledger(), Versions: st, Executions: tmp,
		Batch: engine.BatchOptions{Lanes: 2}})
	if n, err := sw.Requeue(ctx, time.Minute); err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	if got := tmp.enqueuedIDs(); len(got) != 2 || got[1] != stranded.RunID || !tmp.enqueued[1].StartedAt.Equal(stranded.StartedAt) {
		t.Fatalf("after the sweep, handed over %v", got)
	}
	if n, err := sw.Requeue(ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("a second sweep handed over %d again, %v", n, err)
	}
	// Manual runs, schedule firings' runs and webhooks answered at once
	// are batched too; a webhook that answers with the run's outcome has
	// a workflow of its own.
	asyncDoc := *doc
	asyncDoc.Trigger = flows.Trigger{Type: flows.TriggerWebhook}
	for _, c := range []struct {
		doc     *flows.Document
		trigger string
		batched bool
	}{
		{doc, flows.TriggerManual, true},
		{&asyncDoc, flows.TriggerWebhook, true},
		{&syncDoc, flows.TriggerWebhook, false},
		{doc, flows.TriggerSchedule, true},
	} {
		in := engine.NewRunInput(flowID, 1, c.doc, engine.NewRunID(flowID), engine.TriggerInput{
			TriggerInfo: flows.TriggerInfo{Type: c.trigger}}, now.Add(-time.Second))
		if _, err := svc.Start(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, own := tmp.own[in.RunID]; own == c.batched {
			t.Errorf("a %s run (respond %q): own workflow %v, want %v", c.trigger, c.doc.Trigger.Respond, own, !c.batched)
		}
	}
}
