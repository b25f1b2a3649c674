package batch

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
)

// Beyond these a batch's history is full and it takes no more runs
// (Temporal's limits are 51,200 events and 50 MB).
const (
	batchMaxHistoryEvents = 10000
	batchMaxHistoryBytes  = 8 << 20
)

// historyFull reports whether the execution's history has grown as large
// as a batch lets it.
func historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetCurrentHistoryLength() > batchMaxHistoryEvents ||
		info.GetCurrentHistorySize() > batchMaxHistoryBytes || info.GetContinueAsNewSuggested()
}

// batchLoop is the state of one batch workflow execution.
type batchLoop struct {
	queue    []engine.RunInput
	done     []engine.FinishedRun
	inflight int
	taken    int
	claims   int
	closing  bool
	sealed   bool
	cancels  map[string]workflow.CancelFunc
	tokens   map[string]string // run id → the claim token it was taken under
	conns    *connectors.Registry
	cap      int
	budget   *taskBudget // nil in executions begun before it
	// findable is how much this execution records of what it carries
	// for the Temporal UI: nothing (executions begun before it), its run
	// ids (1), its trigger ids too (2), at most once a listEvery (3),
	// the first time a listEvery after it began (4).
	findable workflow.Version
	// listedAt is when describe last listed ids (findable 3), or when the
	// execution began until it first does (findable 4).
	listedAt time.Time
	flowName string
	// ids and triggerIDs are the run ids and trigger ids claimed so far;
	// described counts the runs describe has seen.
	ids        []string
	triggerIDs []string
	described  int
	listedRuns keywordList
	listedTrig keywordList
	results    []BatchRunResult

	// oneCoroutine: the runs are driven from the workflow's own coroutine
	// (oneCoroutineChange); before it, each had a coroutine of its own.
	oneCoroutine bool
	// sel waits for signals, the window's close and (oneCoroutine) the
	// futures of watches; fired counts the watches done since it was made.
	sel     workflow.Selector
	watches []*watch
	fired   int
	waiting []pendingStep // for room in the task budget
	// window closes when the window and grace have passed; nil once it
	// has, or when there was none left at the start.
	window workflow.Future
	chans  batchChannels
}

// batchChannels are what a batch's selector receives from.
type batchChannels struct {
	run, runs, cancel workflow.ReceiveChannel
	done              workflow.Channel
}

// newSelector makes the selector of the batch's main loop: a run, runs,
// a run's end (a coroutine per run), a cancel, the window's close.
func (b *batchLoop) newSelector(ctx workflow.Context) workflow.Selector {
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(b.chans.run, func(c workflow.ReceiveChannel, _ bool) {
		var in engine.RunInput
		c.Receive(ctx, &in)
		b.queue = append(b.queue, in)
	})
	// Runs that arrive together come in one signal; they queue as if each
	// had come alone, so what the batch does next is the same.
	sel.AddReceive(b.chans.runs, func(c workflow.ReceiveChannel, _ bool) {
		var runs engine.BatchRuns
		c.Receive(ctx, &runs)
		// Inputs decodes event envelopes (JSON, deterministic) to put
		// their data back.
		b.queue = append(b.queue, runs.Inputs()...) //workflowcheck:ignore
	})
	sel.AddReceive(b.chans.done, func(c workflow.ReceiveChannel, _ bool) {
		var f engine.FinishedRun
		c.Receive(ctx, &f)
		b.finished(f)
	})
	sel.AddReceive(b.chans.cancel, func(c workflow.ReceiveChannel, _ bool) {
		var runID string
		c.Receive(ctx, &runID)
		if cancel, ok := b.cancels[runID]; ok {
			cancel()
		}
	})
	if b.window != nil {
		sel.AddFuture(b.window, func(workflow.Future) { b.closing, b.window = true, nil })
	}
	return sel
}

// keywordList is a search attribute listing values as far as
// runIDsBudget allows.
type keywordList struct {
	seen  int // values of the source considered
	n     int // values listed
	bytes int
}

// grow lists the values of all added since the last call, as far as the
// budget allows (past it, none more), and reports whether it listed more.
func (l *keywordList) grow(all []string) bool {
	before := l.n
	for ; l.seen < len(all); l.seen++ {
		size := len(all[l.seen]) + 3
		if l.bytes+size > runIDsBudget {
			l.seen = len(all)
			break
		}
		l.bytes += size
		l.n++
	}
	return l.n > before
}

// findableBatchesChange names the workflow change that makes a batch
// findable in the Temporal UI (workflow.GetVersion).
const findableBatchesChange = "findable-batches"

