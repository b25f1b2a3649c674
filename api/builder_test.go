package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/ui"
)

// TestBuilderMounted checks that the API serves the builder at "/", its
// assets, and its page to browsers navigating to a screen, while API
// clients still get problems and the token never guards the page.
func TestBuilderMounted(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.APIToken = "t0ken" })
	get := func(path, accept string) response {
		req := e.requestFrom("GET", path, nil, false)
		req.Header.Del("Authorization")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return e.send(req)
	}
	page := get("/", "").want(t, http.StatusOK)
	if !strings.Contains(page.Body.String(), `<div id="app">`) || page.Header().Get("Content-Security-Policy") != ui.CSP {
		t.Fatalf("GET / is not the builder: %s", page.Body.String())
	}
	asset := strings.Split(strings.Split(page.Body.String(), `src="`)[1], `"`)[0]
	if rec := get(asset, ""); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s = %d %q", asset, rec.Code, rec.Header().Get("Content-Type"))
	}
	if get("/flows/abc/versions", "text/html,*/*").want(t, http.StatusOK).Body.String() != page.Body.String() {
		t.Errorf("a navigation to a screen does not get the page")
	}
	get("/elsewhere", "application/json").want(t, http.StatusNotFound).problem(t)
	get("/assets/000000000000/app/main.js", "").want(t, http.StatusNotFound)
	// API paths and webhooks never fall back to the page.
	get("/api/v1/nothing", "text/html").want(t, http.StatusUnauthorized)
	get("/hooks/x/y", "text/html").want(t, http.StatusNotFound).problem(t)
}
