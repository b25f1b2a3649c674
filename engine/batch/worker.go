package batch

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
)

// stickyTimeout is how long a workflow task waits for the worker that
// ran its execution last before any worker may take it.
const stickyTimeout = 2 * time.Second

// NewWorker returns a worker on taskQueue that runs the workflows, the
// batch workflow's ledger activities on ledger, one activity per
// connector of reg, and the schedule firings' activity, which starts runs
// through service.
func NewWorker(c client.Client, taskQueue string, reg *connectors.Registry, ledger engine.BatchLedger, service engine.FiringService) worker.Worker {
	done := &forgetOnCompletion{}
	w := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 8,
		// A task on this worker's sticky queue goes to another worker
		// after this long if this one died (Temporal's default: 5 s).
		StickyScheduleToStartTimeout: stickyTimeout,
		Interceptors:                 []interceptor.WorkerInterceptor{done},
	})
	done.acts = Register(w, reg, ledger, &engine.Runs{Client: c}, service)
	return w
}

// RegisterWorkflows adds the FlowRun, FlowScheduleFiring and FlowBatch
// workflows, bounding attempts as the connectors of reg say, to a worker
// or replayer.
func RegisterWorkflows(w worker.WorkflowRegistry, reg *connectors.Registry) {
	engine.RegisterWorkflow(w, reg)
	w.RegisterWorkflowWithOptions(Workflow{Connectors: reg}.FlowBatch, workflow.RegisterOptions{Name: engine.BatchWorkflowType})
}

// Register adds everything a worker runs to w: the workflows, the
// connector activities (engine.Register) and the batch workflow's ledger
// activities on ledger, handing runs off through runs; schedule firings
// start their runs through service. It returns the connector activities
// (see forgetOnCompletion).
func Register(w worker.Registry, reg *connectors.Registry, ledger engine.BatchLedger, runs *engine.Runs, service engine.FiringService) *engine.Activities {
	acts := engine.Register(w, reg, runs, service)
	w.RegisterWorkflowWithOptions(Workflow{Connectors: reg}.FlowBatch, workflow.RegisterOptions{Name: engine.BatchWorkflowType})
	la := &ledgerActivities{ledger: ledger, runs: runs}
	w.RegisterActivityWithOptions(la.Claim, activity.RegisterOptions{Name: claimActivity})
	w.RegisterActivityWithOptions(la.Finish, activity.RegisterOptions{Name: finishActivity})
	w.RegisterActivityWithOptions(la.HandOff, activity.RegisterOptions{Name: handOffActivity})
	return acts
}
