package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ErrRunNotFound is returned for a run id that names no workflow.
var ErrRunNotFound = errors.New("run not found")

// ErrBadPageToken is returned for a page token that is not one a listing
// handed out.
var ErrBadPageToken = errors.New("bad page token")

// Run is a run as the run service reports it (the API has its own JSON
// shape of it). WorkflowID names the execution that carries it: its own
// workflow or its batch; TemporalUIURL opens that execution, or is empty
// when no UI is known.
type Run struct {
	RunID         string
	WorkflowID    string
	FlowID        string
	FlowVersion   int
	Status        string
	StartedAt     time.Time
	ClosedAt      *time.Time
	TemporalUIURL string
}

// RunDetail is a run with its trigger and step results.
type RunDetail struct {
	Run
	Trigger TriggerInput
	Steps   []StepResult
	Error   string
}

// RunFilter narrows ListRuns.
type RunFilter struct {
	FlowID    string
	Status    string
	PageSize  int
	PageToken string
}

// Runs is the Temporal side of the run service (see Executions): it
// starts and inspects workflows through a Temporal client.
type Runs struct {
	Client    client.Client
	Namespace string
	TaskQueue string
	// UIBaseURL, when set, is used to build temporal_ui_url links.
	UIBaseURL string

	open openBatches // the batch executions signalled, by workflow id
}

// On returns a run service like r that starts workflows on taskQueue.
func (r *Runs) On(taskQueue string) *Runs {
	return &Runs{Client: r.Client, Namespace: r.Namespace, TaskQueue: taskQueue, UIBaseURL: r.UIBaseURL}
}

// Start starts a run of in and returns it once Temporal has recorded it.
func (r *Runs) Start(ctx context.Context, in RunInput) (*Run, error) {
	run, _, err := r.start(ctx, in)
	return run, err
}

// StartOwn starts run in's own workflow, or finds the one started before
// (a retried hand-off), and returns its Temporal run id.
func (r *Runs) StartOwn(ctx context.Context, in RunInput) (string, error) {
	_, temporalRunID, err := r.start(ctx, in)
	return temporalRunID, err
}

// start starts a run and also returns the Temporal run id of its workflow:
// the new one, or the existing one when the run was started before.
func (r *Runs) start(ctx context.Context, in RunInput) (*Run, string, error) {
	wfID := WorkflowID(in.RunID)
	in.Shape = RunShape
	sa := runSearchAttributes(in)
	we, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       wfID,
		TaskQueue:                r.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(sa...),
		Memo:                     map[string]any{"flow_name": in.FlowName},
		// A worker of this process (all roles in one, or a batch handing
		// a run off) takes the first workflow task from the start's
		// answer, skipping the trip through matching; elsewhere the
		// option does nothing.
		EnableEagerStart: true,
	}, WorkflowType, in.Packed()) // the payload once; the workflow reads either form
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			return nil, "", fmt.Errorf("starting run %s: %w", in.RunID, err)
		}
		desc, err := r.Client.DescribeWorkflowExecution(ctx, wfID, "")
		if err != nil {
			return nil, "", notFound(in.RunID, err)
		}
		run := r.fromInfo(in.RunID, desc.GetWorkflowExecutionInfo())
		return &run, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), nil
	}
	return &Run{
		RunID: in.RunID, WorkflowID: wfID, FlowID: in.FlowID, FlowVersion: in.Version,
		Status: StatusRunning, StartedAt: in.StartedAt,
		TemporalUIURL: r.UIURL(wfID, we.GetRunID()),
	}, we.GetRunID(), nil
}

// runSearchAttributes are the search attributes of a run's own workflow.
func runSearchAttributes(in RunInput) []temporal.SearchAttributeUpdate {
	sa := []temporal.SearchAttributeUpdate{
		SAFlowID.ValueSet(in.FlowID),
		SAFlowVersion.ValueSet(int64(in.Version)),
		SATrigger.ValueSet(in.Trigger.Type),
		SARunIDs.ValueSet([]string{in.RunID}),
	}
	if in.Trigger.ID != "" {
		sa = append(sa, SATriggerID.ValueSet(in.Trigger.ID), SATriggerIDs.ValueSet([]string{in.Trigger.ID}))
	}
	return sa
}

