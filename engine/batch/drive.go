package batch

import (
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/engine"
)

// oneCoroutineChange names the workflow change that drives a batch's runs
// from the workflow's own coroutine (workflow.GetVersion). Before it each
// run had a coroutine of its own, and the SDK resumes every live coroutine
// whenever anything happens: with dozens of runs in flight that cost
// about a tenth of the CPU of a run.
const oneCoroutineChange = "batch-one-coroutine"

// watch is a future the batch's selector waits on and what to do once it
// is ready.
type watch struct {
	f    workflow.Future
	fn   func(workflow.Future)
	done bool
}

// runner is one run of a batch driven from the workflow's own coroutine
// (oneCoroutineChange): each step's attempt is a local activity whose
// future the batch's selector waits on, and its end starts the next step.
// It does what runInBatch does, in the same order.
type runner struct {
	b   *batchLoop
	ctx workflow.Context // canceled with the run
	in  engine.RunInput
	run *engine.StepRun
}

// watchFuture has the batch's selector run fn once f is ready.
func (b *batchLoop) watchFuture(f workflow.Future, fn func(workflow.Future)) {
	w := &watch{f: f, fn: fn}
	b.watches = append(b.watches, w)
	b.sel.AddFuture(f, func(f workflow.Future) {
		w.done = true
		b.fired++
		fn(f)
	})
}

// launch starts run in on the batch: its steps, or its hand-off when the
// batch is full (own).
func (b *batchLoop) launch(ctx workflow.Context, in engine.RunInput, own bool) {
	r := &runner{b: b, ctx: ctx, in: in, run: engine.NewStepRun(in, engine.WorkflowID(in.RunID), b.conns)}
	if own {
		r.handOff(engine.Resume{Steps: []engine.StepResult{}})
		return
	}
	r.next(0)
}

// next renders step i and starts it, or ends the run past its last step.
func (r *runner) next(i int) {
	if i >= r.run.Len() {
		r.end(engine.StepsDone, "")
		return
	}
	si, err := r.run.Input(i)
	if err != nil {
		r.end(engine.StepsFailed, err.Error())
		return
	}
	if r.b.budget == nil {
		r.attempt(i, si, 0)
		return
	}
	r.b.waiting = append(r.b.waiting, pendingStep{r: r, i: i, si: si})
	r.b.pump()
}

// attempt runs step i's one attempt in the batch, held bytes of the task
// budget held for its outcome.
func (r *runner) attempt(i int, si engine.StepInput, held int) {
	lctx, si := batchAttempt(r.ctx, r.b.conns, r.in, r.run, i, si, held, r.b.budget != nil)
	start := workflow.Now(r.ctx)
	r.b.watchFuture(workflow.ExecuteLocalActivity(lctx, r.run.Step(i).Type, si), func(f workflow.Future) {
		var out engine.StepOutcome
		err := f.Get(r.ctx, &out)
		out = attemptOutcome(r.ctx, out, err, start)
		if r.b.budget != nil {
			r.b.budget.record(held, &out, err)
		}
		r.landed(i, out, err)
	})
}

// landed takes in how step i's attempt ended.
func (r *runner) landed(i int, out engine.StepOutcome, err error) {
	handed, resume := leaving(r.ctx, r.in, r.run, i, out, err)
	switch {
	case handed != nil:
		r.b.finished(*handed)
	case resume != nil:
		r.handOff(*resume)
	default:
		if end, msg, over := r.run.Record(r.ctx, i, out, err); over {
			r.end(end, msg)
			return
		}
		r.next(i + 1)
	}
}

// end reports the run ended in the batch.
func (r *runner) end(end engine.StepsEnd, msg string) {
	r.b.finished(endedInBatch(r.ctx, r.in, r.run, end, msg))
}

// handOff starts the run's own workflow to go on from res, as handOff
// does for a run in a coroutine of its own.
func (r *runner) handOff(res engine.Resume) {
	in := handOffInput(r.in, &res)
	dctx, _ := workflow.NewDisconnectedContext(r.ctx)
	r.b.watchFuture(workflow.ExecuteLocalActivity(handOffOptions(dctx, in.RunID), handOffActivity, in), func(f workflow.Future) {
		var temporalRunID string
		err := f.Get(dctx, &temporalRunID)
		r.b.finished(handedOff(dctx, in, res, temporalRunID, err))
	})
}

// pendingStep is a step waiting for room in the task budget.
type pendingStep struct {
	r  *runner
	i  int
	si engine.StepInput
}

// pump starts the steps waiting for room in the task budget, in the
// order they came, as far as it has room; a run canceled meanwhile goes
// at once, holding nothing (its attempt ends as canceled). When nothing
// is in flight and still nothing fits, a short timer ends the task: the
// next one records from zero.
func (b *batchLoop) pump() {
	for len(b.waiting) > 0 {
		p := b.waiting[0]
		if p.r.ctx.Err() != nil {
			b.waiting = b.waiting[1:]
			p.r.attempt(p.i, p.si, 0)
			continue
		}
		if n, ok := b.budget.tryHold(); ok {
			b.waiting = b.waiting[1:]
			p.r.attempt(p.i, p.si, n)
			continue
		}
		if b.budget.inflight == 0 && b.budget.timer == nil {
			b.watchFuture(b.budget.newTimer(p.r.ctx), func(workflow.Future) {})
		}
		return
	}
}

// finished takes in a run that ended or went elsewhere.
func (b *batchLoop) finished(f engine.FinishedRun) {
	f.ClaimToken = b.tokens[f.RunID]
	b.done = append(b.done, f)
	b.results = append(b.results, BatchRunResult{RunID: f.RunID, Status: f.Status, Error: f.Error,
		WorkflowID: f.WorkflowID})
	b.inflight--
	delete(b.cancels, f.RunID)
}

// tidy rebuilds the selector once most of what it waited on has fired: a
// selector keeps every case it was given, and each wait looks at all.
func (b *batchLoop) tidy(ctx workflow.Context) {
	if b.fired < 64 || b.fired < len(b.watches)-b.fired {
		return
	}
	live := b.watches
	b.watches, b.fired = nil, 0
	b.sel = b.newSelector(ctx)
	for _, w := range live {
		if !w.done {
			b.watchFuture(w.f, w.fn)
		}
	}
}
