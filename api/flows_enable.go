package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

func (s *server) enableFlow(c *gin.Context)  { s.setEnabled(c, true) }
func (s *server) disableFlow(c *gin.Context) { s.setEnabled(c, false) }

// setEnabled answers the flow; enabling one never published is 409.
func (s *server) setEnabled(c *gin.Context, enabled bool) {
	before, err := s.store.GetFlow(c.Request.Context(), c.Param("id"))
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	if f, ok := s.changeEnabled(c, before, enabled); ok {
		respond(c, http.StatusOK, s.flowInfo(c, f))
	}
}

// changeEnabled enables or disables the flow stored as before and returns
// it as it now stands. For a flow whose newest version has a schedule
// trigger it is all or nothing, like publishing: when Temporal refuses to
// resume or pause the schedule, the flag stays (or goes back to) what it
// was and the answer is 503 (enableScheduled, disableScheduled). Other
// flows have no schedule, so only their flag is stored. Repeating the
// call makes flag and schedule match whatever a failed call left. It
// answers errors itself and then returns ok false.
func (s *server) changeEnabled(c *gin.Context, before *store.Flow, enabled bool) (*store.Flow, bool) {
	sched, ok := s.scheduleOf(c, before)
	switch {
	case !ok:
		return nil, false
	case sched == nil:
		return s.storeEnabled(c, before.ID, enabled)
	case enabled:
		return s.enableScheduled(c, before, sched)
	default:
		return s.disableScheduled(c, before, sched)
	}
}

// scheduledVersion is the newest published version of a flow whose
// trigger is a schedule.
type scheduledVersion struct {
	version int
	doc     *flows.Document
}

// scheduleOf returns the newest published version of the flow f when
// its trigger is a schedule (and schedules are kept), else nil. It
// answers errors itself and then returns ok false.
func (s *server) scheduleOf(c *gin.Context, f *store.Flow) (*scheduledVersion, bool) {
	if s.schedules == nil || f.PublishedVersion == nil {
		return nil, true
	}
	v, err := s.store.LatestVersion(c.Request.Context(), f.ID)
	if err != nil {
		storeError(c, "reading the published version", err)
		return nil, false
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		internalError(c, "reading the published version", fmt.Errorf("version %d: %w", v.Version, err))
		return nil, false
	}
	if doc.Trigger.Type != flows.TriggerSchedule {
		return nil, true
	}
	return &scheduledVersion{version: v.Version, doc: doc}, true
}

// storeEnabled stores the flag alone.
func (s *server) storeEnabled(c *gin.Context, flowID string, enabled bool) (*store.Flow, bool) {
	f, err := s.store.SetEnabled(c.Request.Context(), flowID, enabled)
	if err != nil {
		storeError(c, "changing whether the flow is enabled", err)
		return nil, false
	}
	return f, true
}

// enableScheduled stores the flag first and only then resumes the
// schedule, so the schedule never fires for a flow still disabled. When
// Temporal refuses, the flag goes back to what it was (the schedule,
// which Temporal did not change, stays paused) and the answer is 503.
func (s *server) enableScheduled(c *gin.Context, before *store.Flow, sched *scheduledVersion) (*store.Flow, bool) {
	f, ok := s.storeEnabled(c, before.ID, true)
	if !ok {
		return nil, false
	}
	if err := s.schedules.Sync(c.Request.Context(), before.ID, sched.version, sched.doc, true); err != nil {
		scheduleRefused(c, "resumed", before, err, s.restoreEnabled(c, before))
		return nil, false
	}
	return f, true
}

// disableScheduled pauses the schedule first and only then stores the
// flag, so the schedule never fires for a disabled flow. When Temporal
// refuses the pause nothing was changed and the answer is 503; when
// storing the flag fails the schedule is resumed again (disableStoreFailed).
func (s *server) disableScheduled(c *gin.Context, before *store.Flow, sched *scheduledVersion) (*store.Flow, bool) {
	if err := s.schedules.Sync(c.Request.Context(), before.ID, sched.version, sched.doc, false); err != nil {
		scheduleRefused(c, "paused", before, err, nil)
		return nil, false
	}
	f, err := s.store.SetEnabled(c.Request.Context(), before.ID, false)
	if err != nil {
		s.disableStoreFailed(c, before, err)
		return nil, false
	}
	return f, true
}

// restoreEnabled puts the flag back as it was before an enable whose
// schedule could not be resumed: it disables the flow again, unless it
// was enabled before (then the call changed no flag). It goes on when the
// client hung up: the flag must not stay changed.
func (s *server) restoreEnabled(c *gin.Context, before *store.Flow) error {
	if before.Enabled {
		return nil
	}
	ctx := context.WithoutCancel(c.Request.Context())
	if _, err := s.store.SetEnabled(ctx, before.ID, false); err != nil {
		return fmt.Errorf("disabling the flow again: %w", err)
	}
	return nil
}

// disableStoreFailed answers a disable whose flag could not be stored
// after the schedule was paused: the schedule is put back as the stored
// flag has it (resumed, for a flow that was enabled; a flow deleted
// meanwhile has no schedule left to resume). Should that fail too, it is
// logged and the detail says the flow is left enabled with its schedule
// paused until the call is repeated.
func (s *server) disableStoreFailed(c *gin.Context, before *store.Flow, err error) {
	if !before.Enabled || errors.Is(err, store.ErrNotFound) {
		storeError(c, "disabling the flow", err)
		return
	}
	ctx := context.WithoutCancel(c.Request.Context())
	rerr := s.resyncSchedule(ctx, before.ID, before)
	if rerr == nil {
		storeError(c, "disabling the flow", err)
		return
	}
	logger(c).Error("resuming the flow's schedule after a failed disable", "flow_id", before.ID, "error", rerr)
	internalError(c, fmt.Sprintf("disabling the flow (its schedule, paused first, could not be resumed either: %v; the flow is left enabled with its schedule paused until the call is repeated)", rerr), err)
}

// scheduleRefused answers 503 with Retry-After when Temporal refused to
// make the flow's schedule be state ("resumed", "paused"): nothing was
// changed and repeating the call retries. restoreErr is why the flag
// could not be put back, if it could not: the detail then says the flow
// is left half changed until the call is repeated.
func scheduleRefused(c *gin.Context, state string, before *store.Flow, err, restoreErr error) {
	logger(c).Error("request failed", "action", "making the flow's schedule "+state, "route", c.FullPath(), "error", err)
	c.Header("Retry-After", "5")
	if restoreErr == nil {
		problemf(c, http.StatusServiceUnavailable, "the flow's schedule could not be %s, so nothing was changed (repeat the call to retry): %v", state, err)
		return
	}
	logger(c).Error("restoring the flow after its schedule was refused", "flow_id", before.ID, "error", restoreErr)
	problemf(c, http.StatusServiceUnavailable, "the flow's schedule could not be %s, and the flow could not be put back as it was (%v): it is left enabled with its schedule paused until the call is repeated: %v", state, restoreErr, err)
}
