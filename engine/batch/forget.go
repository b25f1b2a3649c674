package batch

import (
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/engine"
)

// forgetOnCompletion trims the worker's memo of local step attempts (see
// "The attempt memo" in doc.go) when a batch execution completes.
//
// The memo answers a retried workflow task's steps from memory, and keeps
// each outcome for minutes because it cannot tell when the task that ran
// the step was recorded. A batch can: it completes only in a task that ran
// no step (the completion timer), which the worker gets only after every
// earlier task was recorded, so none of its steps will run again. Without
// this, a worker at 800 steps a second kept 50,000 outcomes (about 85 MB)
// that nothing would read.
type forgetOnCompletion struct {
	interceptor.WorkerInterceptorBase
	acts *engine.Activities
}

// InterceptWorkflow wraps batch executions; other workflows (a run of its
// own may complete in the task that ran its last step) keep their
// outcomes for the memo's time.
func (f *forgetOnCompletion) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	if f.acts == nil || workflow.GetInfo(ctx).WorkflowType.Name != engine.BatchWorkflowType {
		return next
	}
	return &forgetBatch{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, acts: f.acts}
}

type forgetBatch struct {
	interceptor.WorkflowInboundInterceptorBase
	acts *engine.Activities
}

// ExecuteWorkflow forgets the execution's attempts once it returns a
// result; an execution that fails its task (an error, a panic) may run
// them again.
func (f *forgetBatch) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := f.Next.ExecuteWorkflow(ctx, in)
	if err == nil {
		// Not workflow state: the memo lives beside the workflow, what
		// it drops decides nothing here, and forgetting twice (a
		// replay) is harmless.
		f.acts.ForgetAttempts(workflow.GetInfo(ctx).WorkflowExecution.RunID) //workflowcheck:ignore
	}
	return res, err
}
