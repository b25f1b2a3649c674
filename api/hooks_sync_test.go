package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// A sync webhook whose run failed without any step response answers 502
// with the run's id and status only: the step error goes to the log, not
// to a caller who may be anyone.
func TestSyncHookFailureHidesTheError(t *testing.T) {
	const stepError = "step a: POST https://internal.example/x answered 500 Internal Server Error"
	var logs bytes.Buffer
	e := newEnv(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.runs.failWith = stepError
	id := e.publishHook(hookDoc(`, "respond": "sync"`))
	req := e.request("POST", "/hooks/"+id, `{}`)
	req.Header.Del("Authorization")
	rec := e.send(req).want(t, http.StatusBadGateway)
	p := rec.problem(t)
	if len(e.runs.started) != 1 {
		t.Fatalf("started %d runs", len(e.runs.started))
	}
	runID := e.runs.started[0].RunID
	if p.Detail != "run "+runID+" failed" || strings.Contains(rec.Body.String(), "internal.example") {
		t.Errorf("answer %s, want the run id and status only", rec.Body.String())
	}
	if out := logs.String(); !strings.Contains(out, "internal.example") || !strings.Contains(out, runID) {
		t.Errorf("log %q, want the run's error", out)
	}
}
