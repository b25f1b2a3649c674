package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestFlowLifecycle(t *testing.T) {
	e := newEnv(t, nil)

	created := e.createFlow()
	if created.ID == "" || created.Name != "Sync errors to chat" || created.PublishedVersion != nil || created.Enabled {
		t.Fatalf("created flow = %+v", created)
	}
	var draft map[string]any
	if err := json.Unmarshal(created.Draft, &draft); err != nil || draft["name"] != "Sync errors to chat" {
		t.Fatalf("draft = %s (%v), want the document", created.Draft, err)
	}

	var got flowJSON
	e.do("GET", "/api/v1/flows/"+created.ID, nil).want(t, http.StatusOK).decode(t, &got)
	if got.ID != created.ID || string(got.Draft) != string(created.Draft) {
		t.Errorf("GET flow = %+v, want %+v", got, created)
	}
	if n := e.countFlows(); n != 1 {
		t.Errorf("listed %d flows, want 1", n)
	}

	// Enabling before the first publish is a conflict.
	e.do("POST", "/api/v1/flows/"+created.ID+"/enable", nil).want(t, http.StatusConflict).problem(t)

	renamed := strings.Replace(validDoc, "Sync errors to chat", "Renamed", 1)
	var updated flowJSON
	e.do("PUT", "/api/v1/flows/"+created.ID, renamed).want(t, http.StatusOK).decode(t, &updated)
	if updated.Name != "Renamed" {
		t.Errorf("updated name = %q, want Renamed", updated.Name)
	}

	var pub struct {
		Flow    flowJSON `json:"flow"`
		Version struct {
			Version   int             `json:"version"`
			Document  json.RawMessage `json:"document"`
			CreatedAt string          `json:"created_at"`
		} `json:"version"`
	}
	e.do("POST", "/api/v1/flows/"+created.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &pub)
	if pub.Version.Version != 1 || pub.Flow.PublishedVersion == nil || *pub.Flow.PublishedVersion != 1 || !pub.Flow.Enabled {
		t.Fatalf("publish answered %+v", pub)
	}
	if !strings.Contains(string(pub.Version.Document), `"Renamed"`) || pub.Version.CreatedAt == "" {
		t.Errorf("published version = %+v", pub.Version)
	}
	e.do("PUT", "/api/v1/flows/"+created.ID, strings.Replace(renamed, `"Renamed"`, `"Renamed again"`, 1)).want(t, http.StatusOK)
	e.do("POST", "/api/v1/flows/"+created.ID+"/publish", nil).want(t, http.StatusOK)

	var versions struct {
		Versions []struct {
			Version   int             `json:"version"`
			CreatedAt string          `json:"created_at"`
			Document  json.RawMessage `json:"document"`
		} `json:"versions"`
	}
	e.do("GET", "/api/v1/flows/"+created.ID+"/versions", nil).want(t, http.StatusOK).decode(t, &versions)
	if len(versions.Versions) != 2 || versions.Versions[0].Version != 1 || versions.Versions[1].Version != 2 {
		t.Fatalf("versions = %+v, want 1 and 2", versions)
	}
	var v1 struct {
		Version  int             `json:"version"`
		Document json.RawMessage `json:"document"`
	}
	e.do("GET", "/api/v1/flows/"+created.ID+"/versions/1", nil).want(t, http.StatusOK).decode(t, &v1)
	if v1.Version != 1 || len(v1.Document) == 0 {
		t.Errorf("version 1 = %+v", v1)
	}
	e.do("GET", "/api/v1/flows/"+created.ID+"/versions/3", nil).want(t, http.StatusNotFound).problem(t)
	e.do("GET", "/api/v1/flows/"+created.ID+"/versions/x", nil).want(t, http.StatusBadRequest).problem(t)

	var toggled flowJSON
	e.do("POST", "/api/v1/flows/"+created.ID+"/disable", nil).want(t, http.StatusOK).decode(t, &toggled)
	if toggled.Enabled {
		t.Errorf("disabled flow is enabled")
	}
	e.do("POST", "/api/v1/flows/"+created.ID+"/enable", nil).want(t, http.StatusOK).decode(t, &toggled)
	if !toggled.Enabled {
		t.Errorf("enabled flow is disabled")
	}

	rec := e.do("DELETE", "/api/v1/flows/"+created.ID, nil).want(t, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("204 body = %q", rec.Body.String())
	}
	e.do("GET", "/api/v1/flows/"+created.ID, nil).want(t, http.StatusNotFound).problem(t)
	e.do("DELETE", "/api/v1/flows/"+created.ID, nil).want(t, http.StatusNotFound).problem(t)
	if n := e.countFlows(); n != 0 {
		t.Errorf("listed %d flows after delete, want 0", n)
	}
}

