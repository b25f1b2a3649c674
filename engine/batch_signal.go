package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
)

// openBatches remembers the Temporal run id of each batch execution this
// process started or signalled, so that the next signal to it names it.
//
// A signal that names only a workflow id has Temporal's history service
// look up the current execution first (a read of current_executions, in
// SQLite or PostgreSQL, for every signal); one that names the run too goes
// straight to it. A remembered execution that has ended (its window
// closed, or an operator terminated or reset it) answers NotFound, and the
// runs go by SignalWithStart as before, which starts the window's next
// execution or finds the current one.
type openBatches struct {
	mu   sync.Mutex
	runs map[string]openBatch // by workflow id
}

// openBatch is one remembered batch execution.
type openBatch struct {
	runID  string
	window time.Time
}

// openBatchesPrune is how many executions openBatches remembers before it
// forgets those of windows before the one it is given.
const openBatchesPrune = 4096

// get returns the remembered Temporal run id of batch wfID, or "".
func (o *openBatches) get(wfID string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.runs[wfID].runID
}

// put remembers runID as the execution of batch wfID, of the window
// starting at window.
func (o *openBatches) put(wfID, runID string, window time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.runs == nil {
		o.runs = map[string]openBatch{}
	}
	if _, ok := o.runs[wfID]; !ok && len(o.runs) >= openBatchesPrune {
		for id, b := range o.runs {
			if b.window.Before(window) {
				delete(o.runs, id)
			}
		}
	}
	o.runs[wfID] = openBatch{runID: runID, window: window}
}

// forget drops runID as batch wfID's execution (unless another has
// replaced it meanwhile).
func (o *openBatches) forget(wfID, runID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.runs[wfID].runID == runID {
		delete(o.runs, wfID)
	}
}

// signalIdentity names this process in the signals it sends itself, as the
// SDK's client names it in those it sends.
var signalIdentity = func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@", os.Getpid(), host)
}()

// signalOpen sends signal (BatchRunsSignal) to the execution runID of
// batch wfID. It reports ended when that execution no longer runs.
//
// The request carries no request id, unlike the SDK's SignalWorkflow: a
// request id makes Temporal keep a row per signal for the life of the
// execution (signals_requested_sets) to drop a repeated request, and a
// repeated batch signal is harmless already, since the batch's claim takes
// each run once.
func (r *Runs) signalOpen(ctx context.Context, wfID, runID string, signal BatchRuns) (ended bool, err error) {
	input, err := converter.GetDefaultDataConverter().ToPayloads(signal)
	if err != nil {
		return false, fmt.Errorf("encoding the runs for batch %s: %w", wfID, err)
	}
	_, err = r.Client.WorkflowService().SignalWorkflowExecution(ctx, &workflowservice.SignalWorkflowExecutionRequest{
		Namespace:         r.Namespace,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: wfID, RunId: runID},
		SignalName:        BatchRunsSignal,
		Input:             input,
		Identity:          signalIdentity,
	})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return true, nil
	}
	return false, err
}