// Get describes one run with its step results.
func (r *Runs) Get(ctx context.Context, runID string) (*RunDetail, error) {
	wfID := WorkflowID(runID)
	desc, err := r.Client.DescribeWorkflowExecution(ctx, wfID, "")
	if err != nil {
		return nil, notFound(runID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	d := &RunDetail{Run: r.fromInfo(runID, info)}
	in, err := r.input(ctx, runID)
	if err != nil {
		return nil, err
	}
	d.Trigger = in.Trigger
	res, runErr, err := r.result(ctx, wfID, info)
	if err != nil {
		return nil, err
	}
	d.Error = runErr
	if res != nil {
		d.Steps = res.Steps
	}
	if d.Steps == nil {
		d.Steps = []StepResult{}
	}
	return d, nil
}

// result reads a closed run's result (or failure details), or asks a
// running one for its steps so far.
func (r *Runs) result(ctx context.Context, wfID string, info executionInfo) (*RunResult, string, error) {
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		var res RunResult
		// A query needs a worker; don't hang the API when none is polling.
		qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		v, err := r.Client.QueryWorkflow(qctx, wfID, "", StepsQuery)
		if err != nil || v.Get(&res) != nil {
			// No worker has picked the run up yet: nothing ran so far.
			return &RunResult{}, "", nil
		}
		return &res, "", nil
	}
	iter := r.Client.GetWorkflowHistory(ctx, wfID, info.GetExecution().GetRunId(), false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	dc := converter.GetDefaultDataConverter()
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, "", fmt.Errorf("reading history of %s: %w", wfID, err)
		}
		var res RunResult
		if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			if p := a.GetResult(); p != nil && len(p.Payloads) > 0 {
				if err := dc.FromPayloads(p, &res); err != nil {
					return nil, "", fmt.Errorf("decoding result of %s: %w", wfID, err)
				}
			}
			return &res, "", nil
		}
		if a := ev.GetWorkflowExecutionFailedEventAttributes(); a != nil {
			f := a.GetFailure()
			if det := f.GetApplicationFailureInfo().GetDetails(); det != nil && len(det.Payloads) > 0 {
				_ = dc.FromPayloads(det, &res)
			}
			return &res, f.GetMessage(), nil
		}
		if a := ev.GetWorkflowExecutionCanceledEventAttributes(); a != nil {
			// The steps so far travel as the cancellation's details.
			if det := a.GetDetails(); det != nil && len(det.Payloads) > 0 {
				_ = dc.FromPayloads(det, &res)
			}
			return &res, "canceled", nil
		}
		if a := ev.GetWorkflowExecutionTimedOutEventAttributes(); a != nil {
			return &RunResult{}, "timed out", nil
		}
		if a := ev.GetWorkflowExecutionTerminatedEventAttributes(); a != nil {
			return &RunResult{}, "terminated: " + a.GetReason(), nil
		}
	}
	return &RunResult{}, "", nil
}

// input reads the input of runID's own workflow from its first history
// event.
func (r *Runs) input(ctx context.Context, runID string) (*RunInput, error) {
	wfID := WorkflowID(runID)
	iter := r.Client.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !iter.HasNext() {
		return nil, fmt.Errorf("reading history of %s: no events", wfID)
	}
	ev, err := iter.Next()
	if err != nil {
		return nil, notFound(runID, err)
	}
	var in RunInput
	p := ev.GetWorkflowExecutionStartedEventAttributes().GetInput()
	if err := converter.GetDefaultDataConverter().FromPayloads(p, &in); err != nil {
		return nil, fmt.Errorf("decoding input of %s: %w", wfID, err)
	}
	return &in, nil
}

// List lists runs from Temporal visibility, newest first.
func (r *Runs) List(ctx context.Context, f RunFilter) ([]Run, string, error) {
	q := []string{fmt.Sprintf("WorkflowType = '%s'", WorkflowType)}
	if f.FlowID != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", SAFlowID.GetName(), escapeQuery(f.FlowID)))
	}
	if f.Status != "" {
		st, ok := statusQuery[f.Status]
		if !ok {
			return nil, "", fmt.Errorf("listing runs: unknown status %q (want one of running, succeeded, failed, canceled, terminated, timed_out)", f.Status)
		}
		q = append(q, "ExecutionStatus = '"+st+"'")
	}
	var token []byte
	if f.PageToken != "" {
		var err error
		if token, err = base64.RawURLEncoding.DecodeString(f.PageToken); err != nil {
			return nil, "", fmt.Errorf("listing runs: %w: %w", ErrBadPageToken, err)
		}
	}
	size := f.PageSize
	if size <= 0 || size > 1000 {
		size = 100
	}
	resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: r.Namespace, PageSize: int32(size), NextPageToken: token,
		Query: strings.Join(q, " AND "),
	})
	if err != nil {
		var invalid *serviceerror.InvalidArgument
		if f.PageToken != "" && errors.As(err, &invalid) {
			return nil, "", fmt.Errorf("listing runs: %w: %w", ErrBadPageToken, err)
		}
		return nil, "", fmt.Errorf("listing runs: %w", err)
	}
	runs := make([]Run, 0, len(resp.Executions))
	for _, info := range resp.Executions {
		runID, ok := RunIDOfWorkflow(info.GetExecution().GetWorkflowId())
		if !ok {
			continue // not a run's workflow (the query asks for FlowRun only)
		}
		runs = append(runs, r.fromInfo(runID, info))
	}
	return runs, base64.RawURLEncoding.EncodeToString(resp.NextPageToken), nil
}

