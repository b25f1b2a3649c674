package engine

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/connectors"
)

// RegisterWorkflow adds the FlowRun workflow, bounding attempts as the
// connectors of reg say, and the FlowScheduleFiring workflow to a worker
// or replayer.
func RegisterWorkflow(w worker.WorkflowRegistry, reg *connectors.Registry) {
	w.RegisterWorkflowWithOptions(Workflows{Connectors: reg}.FlowRun, workflowOptions())
	w.RegisterWorkflowWithOptions(FlowScheduleFiring, workflow.RegisterOptions{Name: FiringWorkflowType})
}

func workflowOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WorkflowType}
}

// Register adds the FlowRun and FlowScheduleFiring workflows and one
// activity per connector of reg, named after its type, to w; runs starts
// the workflows of batched runs whose step outcome is too large for their
// batch, and service starts the runs of schedule firings. The batch
// workflow is added by engine/batch. It returns the activities it
// registered, whose memo of local attempts the worker may trim
// (Activities.ForgetAttempts).
func Register(w worker.Registry, reg *connectors.Registry, runs *Runs, service FiringService) *Activities {
	RegisterWorkflow(w, reg)
	acts := &Activities{Registry: reg, Runs: runs}
	for _, c := range reg.All() {
		w.RegisterActivityWithOptions(acts.RunStep, activity.RegisterOptions{Name: c.Type()})
	}
	fa := &firingActivities{runs: service}
	w.RegisterActivityWithOptions(fa.StartScheduledRun, activity.RegisterOptions{Name: startScheduledRunActivity})
	return acts
}
