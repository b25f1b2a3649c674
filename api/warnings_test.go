package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/flowline/flowline/flows"
)

// warnedDoc is valid but has two likely mistakes: a modifier that does not
// exist and a field the flow object does not have.
const warnedDoc = `{"name": "w", "trigger": {"type": "manual"},
  "steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "https://example.com/{{ flow.nme }}",
    "body": {"type": "raw", "raw": "{\"text\": {{ note | jsn }}}", "content_type": "application/json"}}}]}`

// TestFlowWarnings: validate answers valid with the warnings beside it;
// create, PUT and publish carry them; a document without any has an empty
// list at validate and no warnings field elsewhere.
func TestFlowWarnings(t *testing.T) {
	e := newEnv(t, nil)
	want := []flows.Warning{
		{Pointer: "/steps/0/config/body/raw", Message: `unknown template modifier "jsn" in {{ note | jsn }} is ignored; known modifiers: json, urlpath, urlquery`},
		{Pointer: "/steps/0/config/url", Message: `{{ flow.nme }} is always empty: flow has no field "nme"; it has id, name, version`},
	}
	check := func(what string, got []flows.Warning) {
		t.Helper()
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s warnings = %q, want %q", what, got, want)
		}
	}
	var v struct {
		Valid    bool            `json:"valid"`
		Warnings []flows.Warning `json:"warnings"`
	}
	e.do("POST", "/api/v1/flows/validate", warnedDoc).want(t, http.StatusOK).decode(t, &v)
	if !v.Valid {
		t.Error("valid = false")
	}
	check("validate", v.Warnings)

	var f struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Warnings []flows.Warning `json:"warnings"`
	}
	e.do("POST", "/api/v1/flows", warnedDoc).want(t, http.StatusCreated).decode(t, &f)
	if f.ID == "" || f.Name != "w" {
		t.Errorf("flow fields lost beside the warnings: %+v", f)
	}
	check("create", f.Warnings)
	e.do("PUT", "/api/v1/flows/"+f.ID, warnedDoc).want(t, http.StatusOK).decode(t, &f)
	check("PUT", f.Warnings)
	var p struct {
		Flow     json.RawMessage `json:"flow"`
		Version  json.RawMessage `json:"version"`
		Warnings []flows.Warning `json:"warnings"`
	}
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &p)
	check("publish", p.Warnings)

	var clean map[string]json.RawMessage
	e.do("POST", "/api/v1/flows/validate", validDoc).want(t, http.StatusOK).decode(t, &clean)
	if string(clean["warnings"]) != "[]" {
		t.Errorf("validate of a clean document: warnings = %s, want []", clean["warnings"])
	}
	var created map[string]json.RawMessage
	e.do("POST", "/api/v1/flows", validDoc).want(t, http.StatusCreated).decode(t, &created)
	if _, ok := created["warnings"]; ok || created["id"] == nil {
		t.Errorf("create of a clean document: warnings %s, id %s", created["warnings"], created["id"])
	}
}
