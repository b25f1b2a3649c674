package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestCredentialEndToEnd stores a credential through the API and runs a
// flow whose http step authenticates with it: the receiver gets the
// secret, the run's record does not.
func TestCredentialEndToEnd(t *testing.T) {
	t.Parallel()
	const secret = "chat-secret-0f1e2d3c4b5a"
	cfg := testConfig(t, t.TempDir(), false)
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}

	var cred struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	c.must(http.StatusCreated, "POST", "/api/v1/credentials", map[string]string{"name": "chat-token", "secret": secret}, &cred)
	if cred.ID == "" || cred.Name != "chat-token" {
		t.Fatalf("created credential %+v", cred)
	}

	url, got := receiver(t, func(int, received) (int, string) { return 200, `{"ok": true}` })
	flowID := c.publishFlow(fmt.Sprintf(`{
		"name": "Authenticated call",
		"trigger": {"type": "manual"},
		"steps": [
			{"id": "notify", "type": "http", "config": {
				"method": "POST", "url": "%s/notify",
				"auth": {"type": "bearer", "credential": "chat-token"},
				"body": {"type": "json", "json": {"text": "hello"}}}}
		]}`, url))
	runID := c.startRun(flowID, map[string]any{"message": "hi"})

	r := next(t, got)
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+secret {
		t.Errorf("receiver got Authorization %q, want the stored bearer token", auth)
	}
	d := c.waitRun(runID)
	if d.Status != "succeeded" {
		t.Fatalf("run %s: %+v", d.Status, d)
	}
	code, body := c.do("GET", "/api/v1/runs/"+runID, nil)
	if code != http.StatusOK || strings.Contains(string(body), secret) {
		t.Errorf("GET /runs/%s (%d) holds the secret: %s", runID, code, body)
	}
	for _, path := range []string{"/api/v1/credentials", "/api/v1/credentials/chat-token"} {
		if _, body := c.do("GET", path, nil); strings.Contains(string(body), secret) {
			t.Errorf("GET %s holds the secret: %s", path, body)
		}
	}

	// A credential a flow uses is deleted only by force; then the step
	// fails naming it, once.
	var inUse struct {
		UsedBy []struct {
			ID string `json:"id"`
		} `json:"used_by"`
	}
	c.must(http.StatusConflict, "DELETE", "/api/v1/credentials/"+cred.ID, nil, &inUse)
	if len(inUse.UsedBy) != 1 || inUse.UsedBy[0].ID != flowID {
		t.Errorf("409 lists %+v, want the flow %s", inUse.UsedBy, flowID)
	}
	c.must(http.StatusNoContent, "DELETE", "/api/v1/credentials/"+cred.ID+"?force=true", nil, nil)
	d = c.waitRun(c.startRun(flowID, map[string]any{}))
	if d.Status != "failed" || !strings.Contains(d.Error+fmt.Sprint(d.Steps), `auth: credential "chat-token" not found`) {
		t.Errorf("run without its credential: status %s, error %q, steps %+v", d.Status, d.Error, d.Steps)
	}
}
