package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// maxPageSize bounds page_size on GET /runs.
const maxPageSize = 1000

// runStatuses are the statuses GET /runs filters by.
var runStatuses = map[string]bool{
	engine.StatusRunning: true, engine.StatusSucceeded: true, engine.StatusFailed: true,
	engine.StatusCanceled: true, engine.StatusTerminated: true, engine.StatusTimedOut: true,
}

// RunList is the answer to GET /runs. NextPageToken is null on the last page.
type RunList struct {
	Runs          []Run   `json:"runs"`
	NextPageToken *string `json:"next_page_token"`
}

// CancelResult is the answer to POST /runs/{run_id}/cancel: cancellation
// was requested, and the run reports "canceled" once it has stopped.
type CancelResult struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}

// runService returns the run service, or answers 503 when there is none
// (an API started without Temporal).
func (s *server) runService(c *gin.Context) (RunService, bool) {
	if s.runs == nil {
		problem(c, http.StatusServiceUnavailable, "runs are not available: this server has no connection to Temporal")
		return nil, false
	}
	return s.runs, true
}

// runError answers the HTTP form of a run service error.
func runError(c *gin.Context, action string, err error) {
	if errors.Is(err, engine.ErrRunNotFound) {
		problemf(c, http.StatusNotFound, "no run with id %q", c.Param("run_id"))
		return
	}
	internalError(c, action, err)
}

// startRun starts a manual run of the flow's newest published version. The
// body, any JSON value ({} when empty), becomes trigger.body and data.
// Disabled flows may be run by hand: disabling stops triggers from reacting,
// while a manual run is a person asking explicitly.
func (s *server) startRun(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	id := c.Param("id")
	f, err := s.store.GetFlow(c.Request.Context(), id)
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	if f.PublishedVersion == nil {
		problemf(c, http.StatusConflict, "flow %s has no published version; publish it first", id)
		return
	}
	payload, err := s.readJSON(c, true)
	if err != nil {
		return
	}
	if payload == nil {
		payload = []byte("{}")
	}
	v, err := s.store.LatestVersion(c.Request.Context(), id)
	if err != nil {
		storeError(c, "reading the published version", err)
		return
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		internalError(c, "reading the published version", err)
		return
	}
	body := json.RawMessage(payload)
	in := engine.NewRunInput(id, v.Version, doc, engine.NewRunID(id),
		engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerManual, Body: body}, Data: body}, time.Now().UTC())
	if fits, _ := inputFits(c, in, nil); !fits {
		return
	}
	run, err := runs.Start(c.Request.Context(), in)
	if err != nil {
		internalError(c, "starting the run", err)
		return
	}
	respond(c, http.StatusAccepted, runJSON(run))
}

func (s *server) listRuns(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	f := engine.RunFilter{FlowID: c.Query("flow_id"), Status: c.Query("status")}
	if tok := c.Query("page_token"); tok != "" {
		inner, err := openPageToken(tok)
		if err != nil {
			problemf(c, http.StatusBadRequest, "page_token %q is not one a listing handed out; start again without it", tok)
			return
		}
		f.PageToken = inner
	}
	if f.Status != "" && !runStatuses[f.Status] {
		problemf(c, http.StatusBadRequest, "status %q is not one of running, succeeded, failed, canceled, terminated, timed_out", f.Status)
		return
	}
	if ps := c.Query("page_size"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > maxPageSize {
			problemf(c, http.StatusBadRequest, "page_size %q is not an integer from 1 to %d", ps, maxPageSize)
			return
		}
		f.PageSize = n
	}
	page, next, err := runs.List(c.Request.Context(), f)
	if errors.Is(err, engine.ErrBadPageToken) {
		problemf(c, http.StatusBadRequest, "page_token %q is not one a listing handed out; start again without it", c.Query("page_token"))
		return
	}
	if err != nil {
		internalError(c, "listing runs", err)
		return
	}
	out := RunList{Runs: runsJSON(page)}
	if next != "" {
		sealed := sealPageToken(next)
		out.NextPageToken = &sealed
	}
	respond(c, http.StatusOK, out)
}

func (s *server) getRun(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	run, err := runs.Get(c.Request.Context(), c.Param("run_id"))
	if err != nil {
		runError(c, "reading the run", err)
		return
	}
	respond(c, http.StatusOK, detailJSON(run))
}

func (s *server) cancelRun(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	id := c.Param("run_id")
	status, err := runs.Cancel(c.Request.Context(), id)
	if err != nil {
		var fin *engine.FinishedError
		if errors.As(err, &fin) {
			problemf(c, http.StatusConflict, "run %s has already ended (%s); only a running run can be canceled", id, fin.Status)
			return
		}
		runError(c, "canceling the run", err)
		return
	}
	if status != engine.StatusCanceled {
		status = "canceling"
	}
	respond(c, http.StatusAccepted, CancelResult{RunID: id, Status: status})
}

// retryRun starts a new run with the input of the given one: the same
// pinned version and trigger, even if the flow was edited since.
func (s *server) retryRun(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	d, err := runs.Get(ctx, c.Param("run_id"))
	if err != nil {
		runError(c, "retrying the run", err)
		return
	}
	// A run repeats its pinned version, but not of a flow that is gone:
	// deleting a flow ends its runs.
	if _, ferr := s.store.GetFlow(ctx, d.FlowID); errors.Is(ferr, store.ErrNotFound) {
		problemf(c, http.StatusConflict, "run %s belongs to flow %s, which was deleted; it cannot be retried", c.Param("run_id"), d.FlowID)
		return
	} else if ferr != nil {
		internalError(c, "reading the run's flow", ferr)
		return
	}
	run, err := runs.Retry(ctx, c.Param("run_id"))
	if err != nil {
		runError(c, "retrying the run", err)
		return
	}
	respond(c, http.StatusAccepted, runJSON(run))
}
