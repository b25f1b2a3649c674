package api

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
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

// syncSchedule brings the flow's schedule in line after a publish or an
// enable/disable. It answers 500 and returns false when Temporal refused;
// the flow itself is already stored, and repeating the call mends it.
func (s *server) syncSchedule(c *gin.Context, flowID string, version int, doc *flows.Document, enabled bool) bool {
	if s.schedules == nil {
		return true
	}
	if err := s.schedules.Sync(c.Request.Context(), flowID, version, doc, enabled); err != nil {
		internalError(c, "updating the flow's schedule (repeat the call to retry)", err)
		return false
	}
	return true
}

// syncScheduleOfLatest syncs the schedule of a published flow from its
// newest version.
func (s *server) syncScheduleOfLatest(c *gin.Context, flowID string, enabled bool) bool {
	if s.schedules == nil {
		return true
	}
	v, err := s.store.LatestVersion(c.Request.Context(), flowID)
	if err != nil {
		storeError(c, "reading the published version", err)
		return false
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		internalError(c, "reading the published version", err)
		return false
	}
	return s.syncSchedule(c, flowID, v.Version, doc, enabled)
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
