package httpconn

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flowline/flowline/connectors"
)

var benchConfigs = map[string]string{
	"get": `{"url": "https://api.example.com/v1/items?page=2", "query": {"q": "flow", "tags": ["a", "b"]}, "headers": {"X-Source": "flowline"}}`,
	"json": `{"method": "POST", "url": "https://chat.example.com/hooks/abc", "headers": {"X-Source": "flowline"},
		"query": {"flow": "Sync errors"}, "auth": {"type": "bearer", "credential": "token"},
		"body": {"type": "json", "json": {"text": "Sync errors: disk full", "blocks": [{"type": "section", "text": null, "fields": [1, 2, 3]}]}},
		"skip_nulls": true, "timeout": "15s"}`,
	"form":      `{"method": "POST", "url": "https://x.example/form", "body": {"type": "form", "fields": {"a": "1", "b": ["2", "3"], "c": null}}}`,
	"multipart": `{"method": "POST", "url": "https://x.example/upload", "body": {"type": "multipart", "parts": [{"name": "a", "value": "1"}, {"name": "f[]", "file": [{"content_base64": "aGVsbG8gd29ybGQ=", "filename": "a.txt"}]}]}}`,
	"signed":    `{"method": "POST", "url": "https://x.example/hook", "auth": {"type": "webhook_signature", "credential": "whsec"}, "body": {"type": "json", "json": {"event": "x"}}}`,
}

// BenchmarkPrepare measures building a request (decode, validate, body,
// URL, headers, auth, record) without sending it.
func BenchmarkPrepare(b *testing.B) {
	c := New(loopbackOptions())
	for name, raw := range benchConfigs {
		b.Run(name, func(b *testing.B) {
			req := connectors.Request{IdempotencyKey: "k", Config: json.RawMessage(raw)}
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := parseConfig(req.Config)
				if err != nil {
					b.Fatal(err)
				}
				pr, err := c.prepare(context.Background(), cfg, req)
				if err != nil {
					b.Fatal(err)
				}
				_ = pr.record()
			}
		})
	}
}

// BenchmarkExecute measures a whole attempt against a local server over a
// reused connection.
func BenchmarkExecute(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c := New(loopbackOptions())
	req := connectors.Request{IdempotencyKey: "k", Config: mustJSON(b, map[string]any{
		"method": "POST", "url": srv.URL, "body": map[string]any{"type": "json", "json": map[string]any{"a": 1}},
	})}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Execute(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
