package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestRepublishUnchanged: publishing a draft identical to the newest
// version makes no new version and says so; a changed draft does.
func TestRepublishUnchanged(t *testing.T) {
	e := newEnv(t, nil)
	f := e.createFlow()
	type result struct {
		Flow struct {
			PublishedVersion *int `json:"published_version"`
			Enabled          bool `json:"enabled"`
		} `json:"flow"`
		Version struct {
			Version int `json:"version"`
		} `json:"version"`
		Unchanged bool   `json:"unchanged"`
		Message   string `json:"message"`
	}
	var first, again result
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &first)
	if first.Unchanged || first.Version.Version != 1 || first.Message != "" {
		t.Fatalf("first publish %+v", first)
	}
	// The same document, spaced and ordered differently, is unchanged.
	e.do("PUT", "/api/v1/flows/"+f.ID, strings.Replace(validDoc, "\n", "\n\n  ", -1)).want(t, http.StatusOK)
	e.do("POST", "/api/v1/flows/"+f.ID+"/disable", nil).want(t, http.StatusOK)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &again)
	if !again.Unchanged || again.Version.Version != 1 || *again.Flow.PublishedVersion != 1 || !again.Flow.Enabled ||
		!strings.Contains(again.Message, "identical to version 1") {
		t.Fatalf("republish %+v", again)
	}
	var versions struct {
		Versions []any `json:"versions"`
	}
	e.do("GET", "/api/v1/flows/"+f.ID+"/versions", nil).want(t, http.StatusOK).decode(t, &versions)
	if len(versions.Versions) != 1 {
		t.Fatalf("%d versions, want 1", len(versions.Versions))
	}
	e.do("PUT", "/api/v1/flows/"+f.ID, strings.Replace(validDoc, "Sync errors", "Sync failures", 1)).want(t, http.StatusOK)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &again)
	if again.Unchanged || again.Version.Version != 2 {
		t.Fatalf("changed publish %+v", again)
	}
}