// ErrRunFinished is returned for a request that only a running run
// answers, such as a cancel, made to a run that has ended; the error is a
// *FinishedError.
var ErrRunFinished = errors.New("run has finished")

// FinishedError says that a run has ended, and how.
type FinishedError struct {
	RunID  string
	Status string
}

// Error implements error.
func (e *FinishedError) Error() string { return fmt.Sprintf("run %s is %s", e.RunID, e.Status) }

// Is makes errors.Is(err, ErrRunFinished) hold.
func (e *FinishedError) Is(target error) bool { return target == ErrRunFinished }

// Cancel asks a run to stop; a run that has ended is a *FinishedError.
func (r *Runs) Cancel(ctx context.Context, runID string) error {
	wfID := WorkflowID(runID)
	closed := func() error {
		desc, err := r.Client.DescribeWorkflowExecution(ctx, wfID, "")
		if err != nil {
			return notFound(runID, err)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return &FinishedError{RunID: runID, Status: statusName(st)}
		}
		return nil
	}
	if err := closed(); err != nil {
		return err
	}
	if err := r.Client.CancelWorkflow(ctx, wfID, ""); err != nil {
		if cerr := closed(); cerr != nil { // it ended meanwhile
			return cerr
		}
		return notFound(runID, err)
	}
	return nil
}

// Input reads the input runID's own workflow started with.
func (r *Runs) Input(ctx context.Context, runID string) (*RunInput, error) {
	return r.input(ctx, runID)
}

// executionInfo is what describe and list answers share.
type executionInfo interface {
	GetExecution() *commonpb.WorkflowExecution
	GetStatus() enumspb.WorkflowExecutionStatus
	GetSearchAttributes() *commonpb.SearchAttributes
	GetStartTime() *timestamppb.Timestamp
	GetCloseTime() *timestamppb.Timestamp
}

func (r *Runs) fromInfo(runID string, info executionInfo) Run {
	run := Run{
		RunID:      runID,
		WorkflowID: info.GetExecution().GetWorkflowId(),
		Status:     statusName(info.GetStatus()),
		StartedAt:  info.GetStartTime().AsTime().UTC(),
	}
	if ct := info.GetCloseTime(); ct != nil && info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t := ct.AsTime().UTC()
		run.ClosedAt = &t
	}
	dc := converter.GetDefaultDataConverter()
	fields := info.GetSearchAttributes().GetIndexedFields()
	if p, ok := fields[SAFlowID.GetName()]; ok {
		_ = dc.FromPayload(p, &run.FlowID)
	}
	if p, ok := fields[SAFlowVersion.GetName()]; ok {
		var v int64
		_ = dc.FromPayload(p, &v)
		run.FlowVersion = int(v)
	}
	run.TemporalUIURL = r.UIURL(run.WorkflowID, info.GetExecution().GetRunId())
	return run
}

// UIURL links the Temporal UI page of one workflow execution, or is empty
// when no UI is known.
func (r *Runs) UIURL(wfID, temporalRunID string) string {
	if r.UIBaseURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", strings.TrimRight(r.UIBaseURL, "/"),
		url.PathEscape(r.Namespace), url.PathEscape(wfID), url.PathEscape(temporalRunID))
}

var statusQuery = map[string]string{
	StatusRunning: "Running", StatusSucceeded: "Completed", StatusFailed: "Failed",
	StatusCanceled: "Canceled", StatusTerminated: "Terminated", StatusTimedOut: "TimedOut",
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return StatusSucceeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return StatusFailed
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return StatusCanceled
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return StatusTerminated
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return StatusTimedOut
	default:
		return StatusRunning
	}
}

func notFound(runID string, err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("run %s: %w", runID, ErrRunNotFound)
	}
	return fmt.Errorf("reading run %s: %w", runID, err)
}

func escapeQuery(s string) string { return strings.ReplaceAll(s, "'", "\\'") }
