package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// HookSyncTimeout bounds how long a webhook with respond "sync" waits for
// its run; a run still going then is answered 202 with the run, as async.
const HookSyncTimeout = 30 * time.Second

// hookResponse is a trigger's response block (schemas/flow.schema.json,
// $defs/webhook_response).
type hookResponse struct {
	Status  json.RawMessage   `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// stepRecord is the response record of a step as runs report it.
type stepRecord struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// respondSync waits for run to end and answers the trigger's response
// rendered over the finished run, or by default the last step's response.
func (s *server) respondSync(c *gin.Context, runs RunService, doc *flows.Document, run *engine.Run) {
	d, err := waitRun(c.Request.Context(), runs, run.RunID, s.syncTimeout)
	if err != nil {
		internalError(c, "waiting for the run", err)
		return
	}
	if d == nil || d.Status == engine.StatusRunning {
		respond(c, http.StatusAccepted, hookRun(run))
		return
	}
	if len(doc.Trigger.Response) == 0 {
		defaultSyncResponse(c, d)
		return
	}
	var resp hookResponse
	if err := json.Unmarshal(doc.Trigger.Response, &resp); err != nil {
		internalError(c, "reading the webhook response", err)
		return
	}
	rc, err := syncContext(doc, d)
	if err != nil {
		internalError(c, "building the webhook response", err)
		return
	}
	if err := writeSyncResponse(c, resp, rc); err != nil {
		internalError(c, "rendering the webhook response", err)
	}
}

// waitRun polls the run until it ends or timeout passes; nil means the
// run could not be read in time.
func waitRun(ctx context.Context, runs RunService, runID string, timeout time.Duration) (*engine.RunDetail, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A run of its own is answered the moment its workflow closes; the
	// reads below then find it ended (and poll a run without one). The
	// wait stops short of the timeout so a run still going is read.
	wctx, wcancel := context.WithTimeout(ctx, max(timeout-time.Second, timeout/2))
	_ = runs.AwaitEnd(wctx, runID) // its end is only a hint: the reads decide
	wcancel()
	delay := 50 * time.Millisecond
	var last *engine.RunDetail
	for {
		d, err := runs.Get(ctx, runID)
		if err == nil {
			last = d
			if d.Status != engine.StatusRunning {
				return d, nil
			}
		} else if ctx.Err() == nil {
			return nil, fmt.Errorf("reading run %s: %w", runID, err)
		}
		select {
		case <-ctx.Done():
			return last, nil
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// defaultSyncResponse answers the last step's response: its status, its
// Content-Type and its body as recorded. A run without any response is
// answered with its id and status: 200 when it succeeded, else 502. The
// caller may be anyone, so a failed run's error is logged, not answered.
func defaultSyncResponse(c *gin.Context, d *engine.RunDetail) {
	for i := len(d.Steps) - 1; i >= 0; i-- {
		var rec stepRecord
		if len(d.Steps[i].Response) == 0 || json.Unmarshal(d.Steps[i].Response, &rec) != nil || rec.Status == 0 {
			continue
		}
		ct := rec.Headers["content-type"]
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		c.Data(rec.Status, ct, []byte(rec.Body))
		return
	}
	if d.Status == engine.StatusSucceeded {
		respond(c, http.StatusOK, hookRun(&d.Run))
		return
	}
	logger(c).Warn("sync webhook run did not succeed", "run_id", d.RunID, "flow_id", d.FlowID, "status", d.Status, "error", d.Error)
	problemf(c, http.StatusBadGateway, "run %s %s", d.RunID, d.Status)
}

// syncContext is the run context the response templates read: the run's
// context with each step's response as steps.<id> (status, headers, body
// parsed when JSON), and run.status and run.error.
func syncContext(doc *flows.Document, d *engine.RunDetail) ([]byte, error) {
	steps := map[string]json.RawMessage{}
	for _, st := range d.Steps {
		var rec stepRecord
		if len(st.Response) == 0 || json.Unmarshal(st.Response, &rec) != nil {
			continue
		}
		out, err := json.Marshal(struct {
			Status  int               `json:"status"`
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}{rec.Status, rec.Headers, recordBody(rec)})
		if err != nil {
			return nil, fmt.Errorf("encoding step %s: %w", st.ID, err)
		}
		steps[st.ID] = out
	}
	ctx := struct {
		Flow flows.FlowInfo `json:"flow"`
		Run  struct {
			ID        string    `json:"id"`
			StartedAt time.Time `json:"started_at"`
			Status    string    `json:"status"`
			Error     string    `json:"error,omitempty"`
		} `json:"run"`
		Trigger flows.TriggerInfo          `json:"trigger"`
		Data    json.RawMessage            `json:"data,omitempty"`
		Steps   map[string]json.RawMessage `json:"steps"`
	}{Flow: flows.FlowInfo{ID: d.FlowID, Name: doc.Name, Version: d.FlowVersion},
		Trigger: d.Trigger.TriggerInfo, Data: d.Trigger.Data, Steps: steps}
	ctx.Run.ID, ctx.Run.StartedAt, ctx.Run.Status, ctx.Run.Error = d.RunID, d.StartedAt, d.Status, d.Error
	b, err := json.Marshal(ctx)
	if err != nil {
		return nil, fmt.Errorf("encoding run context: %w", err)
	}
	return b, nil
}

// recordBody is a recorded body as templates see it: the JSON value when
// the response was JSON, else the text.
func recordBody(rec stepRecord) json.RawMessage {
	if mt, _, err := mime.ParseMediaType(rec.Headers["content-type"]); err == nil &&
		(mt == "application/json" || strings.HasSuffix(mt, "+json")) && json.Valid([]byte(rec.Body)) {
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(rec.Body)) == nil {
			return buf.Bytes()
		}
	}
	b, _ := json.Marshal(rec.Body)
	return b
}

// writeSyncResponse renders resp over rc and answers it. A body that
// renders to a string is sent as text/plain, any other JSON value as
// application/json, unless the headers set Content-Type.
func writeSyncResponse(c *gin.Context, resp hookResponse, rc []byte) error {
	status := http.StatusOK
	if len(resp.Status) > 0 {
		rendered, err := flows.Render(resp.Status, rc)
		if err != nil {
			return err
		}
		text := strings.Trim(string(rendered), `"`)
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil || n < 100 || n > 599 {
			return fmt.Errorf("status %s is not an HTTP status code", rendered)
		}
		status = n
	}
	for name, value := range resp.Headers {
		v, err := flows.RenderString(value, rc)
		if err != nil {
			return err
		}
		c.Header(name, v)
	}
	if len(resp.Body) == 0 {
		c.Status(status)
		return nil
	}
	body, err := flows.Render(resp.Body, rc)
	if err != nil {
		return err
	}
	ct := c.Writer.Header().Get("Content-Type")
	var text string
	if json.Unmarshal(body, &text) == nil {
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		c.Data(status, ct, []byte(text))
		return nil
	}
	if ct == "" {
		ct = "application/json; charset=utf-8"
	}
	c.Data(status, ct, body)
	return nil
}
