package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// PublishResult is the answer to POST /flows/{id}/publish: the flow as it
// now stands (published_version set, enabled) and the version just frozen,
// so a builder needs no second call to show either. Unchanged says the
// draft was the newest version already, which Version then is; Message
// says so in words.
type PublishResult struct {
	Flow      FlowInfo           `json:"flow"`
	Version   *store.FlowVersion `json:"version"`
	Unchanged bool               `json:"unchanged"`
	Message   string             `json:"message,omitempty"`
	// Warnings are likely mistakes that do not stop the flow (see
	// flows.AllWarnings); absent when there are none.
	Warnings []flows.Warning `json:"warnings,omitempty"`
}

// validDocument reads and validates a flow document from the body. It
// answers 400, 413 or 422 itself and then returns ok false.
func (s *server) validDocument(c *gin.Context) (raw []byte, doc *flows.Document, ok bool) {
	raw, err := s.readJSON(c, false)
	if err != nil {
		return nil, nil, false
	}
	doc, ok = s.validate(c, raw)
	return raw, doc, ok
}

// validate runs the validator over raw and answers 400 or 422 when the
// document is not valid.
func (s *server) validate(c *gin.Context, raw []byte) (*flows.Document, bool) {
	doc, problems, err := s.validator.Validate(raw)
	if err != nil {
		if errors.Is(err, flows.ErrMalformed) {
			problem(c, http.StatusBadRequest, err.Error())
			return nil, false
		}
		internalError(c, "validating the flow", err)
		return nil, false
	}
	if len(problems) > 0 {
		invalidDocument(c, problems)
		return nil, false
	}
	return doc, true
}

// storeError answers the HTTP form of a store error.
func storeError(c *gin.Context, action string, err error) {
	switch {
	case errors.Is(err, store.ErrNotPublished):
		problemf(c, http.StatusConflict, "flow %s has no published version; publish it first", c.Param("id"))
	case errors.Is(err, store.ErrNotFound):
		if n := c.Param("n"); n != "" {
			problemf(c, http.StatusNotFound, "flow %s has no version %s", c.Param("id"), n)
			return
		}
		problemf(c, http.StatusNotFound, "no flow with id %q", c.Param("id"))
	case errors.Is(err, store.ErrConflict):
		problem(c, http.StatusConflict, err.Error())
	default:
		internalError(c, action, err)
	}
}

func (s *server) createFlow(c *gin.Context) {
	raw, doc, ok := s.validDocument(c)
	if !ok {
		return
	}
	warnings, ok := s.catalogWarnings(c, doc)
	if !ok {
		return
	}
	f, err := s.store.CreateFlow(c.Request.Context(), doc.Name, raw)
	if err != nil {
		storeError(c, "creating the flow", err)
		return
	}
	c.Header("Location", BasePath+"/flows/"+f.ID)
	respond(c, http.StatusCreated, s.flowInfo(c, f, warnings...))
}

func (s *server) listFlows(c *gin.Context) {
	fs, err := s.store.ListFlows(c)
	if err != nil {
		storeError(c, "listing flows", err)
		return
	}
	out := make([]FlowInfo, len(fs))
	for i := range fs {
		out[i] = s.flowInfo(c, &fs[i])
	}
	respond(c, http.StatusOK, gin.H{"flows": out})
}

func (s *server) getFlow(c *gin.Context) {
	f, err := s.store.GetFlow(c.Request.Context(), c.Param("id"))
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	respond(c, http.StatusOK, s.flowInfo(c, f))
}

// updateFlow replaces the draft. An unknown flow is 404 before the body is
// judged: there is nothing to replace.
func (s *server) updateFlow(c *gin.Context) {
	id := c.Param("id")
	if _, err := s.store.GetFlow(c.Request.Context(), id); err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	raw, doc, ok := s.validDocument(c)
	if !ok {
		return
	}
	warnings, ok := s.catalogWarnings(c, doc)
	if !ok {
		return
	}
	f, err := s.store.UpdateDraft(c.Request.Context(), id, doc.Name, raw)
	if err != nil {
		storeError(c, "updating the flow", err)
		return
	}
	respond(c, http.StatusOK, s.flowInfo(c, f, warnings...))
}

// deleteFlow removes the flow's schedule first, so that a failure leaves the
// flow in place to delete again rather than a schedule with no flow.
func (s *server) deleteFlow(c *gin.Context) {
	if !s.deleteSchedule(c, c.Param("id")) {
		return
	}
	if err := s.store.DeleteFlow(c.Request.Context(), c.Param("id")); err != nil {
		storeError(c, "deleting the flow", err)
		return
	}
	c.Status(http.StatusNoContent)
	c.Writer.WriteHeaderNow()
}

// validateFlow answers 200 {"valid": true, "warnings": […]} (warnings
// always present, maybe empty) or the problems.
func (s *server) validateFlow(c *gin.Context) {
	_, doc, ok := s.validDocument(c)
	if !ok {
		return
	}
	warnings, ok := s.catalogWarnings(c, doc)
	if !ok {
		return
	}
	if warnings == nil {
		warnings = []flows.Warning{}
	}
	respond(c, http.StatusOK, gin.H{"valid": true, "warnings": warnings})
}

// publishFlow validates the stored draft again, with the validator of this
// process (connectors or rules may have changed since it was saved), then
// freezes it as the next version and enables the flow. It answers 200 with
// a PublishResult: {"flow": {…}, "version": {…}}.
//
// Publishing is all or nothing: the schedule (for a schedule trigger; any
// other trigger removes it) is made first, paused, for the version about
// to be frozen; then the version is stored; then the schedule is pointed
// at the version stored (a concurrent publish may have taken the number)
// and unpaused. No run starts from a document that is not frozen. If
// Temporal refuses the schedule, nothing is published; if storing fails,
// the schedule is put back as it was.
func (s *server) publishFlow(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	before, err := s.store.GetFlow(ctx, id)
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	doc, ok := s.validate(c, before.Draft)
	if !ok || s.missingCredentials(c, doc) || s.publishUnchanged(c, before) {
		return
	}
	warnings, ok := s.catalogWarnings(c, doc)
	if !ok {
		return
	}
	next := 1
	if before.PublishedVersion != nil {
		next = *before.PublishedVersion + 1
	}
	if !s.prepareSchedule(c, id, next, doc) {
		return
	}
	v, f, err := s.store.Publish(ctx, id, before.Draft)
	if err != nil {
		s.restoreSchedule(c, id, before)
		storeError(c, "publishing the flow", err)
		return
	}
	if !s.releaseSchedule(c, f, v, doc) {
		return
	}
	respond(c, http.StatusOK, PublishResult{Flow: s.flowInfo(c, f), Version: v, Warnings: warnings})
}

func (s *server) listVersions(c *gin.Context) {
	vs, err := s.store.ListVersions(c.Request.Context(), c.Param("id"))
	if err != nil {
		storeError(c, "listing versions", err)
		return
	}
	if vs == nil {
		vs = []store.FlowVersion{}
	}
	respond(c, http.StatusOK, gin.H{"versions": vs})
}

func (s *server) getVersion(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		problemf(c, http.StatusBadRequest, "version %q is not a positive integer", c.Param("n"))
		return
	}
	v, err := s.store.GetVersion(c.Request.Context(), c.Param("id"), n)
	if err != nil {
		storeError(c, "reading the version", err)
		return
	}
	respond(c, http.StatusOK, v)
}