// listEvery is how often, at most, a batch (findable 3) lists what it
// carries: each listing is a visibility write of the whole list, and
// listing at every workflow task cost a few percent of the CPU of a run.
// Whatever is left is listed before the execution completes. From
// findable 4 on the first listing also waits a listEvery from the
// execution's start: a listed search attribute stays in the execution's
// mutable state, which Temporal writes again at every signal and task
// (about 4 KB more each time once the lists are full), and a batch takes
// in most of its runs in its first second.
const listEvery = time.Second

// runIDsBudget bounds the FlowlineRunIds search attribute of a batch:
// Temporal refuses a search attribute value over 2 KB by default
// (limit.searchAttributesSizeOfValueLimit), and a refused upsert would
// fail the batch's workflow task. Runs past it are found through their
// flow and the batch's result.
const runIDsBudget = 1800

// BatchResult is what a batch workflow execution returns: each run it
// carried, in the order it claimed them, and how each ended.
type BatchResult struct {
	Runs []BatchRunResult `json:"runs"`
}

// BatchRunResult is one run of a batch and its outcome: succeeded, failed,
// canceled, or handed_off with the workflow it went on in.
type BatchRunResult struct {
	RunID      string `json:"run_id"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
}

// describe records, once per workflow task, what the execution carries:
// its run ids as a search attribute (so the Temporal UI finds a batched
// run by FlowlineRunIds) and a line of current details. From findable 3
// on it does so at most once a listEvery unless final, the last chance
// before the execution completes.
func (b *batchLoop) describe(ctx workflow.Context, final bool) error {
	if b.findable == workflow.DefaultVersion || b.described == len(b.ids) {
		return nil
	}
	if b.findable >= 3 {
		now := workflow.Now(ctx)
		if !final && !b.listedAt.IsZero() && now.Sub(b.listedAt) < listEvery {
			return nil
		}
		b.listedAt = now
	}
	var updates []temporal.SearchAttributeUpdate
	if b.listedRuns.grow(b.ids) {
		updates = append(updates, engine.SARunIDs.ValueSet(b.ids[:b.listedRuns.n:b.listedRuns.n]))
	}
	if b.findable >= 2 && b.listedTrig.grow(b.triggerIDs) {
		updates = append(updates, engine.SATriggerIDs.ValueSet(b.triggerIDs[:b.listedTrig.n:b.listedTrig.n]))
	}
	if len(updates) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			return fmt.Errorf("listing the batch's run ids: %w", err)
		}
	}
	b.described = len(b.ids)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("%d runs of flow %s", len(b.ids), b.flowName))
	return nil
}

// Workflow is the batch workflow's definition with the one thing it
// consults besides its input: the connectors, which bound how long an
// attempt of a step may take.
type Workflow struct {
	Connectors *connectors.Registry
}

// FlowBatch carries the event runs of one flow that arrive in one
// window: it claims them in the ledger (a run claimed before, by a
// repeated signal, is dropped), runs each one's steps (driven from the
// workflow's own coroutine; see runner) and records the outcomes in the
// ledger. A run whose step needs a retry, or that arrives past the
// per-execution cap or once the history is large, is handed to a FlowRun
// workflow of its own, so slow retries never hold a batch back. Once its window and grace have passed and no run is in
// flight, the execution completes.
func (w Workflow) FlowBatch(ctx workflow.Context, st engine.BatchState) (*BatchResult, error) {
	info := workflow.GetInfo(ctx)
	opts := engine.BatchOptions{Grace: st.Grace, RunsPerExecution: st.RunsPerExecution}.WithDefaults()
	b := &batchLoop{cancels: map[string]workflow.CancelFunc{}, tokens: map[string]string{},
		conns: w.Connectors, cap: opts.RunsPerExecution,
		chans: batchChannels{
			run:    workflow.GetSignalChannel(ctx, engine.BatchRunSignal), // one run: sent before BatchRunsSignal
			runs:   workflow.GetSignalChannel(ctx, engine.BatchRunsSignal),
			cancel: workflow.GetSignalChannel(ctx, engine.BatchCancelSignal),
			done:   workflow.NewChannel(ctx),
		},
	}
	if workflow.GetVersion(ctx, batchTaskChange, workflow.DefaultVersion, 1) == 1 {
		b.budget = &taskBudget{}
	}
	b.findable = workflow.GetVersion(ctx, findableBatchesChange, workflow.DefaultVersion, 4)
	if b.findable >= 4 {
		b.listedAt = workflow.Now(ctx) // the first listing waits a listEvery too
	}
	b.oneCoroutine = workflow.GetVersion(ctx, oneCoroutineChange, workflow.DefaultVersion, 1) == 1
	// The ledger activities keep trying while the flow store is away: a
	// batch that gave up would strand its runs.
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 10 * time.Second},
	})
	if wait := st.Until.Add(opts.Grace).Sub(workflow.Now(ctx)); wait > 0 {
		b.window = workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: "window closes"})
	} else {
		b.closing = true
	}
	b.sel = b.newSelector(ctx)
	for {
		for b.sel.HasPending() { // take in whatever arrived, without blocking
			b.sel.Select(ctx)
		}
		if b.oneCoroutine && b.budget != nil {
			b.pump() // a run canceled while it waited for room, or the budget's timer fired
		}
		b.tidy(ctx)
		if len(b.done) > 0 {
			if err := workflow.ExecuteLocalActivity(lctx, finishActivity, b.done).Get(ctx, nil); err != nil {
				return nil, fmt.Errorf("recording %d finished runs: %w", len(b.done), err)
			}
			b.done = nil
			continue
		}
		if len(b.queue) > 0 {
			if err := b.start(ctx, lctx, info.WorkflowExecution); err != nil {
				return nil, err
			}
			continue
		}
		if b.closing && b.inflight == 0 {
			if !b.sealed {
				// Temporal refuses to complete while signals wait, and a
				// refused task loses its local activity results. So end this
				// task with a timer first: the steps that ran are recorded.
				// A run that arrives meanwhile starts and unseals, so the
				// task that completes has run no step of its own.
				b.sealed = true
				if err := b.describe(ctx, true); err != nil {
					return nil, err
				}
				seal := workflow.NewTimerWithOptions(ctx, time.Millisecond, workflow.TimerOptions{Summary: "record the steps before completing"})
				if err := seal.Get(ctx, nil); err != nil {
					return nil, err
				}
				continue
			}
			if b.findable == workflow.DefaultVersion {
				return nil, nil
			}
			return &BatchResult{Runs: b.results}, nil
		}
		if err := b.describe(ctx, false); err != nil {
			return nil, err
		}
		b.sel.Select(ctx) // nothing to do: wait for a signal, a run's end or the window's close
	}
}

// start claims the queued runs and starts each claimed one: its steps, or
// its hand-off when the batch is full.
func (b *batchLoop) start(ctx, lctx workflow.Context, exec workflow.Execution) error {
	batch := b.queue
	b.queue = nil
	b.claims++
	// The token names the execution by its original run id, which a reset
	// keeps, so claims replayed after a reset take the same runs again.
	req := engine.ClaimRequest{RunIDs: runIDs(batch), WorkflowID: exec.ID, TemporalRunID: exec.RunID,
		Token: fmt.Sprintf("%s/%d", workflow.GetInfo(ctx).OriginalRunID, b.claims)}
	var claimed []string
	if err := workflow.ExecuteLocalActivity(lctx, claimActivity, req).Get(ctx, &claimed); err != nil {
		return fmt.Errorf("claiming %d runs: %w", len(batch), err)
	}
	ok := make(map[string]bool, len(claimed))
	for _, id := range claimed {
		ok[id] = true
	}
	for _, in := range batch {
		if !ok[in.RunID] {
			continue // a repeated signal, or a run another batch took
		}
		ok[in.RunID] = false // once, even if signalled twice here
		b.tokens[in.RunID] = req.Token
		b.ids = append(b.ids, in.RunID)
		if in.Trigger.ID != "" {
			b.triggerIDs = append(b.triggerIDs, in.Trigger.ID)
		}
		if b.flowName == "" {
			b.flowName = in.FlowName
		}
		// Past the cap, or once the history is large, a run goes to a
		// workflow of its own: the batch's history stays well inside
		// Temporal's limits whatever the flow's steps and responses.
		own := b.taken >= b.cap || historyFull(ctx)
		b.taken++
		b.inflight++
		b.sealed = false // whatever runs now must be recorded before completing
		rctx, cancel := workflow.WithCancel(ctx)
		b.cancels[in.RunID] = cancel
		if b.oneCoroutine {
			b.launch(rctx, in, own)
			continue
		}
		workflow.Go(rctx, func(rctx workflow.Context) {
			var f engine.FinishedRun
			if own {
				f = handOff(rctx, in, engine.Resume{Steps: []engine.StepResult{}})
			} else {
				f = runInBatch(rctx, b.conns, in, b.budget)
			}
			b.chans.done.Send(rctx, f)
		})
	}
	return nil
}

func runIDs(ins []engine.RunInput) []string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.RunID
	}
	return ids
}
