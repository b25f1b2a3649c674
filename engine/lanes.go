package engine

import (
	"sync"
	"time"
)

// laneFill picks the lane of each group of runs an API process hands to
// a flow's batch executions: lanes are filled one after another. A
// window's runs go to its first lane until that lane has taken perLane of
// them from this process, then to the next, and once every lane has had
// its share they spread over all lanes by run id, as batchLane does.
//
// Filling instead of spreading from the first run keeps a flow's runs
// together while it is not busy: one execution per window instead of one
// per lane, hence fewer signals reaching a workflow task each, fewer
// workflow tasks and executions, and fewer of Temporal's per-execution
// writes (see BENCHMARKS.md, "lanes filled in turn"). A busy
// flow still spreads over every lane, so over several workers at once,
// and no execution is brought near its cap (RunsPerExecution) by one
// process.
type laneFill struct {
	lanes, perLane int
	mu             sync.Mutex
	flows          map[string]*laneCount // by flow id
}

// laneCount is how many runs of one flow this process handed to the
// window's executions.
type laneCount struct {
	window time.Time
	runs   int
}

// laneFillPrune is how many flows laneFill remembers before it forgets
// those whose window has passed.
const laneFillPrune = 4096

// newLaneFill returns the lane picker for opts: perLane is half of an
// execution's cap, so that two API processes filling one lane together
// stay under it.
func newLaneFill(opts BatchOptions) *laneFill {
	opts = opts.WithDefaults()
	return &laneFill{lanes: max(opts.Lanes, 1), perLane: max(opts.RunsPerExecution/2, 1), flows: map[string]*laneCount{}}
}

// pick returns the lane for n runs of flowID whose triggers arrived in
// the window starting at window, led by the run leadRunID, and counts
// them.
func (f *laneFill) pick(flowID string, window time.Time, n int, leadRunID string) int {
	if f.lanes == 1 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.flows[flowID]
	switch {
	case c == nil:
		if len(f.flows) >= laneFillPrune {
			f.prune(window)
		}
		c = &laneCount{window: window}
		f.flows[flowID] = c
	case window.After(c.window):
		*c = laneCount{window: window}
	case window.Before(c.window):
		// A late group of a window already left behind (a run recorded
		// before, handed over again): it no longer counts toward any
		// lane's share.
		return batchLane(leadRunID, f.lanes)
	}
	lane := c.runs / f.perLane
	c.runs += n
	if lane >= f.lanes {
		return batchLane(leadRunID, f.lanes)
	}
	return lane
}

// prune forgets the flows last seen in windows before window.
func (f *laneFill) prune(window time.Time) {
	for id, c := range f.flows {
		if c.window.Before(window) {
			delete(f.flows, id)
		}
	}
}
