package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/engine"
)

func TestManualRun(t *testing.T) {
	e := newEnv(t, nil)
	f := e.createFlow()

	// Not yet published: nothing to run.
	e.do("POST", "/api/v1/flows/"+f.ID+"/runs", `{}`).want(t, http.StatusConflict).problem(t)

	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	// A later draft edit must not reach the run: runs take the published
	// version.
	e.do("PUT", "/api/v1/flows/"+f.ID, strings.Replace(validDoc, "Sync errors to chat", "Edited", 1)).want(t, http.StatusOK)
	// Disabled flows still run when asked by hand.
	e.do("POST", "/api/v1/flows/"+f.ID+"/disable", nil).want(t, http.StatusOK)

	var run Run
	e.do("POST", "/api/v1/flows/"+f.ID+"/runs", `{"message": "disk full", "n": 2}`).
		want(t, http.StatusAccepted).decode(t, &run)
	if len(e.runs.started) != 1 {
		t.Fatalf("Start called %d times, want 1", len(e.runs.started))
	}
	in := e.runs.started[0]
	if run.RunID != in.RunID || !strings.HasPrefix(in.RunID, f.ID+"-") {
		t.Errorf("run id %q, started %q, want a run id of flow %s", run.RunID, in.RunID, f.ID)
	}
	if in.FlowID != f.ID || in.Version != 1 || in.FlowName != "Sync errors to chat" || in.StartedAt.IsZero() {
		t.Errorf("RunInput = %+v", in)
	}
	if in.Document.Name != "Sync errors to chat" || len(in.Document.Steps) != 1 || in.Document.Steps[0].ID != "notify" {
		t.Errorf("Document = %+v, want the published version", in.Document)
	}
	if in.Trigger.Type != "manual" {
		t.Errorf("trigger type = %q, want manual", in.Trigger.Type)
	}
	const want = `{"message":"disk full","n":2}`
	if string(in.Trigger.Body) != want || string(in.Trigger.Data) != want {
		t.Errorf("trigger body = %s, data = %s, want %s", in.Trigger.Body, in.Trigger.Data, want)
	}

	// An empty body is {}.
	e.do("POST", "/api/v1/flows/"+f.ID+"/runs", nil).want(t, http.StatusAccepted)
	if got := e.runs.started[1].Trigger.Body; string(got) != `{}` {
		t.Errorf("empty body became %s, want {}", got)
	}
	e.do("POST", "/api/v1/flows/"+f.ID+"/runs", `{"a":`).want(t, http.StatusBadRequest).problem(t)
	if len(e.runs.started) != 2 {
		t.Errorf("malformed payload started a run")
	}
}

func TestRunCalls(t *testing.T) {
	e := newEnv(t, nil)
	e.runs.known["known-1"] = true
	e.runs.flowOf = map[string]string{"known-1": e.createFlow().ID, "orphan-1": "f-deleted"}
	e.runs.known["orphan-1"] = true
	e.runs.finished = map[string]string{"orphan-1": engine.StatusSucceeded}

	var detail RunDetail
	e.do("GET", "/api/v1/runs/known-1", nil).want(t, http.StatusOK).decode(t, &detail)
	if detail.RunID != "known-1" {
		t.Errorf("run = %+v", detail)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/runs/missing"},
		{"POST", "/api/v1/runs/missing/cancel"},
		{"POST", "/api/v1/runs/missing/retry"},
	} {
		e.do(c.method, c.path, nil).want(t, http.StatusNotFound).problem(t)
	}

	var canceled map[string]string
	e.do("POST", "/api/v1/runs/known-1/cancel", nil).want(t, http.StatusAccepted).decode(t, &canceled)
	if canceled["run_id"] != "known-1" || canceled["status"] != "canceling" || len(e.runs.cancels) != 1 {
		t.Errorf("cancel answered %v, recorded %v", canceled, e.runs.cancels)
	}
	var retried Run
	e.do("POST", "/api/v1/runs/known-1/retry", nil).want(t, http.StatusAccepted).decode(t, &retried)
	if retried.RunID != "known-1-again" || len(e.runs.retries) != 1 {
		t.Errorf("retry answered %+v, recorded %v", retried, e.runs.retries)
	}

	// A run that has ended cannot be canceled; one whose flow was deleted
	// cannot be retried.
	p := e.do("POST", "/api/v1/runs/orphan-1/cancel", nil).want(t, http.StatusConflict).problem(t)
	if p.Detail != "run orphan-1 has already ended (succeeded); only a running run can be canceled" {
		t.Errorf("cancel of a finished run: %q", p.Detail)
	}
	p = e.do("POST", "/api/v1/runs/orphan-1/retry", nil).want(t, http.StatusConflict).problem(t)
	if p.Detail != "run orphan-1 belongs to flow f-deleted, which was deleted; it cannot be retried" {
		t.Errorf("retry of a run of a deleted flow: %q", p.Detail)
	}
	if len(e.runs.cancels) != 1 || len(e.runs.retries) != 1 {
		t.Errorf("cancels %v, retries %v: the refused calls reached the run service", e.runs.cancels, e.runs.retries)
	}

	var list struct {
		Runs          []engine.Run `json:"runs"`
		NextPageToken *string      `json:"next_page_token"`
	}
	e.do("GET", "/api/v1/runs?flow_id=f1&status=failed&page_size=5&page_token="+sealPageToken("tok"), nil).
		want(t, http.StatusOK).decode(t, &list)
	if len(list.Runs) != 1 || list.NextPageToken == nil || *list.NextPageToken != sealPageToken("next") {
		t.Errorf("list = %+v", list)
	}
	want := engine.RunFilter{FlowID: "f1", Status: "failed", PageSize: 5, PageToken: "tok"}
	if got := e.runs.filters[0]; got != want {
		t.Errorf("filter = %+v, want %+v", got, want)
	}
	e.do("GET", "/api/v1/runs?status=bogus", nil).want(t, http.StatusBadRequest).problem(t)
	e.do("GET", "/api/v1/runs?page_size=-1", nil).want(t, http.StatusBadRequest).problem(t)
}

// TestBadPageTokens holds that a page_token no listing handed out is a 400
// problem before anything reaches the run service, whatever it looks like.
func TestBadPageTokens(t *testing.T) {
	e := newEnv(t, nil)
	for _, tok := range []string{"tok", "not-a-token", "%25ff", "eyJ2Ijoienp6In0", sealPageToken("next") + "x", sealPageToken("next")[1:]} {
		p := e.do("GET", "/api/v1/runs?page_token="+tok, nil).want(t, http.StatusBadRequest).problem(t)
		if !strings.Contains(p.Detail, "page_token") {
			t.Errorf("page_token %q: detail %q", tok, p.Detail)
		}
	}
	if len(e.runs.filters) != 0 {
		t.Errorf("bad tokens reached the run service: %+v", e.runs.filters)
	}
}

func TestRunsUnavailable(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Runs = nil })
	e.do("GET", "/api/v1/runs", nil).want(t, http.StatusServiceUnavailable).problem(t)
}

func TestRunListJSONShape(t *testing.T) {
	data, err := json.Marshal(RunList{Runs: []Run{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"runs":[],"next_page_token":null}` {
		t.Errorf("empty list = %s", data)
	}
}
