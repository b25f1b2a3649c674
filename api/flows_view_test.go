package api

import (
	"net/http"
	"testing"
)

// TestWebhookURL: the flow object of a webhook flow carries the URL that
// triggers it, built from the public URL; other flows carry none.
func TestWebhookURL(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.PublicURL = "https://flows.example.com/" })
	var f flowJSON
	var raw map[string]any
	r := e.do("POST", "/api/v1/flows", hookDoc(``)).want(t, http.StatusCreated)
	r.decode(t, &f)
	r.decode(t, &raw)
	want := "https://flows.example.com/hooks/" + f.ID
	if raw["webhook_url"] != want {
		t.Errorf("created webhook_url = %v, want %s", raw["webhook_url"], want)
	}
	for _, path := range []string{"/api/v1/flows/" + f.ID} {
		e.do("GET", path, nil).want(t, http.StatusOK).decode(t, &raw)
		if raw["webhook_url"] != want {
			t.Errorf("GET webhook_url = %v", raw["webhook_url"])
		}
	}
	var list struct {
		Flows []map[string]any `json:"flows"`
	}
	manual := e.createFlow()
	e.do("GET", "/api/v1/flows", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list.Flows) != 2 || list.Flows[0]["webhook_url"] != want {
		t.Errorf("list = %+v", list.Flows)
	}
	if _, ok := list.Flows[1]["webhook_url"]; ok || list.Flows[1]["id"] != manual.ID {
		t.Errorf("a manual flow has a webhook_url: %+v", list.Flows[1])
	}
	var pub struct {
		Flow map[string]any `json:"flow"`
	}
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK).decode(t, &pub)
	if pub.Flow["webhook_url"] != want || pub.Flow["id"] != f.ID {
		t.Errorf("publish flow = %+v", pub.Flow)
	}

	// Without a public URL, the host the request came to.
	e = newEnv(t, nil)
	req := e.request("POST", "/api/v1/flows", hookDoc(``))
	req.Host = "flowline.local:8080"
	e.send(req).want(t, http.StatusCreated).decode(t, &raw)
	if got, _ := raw["webhook_url"].(string); got != "http://flowline.local:8080/hooks/"+raw["id"].(string) {
		t.Errorf("webhook_url without a public URL = %q", got)
	}
}
