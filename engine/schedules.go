package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/flowline/flowline/flows"
)

// Schedules keeps one Temporal Schedule per flow with a schedule trigger,
// so that Temporal itself fires it and the schedule shows in the Temporal
// UI. Each firing starts a FlowScheduleFiring workflow, which starts the
// firing's run through the run service like any other trigger.
type Schedules struct {
	Client    client.Client
	TaskQueue string
}

// Sync makes the flow's schedule match its newest published version: created
// or updated (paused when the flow is disabled) for a schedule trigger, and
// removed for any other trigger. A firing while the previous firing is
// still starting its run is skipped by Temporal; one while a run of the
// flow is going starts none (FlowScheduleFiring). A schedule made by an
// older version (whose action starts FlowRun) gets today's action here.
func (s *Schedules) Sync(ctx context.Context, flowID string, version int, doc *flows.Document, enabled bool) error {
	if doc.Trigger.Type != flows.TriggerSchedule {
		return s.Delete(ctx, flowID)
	}
	spec, err := scheduleSpec(doc.Trigger)
	if err != nil {
		return err
	}
	action := s.firingAction(flowID, version, doc)
	sc := s.Client.ScheduleClient()
	_, err = sc.Create(ctx, client.ScheduleOptions{
		ID: ScheduleID(flowID), Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, Paused: !enabled,
		Note: pauseNote(enabled),
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("creating the schedule of flow %s: %w", flowID, err)
	}
	err = sc.GetHandle(ctx, ScheduleID(flowID)).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sch := in.Description.Schedule
			sch.Spec, sch.Action = &spec, action
			if sch.Policy == nil {
				sch.Policy = &client.SchedulePolicies{}
			}
			sch.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
			sch.State = &client.ScheduleState{Paused: !enabled, Note: pauseNote(enabled)}
			return &client.ScheduleUpdate{Schedule: &sch}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("updating the schedule of flow %s: %w", flowID, err)
	}
	return nil
}

// firingAction is what the flow's schedule starts at each firing: a
// FlowScheduleFiring workflow carrying the version's run input.
func (s *Schedules) firingAction(flowID string, version int, doc *flows.Document) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		// Temporal appends the firing time, so every firing's workflow id
		// is unique and still names the flow.
		ID:        FiringWorkflowID(flowID),
		Workflow:  FiringWorkflowType,
		TaskQueue: s.TaskQueue,
		// No run id nor time: the firing derives them from its workflow
		// id and start.
		Args: []any{NewRunInput(flowID, version, doc, "",
			TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerSchedule}}, time.Time{})},
		Memo: map[string]any{"flow_name": doc.Name},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			SAFlowID.ValueSet(flowID), SAFlowVersion.ValueSet(int64(version)), SATrigger.ValueSet(flows.TriggerSchedule)),
		StaticSummary: fmt.Sprintf("firing of flow %s (version %d): starts one run", doc.Name, version),
	}
}

// Upgrade gives the flow's schedule, if it was made by an older version
// (its action starts FlowRun), today's action for version, the newest
// published, keeping its spec, policies and state; it reports whether it
// changed it. A schedule already firing FlowScheduleFiring, or none at
// all, is left alone, so it is idempotent and never recreates the
// schedule of a flow deleted meanwhile. (The SDK's update sends no
// conflict token: a publish whose whole schedule update falls between
// this one's read and write would be overwritten by the older version;
// the window is one describe/update round trip, once, at startup.)
func (s *Schedules) Upgrade(ctx context.Context, flowID string, version int, doc *flows.Document) (bool, error) {
	if doc.Trigger.Type != flows.TriggerSchedule {
		return false, nil
	}
	action := s.firingAction(flowID, version, doc)
	changed := false
	err := s.Client.ScheduleClient().GetHandle(ctx, ScheduleID(flowID)).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sch := in.Description.Schedule
			if wa, ok := sch.Action.(*client.ScheduleWorkflowAction); ok && wa.Workflow == FiringWorkflowType {
				return nil, temporal.ErrSkipScheduleUpdate
			}
			sch.Action = action
			if sch.Policy == nil {
				sch.Policy = &client.SchedulePolicies{}
			}
			sch.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
			changed = true
			return &client.ScheduleUpdate{Schedule: &sch}, nil
		},
	})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("upgrading the schedule of flow %s: %w", flowID, err)
	}
	return changed, nil
}

// Delete removes the flow's schedule, if it has one. Past runs stay.
func (s *Schedules) Delete(ctx context.Context, flowID string) error {
	err := s.Client.ScheduleClient().GetHandle(ctx, ScheduleID(flowID)).Delete(ctx)
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("deleting the schedule of flow %s: %w", flowID, err)
	}
	return nil
}

// Describe reports whether the flow's schedule exists and is paused.
func (s *Schedules) Describe(ctx context.Context, flowID string) (exists, paused bool, err error) {
	d, err := s.Client.ScheduleClient().GetHandle(ctx, ScheduleID(flowID)).Describe(ctx)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("describing the schedule of flow %s: %w", flowID, err)
	}
	return true, d.Schedule.State != nil && d.Schedule.State.Paused, nil
}

func scheduleSpec(t flows.Trigger) (client.ScheduleSpec, error) {
	spec := client.ScheduleSpec{TimeZoneName: t.Timezone}
	if t.Timezone != "" {
		if _, err := time.LoadLocation(t.Timezone); err != nil {
			return spec, fmt.Errorf("schedule timezone %q: %w", t.Timezone, err)
		}
	}
	switch {
	case t.Cron != "":
		spec.CronExpressions = []string{t.Cron}
	case t.Every != "":
		d, err := time.ParseDuration(t.Every)
		if err != nil || d <= 0 {
			return spec, fmt.Errorf("schedule every %q: not a positive Go duration", t.Every)
		}
		spec.Intervals = []client.ScheduleIntervalSpec{{Every: d}}
	default:
		return spec, errors.New("schedule trigger has neither cron nor every")
	}
	return spec, nil
}

func pauseNote(enabled bool) string {
	if enabled {
		return ""
	}
	return "flow disabled in Flowline"
}
