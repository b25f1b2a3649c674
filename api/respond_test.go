package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestAnswersAreNotHTMLEscaped: a draft's URL with "&" and "<" comes back
// as written, not as "\u0026" and "\u003c" (answers are JSON, not HTML).
func TestAnswersAreNotHTMLEscaped(t *testing.T) {
	e := newEnv(t, nil)
	const url = "https://x.example/?a=1&b=<2>"
	r := e.do("POST", "/api/v1/flows", `{"name": "Escapes", "trigger": {"type": "manual"},
		"steps": [{"id": "a", "type": "http", "config": {"method": "GET", "url": "`+url+`"}}]}`).want(t, http.StatusCreated)
	if body := r.Body.String(); !strings.Contains(body, `"url":"`+url+`"`) || strings.HasSuffix(body, "\n") {
		t.Errorf("answer %q, want the URL as written and no trailing newline", body)
	}
}
