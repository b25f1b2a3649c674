package httpconn

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
)

func TestSecretsNeverRecorded(t *testing.T) {
	opts := loopbackOptions()
	all := opts.Secrets.(secrets)
	tests := []struct {
		name string
		auth map[string]any
		// check inspects what the server received.
		check func(t *testing.T, got received)
	}{
		{
			name: "bearer",
			auth: map[string]any{"type": "bearer", "credential": "token"},
			check: func(t *testing.T, got received) {
				if h := got.Header.Get("Authorization"); h != "Bearer "+all["token"] {
					t.Errorf("Authorization = %q", h)
				}
			},
		},
		{
			name: "basic",
			auth: map[string]any{"type": "basic", "username": "ann", "credential": "pass"},
			check: func(t *testing.T, got received) {
				r := &http.Request{Header: got.Header}
				if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != all["pass"] {
					t.Errorf("basic auth = %q %q %v", u, p, ok)
				}
			},
		},
		{
			name: "api key in query",
			auth: map[string]any{"type": "api_key", "in": "query", "name": "k", "credential": "key"},
			check: func(t *testing.T, got received) {
				if !strings.Contains(got.RawQuery, "k="+all["key"]) {
					t.Errorf("query = %q", got.RawQuery)
				}
			},
		},
		{
			name: "api key in header",
			auth: map[string]any{"type": "api_key", "in": "header", "name": "X-Custom", "credential": "key"},
			check: func(t *testing.T, got received) {
				if h := got.Header.Get("X-Custom"); h != all["key"] {
					t.Errorf("X-Custom = %q", h)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The server echoes the request headers and query, as httpbin
			// does, and fails so that an error is produced as well.
			srv, ch := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Set-Cookie", "session=abc")
				w.WriteHeader(500)
				w.Write(mustJSON(t, map[string]any{"headers": r.Header, "query": r.URL.RawQuery}))
			})
			c := New(opts)
			res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{
				"method": "POST", "url": srv.URL + "/p?password=pw1-long-secret&keep=1", "auth": tc.auth,
				"headers": map[string]any{"Cookie": "a=b", "X-Session-Token": "tok"},
				"body":    map[string]any{"type": "json", "json": map[string]any{"x": 1}},
			})})
			tc.check(t, next(t, ch))
			if kind, _, _ := kindOf(err); err == nil || kind != connectors.Retryable {
				t.Fatalf("err = %v, want retryable", err)
			}
			recorded := string(res.Request) + string(res.Response) + string(res.Output) + err.Error()
			for _, s := range []string{all["token"], all["pass"], all["key"], "YW5uOmh1bnRlcjItcGFzc3dvcmQ=", "pw1-long-secret", "a=b", "session=abc", `"tok"`} {
				if strings.Contains(recorded, s) {
					t.Errorf("recorded text contains %q:\n%s", s, recorded)
				}
			}
			if !strings.Contains(string(res.Request), redacted) || !strings.Contains(string(res.Request), "keep=1") {
				t.Errorf("request record = %s", res.Request)
			}
		})
	}
}

// A secret shorter than connectors.MinRedactLen that the server echoes in
// a JSON string or in free text takes the whole value with it: it is
// never recorded, and the recorded JSON stays valid.
func TestShortSecretEchoedNeverRecorded(t *testing.T) {
	const short = "k3y!z"
	opts := loopbackOptions()
	opts.Secrets = secrets{"short": short}
	for _, tc := range []struct{ name, contentType, body string }{
		{"json", "application/json", `{"echo": "Bearer k3y!z", "note": "your token k3y!z was refused", "ok": "kept"}`},
		{"text", "text/plain", "your token k3y!z was refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ch := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.Header().Set("X-Echo", "got "+r.Header.Get("Authorization"))
				w.WriteHeader(401)
				w.Write([]byte(tc.body))
			})
			res, err := New(opts).Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{
				"method": "GET", "url": srv.URL + "/p", "auth": map[string]any{"type": "bearer", "credential": "short"},
			})})
			if got := next(t, ch); got.Header.Get("Authorization") != "Bearer "+short {
				t.Fatalf("Authorization = %q", got.Header.Get("Authorization"))
			}
			if err == nil {
				t.Fatal("a 401 succeeded")
			}
			recorded := string(res.Request) + string(res.Response) + string(res.Output) + err.Error()
			if strings.Contains(recorded, short) {
				t.Fatalf("recorded text contains the short secret:\n%s", recorded)
			}
			for _, rec := range []json.RawMessage{res.Request, res.Response, res.Output} {
				if !json.Valid(rec) {
					t.Fatalf("record is not valid JSON: %s", rec)
				}
			}
			out := decodeOutput(t, res)
			if out.Headers["x-echo"] != redacted {
				t.Errorf("x-echo = %q", out.Headers["x-echo"])
			}
			want := `"[REDACTED]"`
			if tc.name == "json" {
				want = `{"echo":"[REDACTED]","note":"[REDACTED]","ok":"kept"}`
			}
			if mustCompact(string(out.Body)) != mustCompact(want) {
				t.Errorf("body = %s, want %s", out.Body, want)
			}
		})
	}
}

func mustCompact(s string) string {
	var v any
	_ = json.Unmarshal([]byte(s), &v)
	b, _ := json.Marshal(v)
	return string(b)
}
