package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// ScheduleService keeps a flow's Temporal Schedule in step with its newest
// published version and whether it is enabled. *engine.Schedules
// satisfies it.
type ScheduleService interface {
	// Sync creates, updates or pauses the flow's schedule, or removes it
	// when the flow's trigger is not a schedule.
	Sync(ctx context.Context, flowID string, version int, doc *flows.Document, enabled bool) error
	// Delete removes the flow's schedule, if any.
	Delete(ctx context.Context, flowID string) error
}

// deleteSchedule removes a deleted flow's schedule.
func (s *server) deleteSchedule(c *gin.Context, flowID string) bool {
	if s.schedules == nil {
		return true
	}
	if err := s.schedules.Delete(c.Request.Context(), flowID); err != nil {
		internalError(c, "deleting the flow's schedule", err)
		return false
	}
	return true
}

// prepareSchedule makes the schedule of a flow about to be published as
// version, paused: it may not fire before the version is stored (see
// releaseSchedule). When Temporal refuses, it answers 503 saying nothing
// was published and returns false.
func (s *server) prepareSchedule(c *gin.Context, flowID string, version int, doc *flows.Document) bool {
	if s.schedules == nil {
		return true
	}
	if err := s.schedules.Sync(c.Request.Context(), flowID, version, doc, false); err != nil {
		logger(c).Error("request failed", "action", "creating the flow's schedule", "route", c.FullPath(), "error", err)
		c.Header("Retry-After", "5")
		problemf(c, http.StatusServiceUnavailable, "the flow's schedule could not be made, so nothing was published (repeat the call to retry): %v", err)
		return false
	}
	return true
}

// releaseSchedule points the schedule made paused by prepareSchedule at
// the version actually stored and unpauses it when the flow is enabled.
// When Temporal refuses, it answers 500 and returns false: the version is
// published but its schedule stays paused until the flow is enabled again.
func (s *server) releaseSchedule(c *gin.Context, f *store.Flow, v *store.FlowVersion, doc *flows.Document) bool {
	if s.schedules == nil {
		return true
	}
	// The version is stored: a client hanging up must not leave it paused.
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.schedules.Sync(ctx, f.ID, v.Version, doc, f.Enabled); err != nil {
		internalError(c, fmt.Sprintf("starting the schedule of published version %d (it stays paused; enable the flow to retry)", v.Version), err)
		return false
	}
	return true
}

// restoreSchedule puts a flow's schedule back as it was before a publish
// that failed after prepareSchedule: as its newest published version
// stands, or removed if it has none. A failure is logged: the publish
// error is what the caller needs to see, and publishing again mends it.
func (s *server) restoreSchedule(c *gin.Context, flowID string, before *store.Flow) {
	if s.schedules == nil {
		return
	}
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.resyncSchedule(ctx, flowID, before); err != nil {
		logger(c).Error("restoring the flow's schedule after a failed publish", "flow_id", flowID, "error", err)
	}
}

// resyncSchedule makes the schedule match the flow's stored state as it
// stood in before.
func (s *server) resyncSchedule(ctx context.Context, flowID string, before *store.Flow) error {
	if before.PublishedVersion == nil {
		return s.schedules.Delete(ctx, flowID)
	}
	v, err := s.store.LatestVersion(ctx, flowID)
	if err != nil {
		return fmt.Errorf("restoring the schedule: %w", err)
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		return fmt.Errorf("restoring the schedule of version %d: %w", v.Version, err)
	}
	return s.schedules.Sync(ctx, flowID, v.Version, doc, before.Enabled)
}
