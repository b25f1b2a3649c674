package app

import (
	"context"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// upgradeSchedules gives the schedules that older versions made (their
// action starts FlowRun) today's action, FlowScheduleFiring, once at
// startup, so they need not wait for their flow to be published again.
// The worker role does it (serve and worker, not api): it is the process
// that runs FlowScheduleFiring, so a schedule never starts a workflow no
// worker of this version is there to run. Every worker does it; it is
// idempotent (engine.Schedules.Upgrade leaves a schedule already firing
// FlowScheduleFiring alone), and a failure is logged, not fatal: the
// schedule goes on starting FlowRun, as before, until the next start or
// publish. It returns how many schedules it changed.
func (a *App) upgradeSchedules(ctx context.Context) int {
	versions, err := a.store.ListEnabledVersions(ctx)
	if err != nil {
		a.log.Warn("schedules of older versions not upgraded", "error", err)
		return 0
	}
	s := &engine.Schedules{Client: a.client, TaskQueue: a.cfg.TaskQueue}
	n := 0
	for _, v := range versions {
		doc, err := flows.ParseDocument(v.Document)
		if err != nil {
			a.log.Warn("schedule not upgraded", "flow", v.FlowID, "error", err)
			continue
		}
		changed, err := s.Upgrade(ctx, v.FlowID, v.Version, doc)
		if err != nil {
			a.log.Warn("schedule not upgraded", "flow", v.FlowID, "error", err)
			continue
		}
		if changed {
			n++
		}
	}
	if n > 0 {
		a.log.Info("schedules of older versions upgraded to FlowScheduleFiring", "schedules", n)
	}
	return n
}
