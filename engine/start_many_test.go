package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// countingLedger counts the intake transactions of a ledger, with the
// runs and keys each recorded.
type countingLedger struct {
	engine.Ledger
	mu      sync.Mutex
	intakes [][]engine.Intake
}

func (l *countingLedger) AcceptIntakes(ctx context.Context, intakes []engine.Intake) ([]engine.IntakeAnswer, error) {
	l.mu.Lock()
	l.intakes = append(l.intakes, intakes)
	l.mu.Unlock()
	return l.Ledger.AcceptIntakes(ctx, intakes)
}

func (l *countingLedger) calls() [][]engine.Intake {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]engine.Intake(nil), l.intakes...)
}

// TestStartManyRecordsTheKeyWithTheRuns: an event that fans out to two
// flows records its key and both runs in one ledger transaction; events
// repeating its key at the same moment start nothing more and answer its
// runs; the key with another request is ErrKeyReused and starts nothing;
// a key with no runs is remembered alone; without batching the key is
// recorded before the runs start.
func TestStartManyRecordsTheKeyWithTheRuns(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	doc := parseDoc(t, docJSON)
	flowIDs := []string{publishFlow(t, st, "a", docJSON), publishFlow(t, st, "b", docJSON)}
	tmp := &fakeTemporal{own: map[string]engine.RunInput{}}
	ledger := &countingLedger{Ledger: st.Ledger()}
	svc := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: ledger, Versions: st,
		Batch: engine.BatchOptions{Lanes: 2}})
	event := func(key string) []engine.RunInput {
		envelope := json.RawMessage(`{"event_id":"` + key + `"}`)
		var ins []engine.RunInput
		for _, id := range flowIDs {
			ins = append(ins, engine.NewRunInput(id, 1, doc, engine.DeterministicRunID(id, key), engine.TriggerInput{
				TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope}, ID: key, Event: envelope}, time.Now().UTC()))
		}
		return ins
	}
	key := func(k, hash string) *engine.RequestKey { return &engine.RequestKey{Key: k, RequestHash: hash} }

	// One event alone: one transaction holding its key and both runs.
	runs, err := svc.StartMany(ctx, event("e1"), key("e1", "h1"))
	if err != nil || len(runs) != 2 {
		t.Fatalf("StartMany(e1) = %+v, %v", runs, err)
	}
	calls := ledger.calls()
	if len(calls) != 1 || len(calls[0]) != 1 || len(calls[0][0].Entries) != 2 || calls[0][0].Key == nil || calls[0][0].Key.Key != "e1" {
		t.Fatalf("the event took ledger calls %+v, want one intake with its key and both runs", calls)
	}

	// The same event many times at once: exactly one set of runs.
	const racers = 16
	answers, errs := make([][]*engine.Run, racers), make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i], errs[i] = svc.StartMany(ctx, event("e2"), key("e2", "h1")) }()
	}
	wg.Wait()
	want := event("e2")
	for i := range racers {
		if errs[i] != nil || len(answers[i]) != 2 || answers[i][0].RunID != want[0].RunID || answers[i][1].RunID != want[1].RunID {
			t.Fatalf("racer %d = %+v, %v", i, answers[i], errs[i])
		}
	}
	entries, err := st.Ledger().List(ctx, engine.LedgerFilter{})
	if err != nil || len(entries) != 4 {
		t.Fatalf("the ledger holds %d runs (%v), want 4: two events of two flows", len(entries), err)
	}

	// The key with another request: refused, nothing started.
	before := len(tmp.enqueuedIDs())
	if _, err := svc.StartMany(ctx, event("e2"), key("e2", "h2")); !errors.Is(err, engine.ErrKeyReused) {
		t.Fatalf("StartMany(e2, another request) = %v, want ErrKeyReused", err)
	}
	if after := len(tmp.enqueuedIDs()); after != before {
		t.Errorf("a refused event handed %d runs to batches", after-before)
	}

	// No runs: the key is remembered all the same.
	if _, err := svc.StartMany(ctx, nil, key("e3", "h1")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartMany(ctx, nil, key("e3", "h2")); !errors.Is(err, engine.ErrKeyReused) {
		t.Fatalf("StartMany(e3, another request, no runs) = %v, want ErrKeyReused", err)
	}

	// Without batching, the key is recorded before the runs' workflows
	// start, and refused the same way.
	unbatched := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: st.Ledger(), Versions: st})
	if runs, err := unbatched.StartMany(ctx, event("e4"), key("e4", "h1")); err != nil || len(runs) != 2 {
		t.Fatalf("unbatched StartMany(e4) = %+v, %v", runs, err)
	}
	if _, err := unbatched.StartMany(ctx, event("e4"), key("e4", "h2")); !errors.Is(err, engine.ErrKeyReused) {
		t.Fatalf("unbatched StartMany(e4, another request) = %v, want ErrKeyReused", err)
	}
}

