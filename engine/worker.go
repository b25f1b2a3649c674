package engine

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
)

// NewWorker returns a worker on taskQueue that runs FlowRunWorkflow and one
// activity per registered connector, named after the connector's type.
func NewWorker(c client.Client, taskQueue string, reg *connectors.Registry) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{})
	Register(w, reg)
	return w
}

// Register adds Flowline's workflow and activities to a worker or replayer.
func Register(w worker.Registry, reg *connectors.Registry) {
	w.RegisterWorkflowWithOptions(FlowRunWorkflow, workflow.RegisterOptions{Name: WorkflowType})
	acts := &Activities{Registry: reg}
	for _, c := range reg.All() {
		w.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: c.Type()})
	}
}
