package batch

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/engine"
)

// batchTaskChange names the workflow change that bounds what one batch
// workflow task records (workflow.GetVersion).
const batchTaskChange = "batch-task-budget"

// Temporal refuses a workflow task's answer past 4 MB, and the answer of
// a batch task holds a marker for every step it ran: many runs whose
// outcomes each fit the batch can add up to more. These bound it.
const (
	// batchTaskBytes caps the step outcomes one batch workflow task
	// records, with the outcomes of steps in flight counted at what they
	// may reach.
	batchTaskBytes = 1536 << 10
	// markerBytes is what a step's marker records beside its outcome.
	markerBytes = 1 << 10
	// minStepHold is the least a step in a batch may reach.
	minStepHold = 16 << 10
)

// taskBudget holds a batch's step outcomes within batchTaskBytes per
// workflow task. Before a step starts, it holds what the step's outcome
// may reach; a step whose outcome is larger goes on in a workflow of its
// own (see carryOff). What it holds follows the largest outcome recorded
// so far (twice it, at least minStepHold, at most engine.BatchCarryBytes), so
// small outcomes leave room for many steps at once. When the task holds
// too much, the step waits for steps in flight to end, then for a short
// timer, which ends the task: the next one records from zero.
type taskBudget struct {
	recorded int // since the last timer that ended a task
	held     int // by steps in flight
	inflight int
	largest  int
	timer    workflow.Future
}

// want is what a step's outcome may reach, its marker included.
func (g *taskBudget) want() int {
	if g.largest == 0 {
		return engine.BatchCarryBytes + markerBytes
	}
	return min(engine.BatchCarryBytes, max(minStepHold, 2*g.largest)) + markerBytes
}

func (g *taskBudget) fits() bool {
	return g.recorded+g.held+g.want() <= batchTaskBytes
}

// hold waits until the task has room for a step and returns what it
// holds for it; zero when ctx was canceled meanwhile.
func (g *taskBudget) hold(ctx workflow.Context) int {
	for {
		if n, ok := g.tryHold(); ok {
			return n
		}
		if g.inflight > 0 {
			if err := workflow.Await(ctx, func() bool { return g.inflight == 0 || g.fits() }); err != nil {
				return 0
			}
			continue
		}
		if g.timer == nil {
			g.newTimer(ctx)
		}
		if err := g.timer.Get(ctx, nil); err != nil {
			return 0
		}
	}
}

// tryHold holds what a step's outcome may reach when the task has room
// for it, and reports whether it had.
func (g *taskBudget) tryHold() (int, bool) {
	if g.timer != nil && g.timer.IsReady() {
		g.timer, g.recorded = nil, 0
	}
	if !g.fits() {
		return 0, false
	}
	n := g.want()
	g.held += n
	g.inflight++
	return n, true
}

// newTimer sets the short timer that ends the task, after which the next
// one records from zero, and returns it.
func (g *taskBudget) newTimer(ctx workflow.Context) workflow.Future {
	// Not canceled with the run that set it: other runs wait on it.
	tctx, _ := workflow.NewDisconnectedContext(ctx)
	g.timer = workflow.NewTimerWithOptions(tctx, time.Millisecond,
		workflow.TimerOptions{Summary: "record the steps so far before running more"})
	return g.timer
}

// record counts the outcome of a step that held n (zero if it held
// nothing), failed with err or not.
func (g *taskBudget) record(n int, out *engine.StepOutcome, err error) {
	if n > 0 {
		g.held -= n
		g.inflight--
	}
	size := engine.OutcomeSize(out)
	g.largest = max(g.largest, size)
	if out.HandedOff != "" {
		g.largest = max(g.largest, n) // it did not fit what it held
	}
	if err != nil {
		size += len(err.Error())
	}
	g.recorded += size + markerBytes
}