// TestStartManyLeavesItsInputAlone: StartMany stamps runs without a start
// time with one, on its own copy: the caller's inputs are not changed.
func TestStartManyLeavesItsInputAlone(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	doc := parseDoc(t, docJSON)
	flowID := publishFlow(t, st, "a", docJSON)
	svc := engine.NewService(engine.ServiceOptions{Executions: &fakeTemporal{own: map[string]engine.RunInput{}},
		Ledger: st.Ledger(), Versions: st, Batch: engine.BatchOptions{Lanes: 2}})
	envelope := json.RawMessage(`{"event_id":"e1"}`)
	ins := []engine.RunInput{engine.NewRunInput(flowID, 1, doc, engine.DeterministicRunID(flowID, "e1"), engine.TriggerInput{
		TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope}, ID: "e1", Event: envelope}, time.Time{})}
	runs, err := svc.StartMany(ctx, ins, nil)
	if err != nil || len(runs) != 1 || runs[0].StartedAt.IsZero() {
		t.Fatalf("StartMany = %+v, %v; want one run with a start time", runs, err)
	}
	if !ins[0].StartedAt.IsZero() {
		t.Errorf("StartMany set the caller's input's start time to %v", ins[0].StartedAt)
	}
}

// TestStartRefusesAStaleBasis: runs decided from a revision of the flow
// store (engine.WithBasis) start while it is still the revision, batched
// or not, alone (Start) or by request (StartMany); once a publish has
// moved it, they are ErrStale and nothing is recorded, keyed or started.
func TestStartRefusesAStaleBasis(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	doc := parseDoc(t, docJSON)
	flowID := publishFlow(t, st, "a", docJSON)
	tmp := &fakeTemporal{own: map[string]engine.RunInput{}}
	batched := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: st.Ledger(), Versions: st,
		Batch: engine.BatchOptions{Lanes: 2}})
	unbatched := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: st.Ledger(), Versions: st})
	input := func(key string) engine.RunInput {
		envelope := json.RawMessage(`{"event_id":"` + key + `"}`)
		return engine.NewRunInput(flowID, 1, doc, engine.DeterministicRunID(flowID, key), engine.TriggerInput{
			TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope}, ID: key, Event: envelope}, time.Now().UTC())
	}
	old, err := st.Ledger().Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := engine.WithBasis(ctx, old)
	if _, err := batched.Start(at, input("e0")); err != nil {
		t.Fatalf("Start at the current revision: %v", err)
	}
	if _, err := unbatched.StartMany(at, []engine.RunInput{input("e1")}, nil); err != nil {
		t.Fatalf("unbatched StartMany at the current revision: %v", err)
	}
	publishFlow(t, st, "b", docJSON)
	started := len(tmp.enqueuedIDs()) + len(tmp.own)
	key := &engine.RequestKey{Key: "e2", RequestHash: "h"}
	for name, start := range map[string]func() error{
		"batched Start":           func() error { _, err := batched.Start(at, input("e2")); return err },
		"batched StartMany":       func() error { _, err := batched.StartMany(at, []engine.RunInput{input("e2")}, key); return err },
		"unbatched Start":         func() error { _, err := unbatched.Start(at, input("e2")); return err },
		"unbatched StartMany":     func() error { _, err := unbatched.StartMany(at, []engine.RunInput{input("e2")}, key); return err },
		"StartMany of no runs":    func() error { _, err := batched.StartMany(at, nil, nil); return err },
		"StartMany of a key only": func() error { _, err := batched.StartMany(at, nil, key); return err },
	} {
		if err := start(); !errors.Is(err, engine.ErrStale) {
			t.Errorf("%s at the old revision = %v, want ErrStale", name, err)
		}
	}
	if now := len(tmp.enqueuedIDs()) + len(tmp.own); now != started {
		t.Errorf("stale starts handed on %d runs", now-started)
	}
	if _, err := st.Ledger().Get(ctx, input("e2").RunID); !errors.Is(err, engine.ErrRunNotFound) {
		t.Errorf("a stale start recorded its run: %v", err)
	}
	// The key was not recorded: another request may use it.
	if _, err := batched.StartMany(ctx, nil, &engine.RequestKey{Key: "e2", RequestHash: "other"}); err != nil {
		t.Errorf("the key of a stale start was recorded: %v", err)
	}
}
