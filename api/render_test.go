package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestRenderConfig(t *testing.T) {
	e := newEnv(t, nil)
	body := map[string]any{
		"type": "http",
		"config": map[string]any{
			"method": "POST",
			"url":    "https://chat.example.com/hooks?flow={{ flow_name }}",
			"auth":   map[string]any{"type": "bearer", "credential": "chat-token"},
			"body":   map[string]any{"type": "json", "json": map[string]any{"text": "{{ operation_type }} on {{ data.host }}", "count": "{{ data.count }}"}},
		},
		"context": map[string]any{
			"flow": map[string]any{"id": "f1", "name": "Ops alerts", "version": 2},
			"data": map[string]any{"operation_type": "sync", "host": "db-1", "count": 3},
		},
	}
	var got struct {
		Config struct {
			URL  string `json:"url"`
			Auth struct {
				Credential string `json:"credential"`
			} `json:"auth"`
			Body struct {
				JSON struct {
					Text  string          `json:"text"`
					Count json.RawMessage `json:"count"`
				} `json:"json"`
			} `json:"body"`
		} `json:"config"`
	}
	e.do("POST", "/api/v1/render", body).want(t, http.StatusOK).decode(t, &got)
	if got.Config.URL != "https://chat.example.com/hooks?flow=Ops alerts" {
		t.Errorf("url = %q", got.Config.URL)
	}
	if got.Config.Body.JSON.Text != "sync on db-1" || string(got.Config.Body.JSON.Count) != "3" {
		t.Errorf("body = %+v, want the text interpolated and the count kept a number", got.Config.Body.JSON)
	}
	// Credentials are named, never resolved.
	if got.Config.Auth.Credential != "chat-token" {
		t.Errorf("credential = %q", got.Config.Auth.Credential)
	}
	if len(e.runs.started) != 0 {
		t.Errorf("rendering started %d runs", len(e.runs.started))
	}
}

func TestRenderConfigHidesInlineSecret(t *testing.T) {
	e := newEnv(t, nil)
	rec := e.do("POST", "/api/v1/render", map[string]any{
		"type":   "http",
		"config": map[string]any{"url": "https://x.example/", "auth": map[string]any{"type": "bearer", "secret": "s3cr3t-value"}},
	}).want(t, http.StatusOK)
	if strings.Contains(rec.Body.String(), "s3cr3t-value") || strings.Contains(rec.Body.String(), "inline-secret:") {
		t.Errorf("the answer shows the secret or its stand-in: %s", rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), `"credential":"[REDACTED]"`) {
		t.Errorf("the answer does not mark the secret as redacted: %s", rec.Body.String())
	}
}

func TestRenderConfigProblems(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name    string
		body    string
		pointer string
	}{
		{"unknown connector", `{"type": "smtp", "config": {}}`, "/type"},
		{"config not an object", `{"type": "http", "config": []}`, "/config"},
		{"unknown field", `{"type": "http", "config": {}, "extra": 1}`, "/extra"},
		{"bad context", `{"type": "http", "config": {}, "context": {"nope": 1}}`, "/context"},
		{"malformed template", `{"type": "http", "config": {"url": "https://x/{{ data. }}"}}`, "/config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := e.do("POST", "/api/v1/render", c.body).want(t, http.StatusUnprocessableEntity).problem(t)
			found := false
			for _, pr := range p.Errors {
				found = found || pr.Pointer == c.pointer
			}
			if !found {
				t.Errorf("problems %+v, want one at %s", p.Errors, c.pointer)
			}
		})
	}
	e.do("POST", "/api/v1/render", `{"type": `).want(t, http.StatusBadRequest).problem(t)
}
