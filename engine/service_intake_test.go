package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// failingHandover is a Temporal side whose signals fail while down is
// set, and counts the runs each signal carried.
type failingHandover struct {
	*fakeTemporal
	mu      sync.Mutex
	down    bool
	signals []int
	lanes   []int
}

func (f *failingHandover) EnqueueMany(ctx context.Context, ins []engine.RunInput, opts engine.BatchOptions, lane int) ([]*engine.Run, error) {
	f.mu.Lock()
	down := f.down
	f.signals = append(f.signals, len(ins))
	f.lanes = append(f.lanes, lane)
	f.mu.Unlock()
	if down {
		return nil, errors.New("temporal unavailable")
	}
	return f.fakeTemporal.EnqueueMany(ctx, ins, opts, lane)
}

// TestConcurrentStartsShareTheirCommits starts many batched runs at once
// over a real SQLite ledger, some repeating others: every caller gets its
// run, the repeats their first's, each run reaches a batch signal; when
// the signal fails, every caller of it gets the error while its runs stay
// recorded as accepted (for the sweep to hand over).
func TestConcurrentStartsShareTheirCommits(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	flowID := publishFlow(t, st, "orders", docJSON)
	doc := parseDoc(t, docJSON)
	tmp := &failingHandover{fakeTemporal: &fakeTemporal{own: map[string]engine.RunInput{}}}
	svc := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: st.Ledger(), Versions: st,
		Batch: engine.BatchOptions{Lanes: 2}})
	now := time.Now().UTC()
	event := func(key string) engine.RunInput {
		envelope := json.RawMessage(fmt.Sprintf(`{"event_id":%q,"data":{"k":%q}}`, key, key))
		return engine.NewRunInput(flowID, 1, doc, engine.DeterministicRunID(flowID, key), engine.TriggerInput{
			TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope}, ID: key, Event: envelope,
			Data: json.RawMessage(fmt.Sprintf(`{"k":%q}`, key))}, now)
	}
	startAll := func(keys []string) ([]*engine.Run, []error) {
		runs, errs := make([]*engine.Run, len(keys)), make([]error, len(keys))
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Add(1)
			go func() { defer wg.Done(); runs[i], errs[i] = svc.Start(ctx, event(k)) }()
		}
		wg.Wait()
		return runs, errs
	}

	const n = 60
	keys := make([]string, 0, n+10)
	for i := range n {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	keys = append(keys, keys[:10]...) // repeats, at the same moment
	runs, errs := startAll(keys)
	for i, k := range keys {
		if errs[i] != nil || runs[i] == nil || runs[i].RunID != engine.DeterministicRunID(flowID, k) {
			t.Fatalf("Start(%s) = %+v, %v", k, runs[i], errs[i])
		}
	}
	enqueued := map[string]bool{}
	for _, id := range tmp.enqueuedIDs() {
		enqueued[id] = true
	}
	if len(enqueued) != n {
		t.Errorf("%d distinct runs reached a batch, want %d", len(enqueued), n)
	}
	for _, k := range keys[:n] {
		e, err := st.Ledger().Get(ctx, engine.DeterministicRunID(flowID, k))
		if err != nil || e.Status != engine.StatusAccepted || string(e.Trigger.Data) != fmt.Sprintf(`{"k":%q}`, k) {
			t.Fatalf("ledger entry of %s = %+v, %v", k, e, err)
		}
	}

	// A failing signal fails each of its callers, clearly.
	tmp.mu.Lock()
	tmp.down = true
	tmp.mu.Unlock()
	_, errs = startAll([]string{"x1", "x2", "x3", "x4", "x5", "x6"})
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "temporal unavailable") {
			t.Errorf("Start %d while Temporal is down: %v", i, err)
		}
	}
	for _, k := range []string{"x1", "x6"} {
		if e, err := st.Ledger().Get(ctx, engine.DeterministicRunID(flowID, k)); err != nil || e.Status != engine.StatusAccepted {
			t.Errorf("a run whose signal failed is %+v, %v; want it recorded as accepted", e, err)
		}
	}
}

// TestOneSignalPerFlowPerCommit: the runs of one flow recorded in one
// ledger transaction reach a batch execution in one signal, whatever the
// lanes, and a flow that is not busy keeps to its first lane. (Handed over one by one after the commit, the first of them led
// a signal alone and the rest followed in another; spread over lanes by
// run id, they took a signal per lane.)
func TestOneSignalPerFlowPerCommit(t *testing.T) {
	ctx := context.Background()
	st := sqliteStore(t)
	docJSON := `{"name": "orders", "trigger": {"type": "event", "events": ["order.paid"]}, "steps": []}`
	flowID := publishFlow(t, st, "orders", docJSON)
	doc := parseDoc(t, docJSON)
	runsOf := func(prefix string, n int) []engine.RunInput {
		ins := make([]engine.RunInput, n)
		for i := range ins {
			key := fmt.Sprintf("%s%d", prefix, i)
			envelope := json.RawMessage(fmt.Sprintf(`{"event_id":%q}`, key))
			ins[i] = engine.NewRunInput(flowID, 1, doc, engine.DeterministicRunID(flowID, key), engine.TriggerInput{
				TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope}, ID: key, Event: envelope}, time.Now().UTC())
		}
		return ins
	}
	for _, lanes := range []int{1, 2} {
		tmp := &failingHandover{fakeTemporal: &fakeTemporal{own: map[string]engine.RunInput{}}}
		ledger := &countingLedger{Ledger: st.Ledger()}
		svc := engine.NewService(engine.ServiceOptions{Executions: tmp, Ledger: ledger, Versions: st,
			Batch: engine.BatchOptions{Lanes: lanes}})
		const n, groups = 8, 6
		for g := range groups {
			runs, err := svc.StartMany(ctx, runsOf(fmt.Sprintf("lanes%d-%d-", lanes, g), n), nil)
			if err != nil || len(runs) != n {
				t.Fatalf("lanes %d: StartMany = %d runs, %v", lanes, len(runs), err)
			}
		}
		if calls := ledger.calls(); len(calls) != groups {
			t.Fatalf("lanes %d: %d ledger transactions, want %d", lanes, len(calls), groups)
		}
		tmp.mu.Lock()
		signals, sent := append([]int(nil), tmp.signals...), append([]int(nil), tmp.lanes...)
		tmp.mu.Unlock()
		if fmt.Sprint(signals) != fmt.Sprint([]int{n, n, n, n, n, n}) {
			t.Errorf("lanes %d: signals carried %v runs, want one signal of %d per StartMany", lanes, signals, n)
		}
		if fmt.Sprint(sent) != fmt.Sprint([]int{0, 0, 0, 0, 0, 0}) {
			t.Errorf("lanes %d: signals went to lanes %v, want the first lane each time", lanes, sent)
		}
	}
}
