package engine

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
)

// NewWorker returns a worker on taskQueue that runs FlowRunWorkflow, the
// batch workflow with its ledger activities, and one activity per
// registered connector, named after the connector's type.
func NewWorker(c client.Client, taskQueue string, reg *connectors.Registry, ledger BatchLedger) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 8,
	})
	Register(w, reg, ledger, &Runs{Client: c})
	return w
}

// RegisterWorkflow adds Flowline's workflows, bounding attempts as the
// connectors of reg say, to a worker or replayer.
func RegisterWorkflow(w worker.WorkflowRegistry, reg *connectors.Registry) {
	wf := Workflows{Connectors: reg}
	w.RegisterWorkflowWithOptions(wf.FlowRun, workflowOptions())
	w.RegisterWorkflowWithOptions(wf.FlowBatch, workflow.RegisterOptions{Name: BatchWorkflowType})
}

func workflowOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WorkflowType}
}

// Register adds Flowline's workflows, the batch workflow's activities
// (on ledger, handing runs off through runs) and one activity per
// connector to w.
func Register(w worker.Registry, reg *connectors.Registry, ledger BatchLedger, runs *Runs) {
	RegisterWorkflow(w, reg)
	la := &ledgerActivities{ledger: ledger, runs: runs}
	w.RegisterActivityWithOptions(la.Claim, activity.RegisterOptions{Name: claimActivity})
	w.RegisterActivityWithOptions(la.Finish, activity.RegisterOptions{Name: finishActivity})
	w.RegisterActivityWithOptions(la.HandOff, activity.RegisterOptions{Name: handOffActivity})
	acts := &Activities{Registry: reg, Runs: runs}
	for _, c := range reg.All() {
		w.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: c.Type()})
	}
}
