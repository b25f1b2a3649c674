package httpconn

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
)

// TestDeriveOutputRebuildsTheOutput: for every kind of answer whose
// record holds the whole body, DeriveOutput makes of the response record
// exactly the output the step produced; a record whose body was cut for
// the run's history cannot, and says so.
func TestDeriveOutputRebuildsTheOutput(t *testing.T) {
	answers := []struct {
		name        string
		contentType string
		body        string
		whole       bool
	}{
		{"json", "application/json; charset=utf-8", `{"id": "r-1", "n": [1, 2]}`, true},
		{"problem json", "application/problem+json", `{"title":"nope"}`, true},
		{"empty json", "application/json", "", true},
		{"invalid json", "application/json", `{"cut`, true},
		{"text", "text/plain", "hello\nworld", true},
		{"no content type", "", "plain", true},
		{"body past the record's limit", "application/json", `{"long":"` + strings.Repeat("x", recordBodyLimit) + `"}`, false},
	}
	c := New(loopbackOptions())
	defer c.Close()
	var _ connectors.OutputDeriver = c
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			srv, _ := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				if a.contentType != "" {
					w.Header().Set("Content-Type", a.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing
				}
				w.Header().Set("X-Request-Id", "abc")
				fmt.Fprint(w, a.body)
			})
			res, err := c.Execute(context.Background(), connectors.Request{RunID: "run-1", StepID: "s1", Attempt: 1,
				IdempotencyKey: "k", Config: mustJSON(t, map[string]any{"url": srv.URL})})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.DeriveOutput(res.Response)
			if ok != a.whole {
				t.Fatalf("DeriveOutput ok = %v, want %v (record %s)", ok, a.whole, res.Response)
			}
			if ok && string(got) != string(res.Output) {
				t.Errorf("DeriveOutput = %s\nwant the output %s", got, res.Output)
			}
		})
	}
	if _, ok := c.DeriveOutput([]byte(`not json`)); ok {
		t.Error("DeriveOutput read a record that is not JSON")
	}
}