func TestUnknownFlow(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/flows/nope", ""},
		{"PUT", "/api/v1/flows/nope", validDoc},
		{"POST", "/api/v1/flows/nope/publish", ""},
		{"POST", "/api/v1/flows/nope/enable", ""},
		{"POST", "/api/v1/flows/nope/disable", ""},
		{"GET", "/api/v1/flows/nope/versions", ""},
		{"GET", "/api/v1/flows/nope/versions/1", ""},
		{"POST", "/api/v1/flows/nope/runs", "{}"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		e.do(c.method, c.path, body).want(t, http.StatusNotFound).problem(t)
	}
}

// twoProblems breaks two rules at once: no name, and a step id that does
// not match the pattern.
const twoProblems = `{
  "trigger": {"type": "manual"},
  "steps": [{"id": "Bad-Id", "type": "http", "config": {"method": "GET", "url": "https://example.com"}}]
}`

func TestInvalidDocumentStoresNothing(t *testing.T) {
	e := newEnv(t, nil)
	p := e.do("POST", "/api/v1/flows", twoProblems).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) < 2 {
		t.Fatalf("errors = %+v, want every problem (at least 2)", p.Errors)
	}
	pointers := map[string]bool{}
	for _, pr := range p.Errors {
		pointers[pr.Pointer] = true
		if pr.Message == "" {
			t.Errorf("problem at %q has no message", pr.Pointer)
		}
	}
	if !pointers["/steps/0/id"] {
		t.Errorf("no problem at /steps/0/id in %+v", p.Errors)
	}
	if n := e.countFlows(); n != 0 {
		t.Errorf("listed %d flows after an invalid create, want 0", n)
	}

	vp := e.do("POST", "/api/v1/flows/validate", twoProblems).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(vp.Errors) != len(p.Errors) {
		t.Errorf("validate gave %d problems, create %d", len(vp.Errors), len(p.Errors))
	}
	var valid struct {
		Valid bool `json:"valid"`
	}
	e.do("POST", "/api/v1/flows/validate", validDoc).want(t, http.StatusOK).decode(t, &valid)
	if !valid.Valid {
		t.Errorf("validate answered %v", valid)
	}

	// An invalid replacement leaves the draft as it was.
	f := e.createFlow()
	e.do("PUT", "/api/v1/flows/"+f.ID, twoProblems).want(t, http.StatusUnprocessableEntity).problem(t)
	var got flowJSON
	e.do("GET", "/api/v1/flows/"+f.ID, nil).want(t, http.StatusOK).decode(t, &got)
	if string(got.Draft) != string(f.Draft) {
		t.Errorf("draft changed by an invalid PUT: %s", got.Draft)
	}
}

func TestMalformedJSON(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/api/v1/flows", "/api/v1/flows/validate"} {
		p := e.do("POST", path, "{\n  \"name\": \"x\",\n  oops\n}").want(t, http.StatusBadRequest).problem(t)
		if !strings.Contains(p.Detail, "line 3") {
			t.Errorf("%s: detail %q does not say where the JSON broke", path, p.Detail)
		}
		e.do("POST", path, "").want(t, http.StatusBadRequest).problem(t)
		e.do("POST", path, `{"name": "x"} trailing`).want(t, http.StatusBadRequest).problem(t)
	}
	if n := e.countFlows(); n != 0 {
		t.Errorf("listed %d flows, want 0", n)
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxBodyBytes = 256 })
	big := strings.Replace(validDoc, `"trigger"`, `"description": "`+strings.Repeat("x", 512)+`", "trigger"`, 1)
	e.do("POST", "/api/v1/flows", big).want(t, http.StatusRequestEntityTooLarge).problem(t)

	// Without a Content-Length the limit holds while reading.
	req := e.request("POST", "/api/v1/flows", big)
	req.ContentLength = -1
	e.send(req).want(t, http.StatusRequestEntityTooLarge).problem(t)

	if n := e.countFlows(); n != 0 {
		t.Errorf("listed %d flows, want 0", n)
	}
}

func TestPublishRevalidatesDraft(t *testing.T) {
	e := newEnv(t, nil)
	f := e.createFlow()
	// A draft that no longer passes (as after a connector schema change)
	// is refused at publish.
	if _, err := e.store.UpdateDraft(t.Context(), f.ID, "x", []byte(twoProblems)); err != nil {
		t.Fatal(err)
	}
	p := e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) < 2 {
		t.Errorf("errors = %+v", p.Errors)
	}
	var got flowJSON
	e.do("GET", "/api/v1/flows/"+f.ID, nil).want(t, http.StatusOK).decode(t, &got)
	if got.PublishedVersion != nil || got.Enabled {
		t.Errorf("flow published anyway: %+v", got)
	}
}
