package httpconn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
)

func TestExecuteRequests(t *testing.T) {
	jsonOK := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"ok":true,"n":[1,2]}`)
	}
	tests := []struct {
		name    string
		config  func(base string) map[string]any
		respond http.HandlerFunc
		check   func(t *testing.T, got received, res *connectors.Result, err error)
	}{
		{
			name:    "get with defaults",
			config:  func(base string) map[string]any { return map[string]any{"url": base + "/items"} },
			respond: jsonOK,
			check: func(t *testing.T, got received, res *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got.Method != "GET" || got.Path != "/items" {
					t.Errorf("got %s %s", got.Method, got.Path)
				}
				if ua := got.Header.Get("User-Agent"); ua != "flowline/test" {
					t.Errorf("User-Agent = %q", ua)
				}
				if k := got.Header.Get("Idempotency-Key"); k != "idem-1" {
					t.Errorf("Idempotency-Key = %q", k)
				}
				if ct := got.Header.Get("Content-Type"); ct != "" {
					t.Errorf("Content-Type = %q, want none", ct)
				}
				out := decodeOutput(t, res)
				if out.Status != 200 || string(out.Body) != `{"ok":true,"n":[1,2]}` {
					t.Errorf("output = %+v", out)
				}
				if out.Headers["content-type"] != "application/json; charset=utf-8" {
					t.Errorf("output headers = %v", out.Headers)
				}
			},
		},
		{
			name: "post json keeps nulls and member order",
			config: func(base string) map[string]any {
				return map[string]any{"method": "post", "url": base, "body": map[string]any{
					"type": "json", "json": json.RawMessage(`{"z": 1, "a": null, "m": {"x": [1, null]}}`),
				}}
			},
			respond: jsonOK,
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got.Method != "POST" {
					t.Errorf("method = %s", got.Method)
				}
				if ct := got.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if string(got.Body) != `{"z":1,"a":null,"m":{"x":[1,null]}}` {
					t.Errorf("body = %s", got.Body)
				}
			},
		},
		{
			name: "json skip_nulls drops nulls at every depth",
			config: func(base string) map[string]any {
				return map[string]any{"method": "PUT", "url": base, "skip_nulls": true, "body": map[string]any{
					"type": "json", "json": json.RawMessage(`{"z": 1, "a": null, "m": {"x": [1, null, {"q": null}], "s": "<&>"}}`),
				}}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if string(got.Body) != `{"z":1,"m":{"x":[1,{}],"s":"<&>"}}` {
					t.Errorf("body = %s", got.Body)
				}
			},
		},
		{
			name: "raw body with its content type",
			config: func(base string) map[string]any {
				return map[string]any{"method": "PATCH", "url": base, "body": map[string]any{
					"type": "raw", "raw": "<a/>", "content_type": "application/xml",
				}}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got.Method != "PATCH" || string(got.Body) != "<a/>" || got.Header.Get("Content-Type") != "application/xml" {
					t.Errorf("got %s %q %q", got.Method, got.Body, got.Header.Get("Content-Type"))
				}
			},
		},
		{
			name: "raw body defaults to text/plain",
			config: func(base string) map[string]any {
				return map[string]any{"method": "POST", "url": base, "body": map[string]any{"type": "raw", "raw": "hi"}}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if ct := got.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
			},
		},
		{
			name:   "custom method token",
			config: func(base string) map[string]any { return map[string]any{"method": "PURGE", "url": base + "/cache"} },
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil || got.Method != "PURGE" {
					t.Errorf("method = %s, err = %v", got.Method, err)
				}
			},
		},
		{
			name: "query merged with the url's, arrays repeat, null empty",
			config: func(base string) map[string]any {
				return map[string]any{"url": base + "/s?a=1&x=%2F", "query": json.RawMessage(
					`{"b": [1, "two", true], "c": 1.5e3, "d": null, "e": "x y&z"}`)}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				want := "a=1&x=%2F&b=1&b=two&b=true&c=1.5e3&d=&e=x+y%26z"
				if got.RawQuery != want {
					t.Errorf("query = %q, want %q", got.RawQuery, want)
				}
			},
		},
		{
			name: "query skip_nulls",
			config: func(base string) map[string]any {
				return map[string]any{"url": base, "skip_nulls": true, "query": json.RawMessage(`{"b": [null, 2], "d": null}`)}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil || got.RawQuery != "b=2" {
					t.Errorf("query = %q, err = %v", got.RawQuery, err)
				}
			},
		},
		{
			name: "headers override defaults and repeat",
			config: func(base string) map[string]any {
				return map[string]any{"url": base, "headers": json.RawMessage(
					`{"user-agent": "mine/1", "Idempotency-Key": "own", "X-Many": ["a", "b"], "X-Num": 3, "X-Null": null}`)}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if v := got.Header.Values("User-Agent"); len(v) != 1 || v[0] != "mine/1" {
					t.Errorf("User-Agent = %q", v)
				}
				if v := got.Header.Get("Idempotency-Key"); v != "own" {
					t.Errorf("Idempotency-Key = %q", v)
				}
				if v := got.Header.Values("X-Many"); len(v) != 2 || v[0] != "a" || v[1] != "b" {
					t.Errorf("X-Many = %q", v)
				}
				if v := got.Header.Get("X-Num"); v != "3" {
					t.Errorf("X-Num = %q", v)
				}
				if _, ok := got.Header["X-Null"]; ok {
					t.Errorf("X-Null was sent")
				}
			},
		},
		{
			name: "null header removes a default",
			config: func(base string) map[string]any {
				return map[string]any{"url": base, "headers": json.RawMessage(`{"Idempotency-Key": null}`)}
			},
			check: func(t *testing.T, got received, _ *connectors.Result, err error) {
				if _, ok := got.Header["Idempotency-Key"]; ok || err != nil {
					t.Errorf("Idempotency-Key = %q, err = %v", got.Header.Get("Idempotency-Key"), err)
				}
			},
		},
		{
			name:   "head request",
			config: func(base string) map[string]any { return map[string]any{"method": "HEAD", "url": base} },
			respond: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Answer", "42")
			},
			check: func(t *testing.T, got received, res *connectors.Result, err error) {
				if err != nil || got.Method != "HEAD" {
					t.Fatalf("method = %s, err = %v", got.Method, err)
				}
				out := decodeOutput(t, res)
				if out.Headers["x-answer"] != "42" || string(out.Body) != `""` {
					t.Errorf("output = %+v", out)
				}
			},
		},
		{
			name: "text response stays a string",
			config: func(base string) map[string]any {
				return map[string]any{"url": base}
			},
			respond: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				fmt.Fprint(w, `{"looks":"like json"}`)
			},
			check: func(t *testing.T, _ received, res *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if out := decodeOutput(t, res); string(out.Body) != `"{\"looks\":\"like json\"}"` {
					t.Errorf("body = %s", out.Body)
				}
			},
		},
		{
			name:   "problem+json is parsed",
			config: func(base string) map[string]any { return map[string]any{"url": base, "success_codes": []any{"4xx"}} },
			respond: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(404)
				fmt.Fprint(w, `{"title":"gone"}`)
			},
			check: func(t *testing.T, _ received, res *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if out := decodeOutput(t, res); out.Status != 404 || string(out.Body) != `{"title":"gone"}` {
					t.Errorf("output = %+v", out)
				}
			},
		},
		{
			name:   "response cut at max_response_bytes",
			config: func(base string) map[string]any { return map[string]any{"url": base, "max_response_bytes": 10} },
			respond: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"long":"`+strings.Repeat("x", 100)+`"}`)
			},
			check: func(t *testing.T, _ received, res *connectors.Result, err error) {
				if err != nil {
					t.Fatal(err)
				}
				var rec struct {
					Body          string `json:"body"`
					BodyTruncated bool   `json:"body_truncated"`
					Size          int    `json:"size"`
				}
				if err := json.Unmarshal(res.Response, &rec); err != nil {
					t.Fatal(err)
				}
				if rec.Body != `{"long":"x` || !rec.BodyTruncated || rec.Size != 111 {
					t.Errorf("response record = %+v", rec)
				}
				if out := decodeOutput(t, res); string(out.Body) != `"{\"long\":\"x"` {
					t.Errorf("output body = %s", out.Body)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ch := serve(t, tc.respond)
			c := New(loopbackOptions())
			defer c.Close()
			res, err := c.Execute(context.Background(), connectors.Request{
				RunID: "run-1", StepID: "s1", Attempt: 1, IdempotencyKey: "idem-1",
				Config: mustJSON(t, tc.config(srv.URL)),
			})
			if res == nil {
				t.Fatal("nil result")
			}
			tc.check(t, next(t, ch), res, err)
		})
	}
}

func TestExecuteStatusClassification(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name         string
		status       int
		retryAfter   string
		successCodes []any
		wantErr      bool
		wantKind     connectors.Kind
		wantAfterMin time.Duration
		wantAfterMax time.Duration
	}{
		{name: "200 ok", status: 200},
		{name: "204 ok", status: 204},
		{name: "404 permanent", status: 404, wantErr: true, wantKind: connectors.Permanent},
		{name: "400 permanent", status: 400, wantErr: true, wantKind: connectors.Permanent},
		{name: "301 not followed is permanent", status: 304, wantErr: true, wantKind: connectors.Permanent},
		{name: "500 retryable", status: 500, wantErr: true, wantKind: connectors.Retryable},
		{name: "503 retry-after seconds", status: 503, retryAfter: "7", wantErr: true, wantKind: connectors.Retryable, wantAfterMin: 7 * time.Second, wantAfterMax: 7 * time.Second},
		{name: "429 retry-after date", status: 429, retryAfter: date, wantErr: true, wantKind: connectors.Retryable, wantAfterMin: 80 * time.Second, wantAfterMax: 91 * time.Second},
		{name: "408 retryable", status: 408, wantErr: true, wantKind: connectors.Retryable},
		{name: "425 retryable", status: 425, wantErr: true, wantKind: connectors.Retryable},
		{name: "404 listed", status: 404, successCodes: []any{200, 404}},
		{name: "201 not listed", status: 201, successCodes: []any{200}, wantErr: true, wantKind: connectors.Permanent},
		{name: "302 by pattern", status: 302, successCodes: []any{"3xx"}},
		{name: "503 as success", status: 503, successCodes: []any{"5XX"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ch := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.status >= 300 && tc.status < 400 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
			})
			cfg := map[string]any{"url": srv.URL + "/x?api_key=zzz", "follow_redirects": false}
			if tc.successCodes != nil {
				cfg["success_codes"] = tc.successCodes
			}
			c := New(loopbackOptions())
			res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, cfg)})
			next(t, ch)
			if res == nil || res.Response == nil {
				t.Fatalf("result = %+v, want a recorded response", res)
			}
			if res.Status != tc.status {
				t.Errorf("result status = %d, want %d", res.Status, tc.status)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			kind, after, ok := kindOf(err)
			if !ok {
				t.Fatalf("err = %v, want a classified error", err)
			}
			if kind != tc.wantKind || after < tc.wantAfterMin || after > tc.wantAfterMax {
				t.Errorf("kind = %v, retry after %v; want %v in [%v, %v]", kind, after, tc.wantKind, tc.wantAfterMin, tc.wantAfterMax)
			}
			if strings.Contains(err.Error(), "zzz") {
				t.Errorf("error %q shows the query", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tc.status)) {
				t.Errorf("error %q does not name the status", err)
			}
		})
	}
}

func TestExecuteBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   string
	}{
		{"not json", `{`, "decoding config"},
		{"unknown field", `{"url": "http://x", "nope": 1}`, "unknown field"},
		{"no url", `{}`, "url is required"},
		{"ftp url", `{"url": "ftp://x/y"}`, "http:// or https://"},
		{"method not a token", `{"url": "http://x", "method": "GE T"}`, "method"},
		{"bad timeout", `{"url": "http://x", "timeout": "soon"}`, "timeout"},
		{"zero max bytes", `{"url": "http://x", "max_response_bytes": 0}`, "max_response_bytes"},
		{"max bytes past 1 MiB", `{"url": "http://x", "max_response_bytes": 1048577}`, "max_response_bytes must be between 1 and 1048576"},
		{"bad success code", `{"url": "http://x", "success_codes": ["2xy"]}`, "success_codes[0]"},
		{"raw field in json body", `{"url": "http://x", "body": {"type": "json", "json": 1, "raw": "x"}}`, "unknown field"},
		{"unknown body type", `{"url": "http://x", "body": {"type": "xml"}}`, "unknown type"},
		{"json body without json", `{"url": "http://x", "body": {"type": "json"}}`, "json is required"},
		{"header name", `{"url": "http://x", "headers": {"Bad Name": "v"}}`, "header name"},
		{"header value newline", `{"url": "http://x", "headers": {"X": "a\r\nB: c"}}`, "line break"},
		{"query object", `{"url": "http://x", "query": {"q": {"a": 1}}}`, "query"},
		{"unknown auth", `{"url": "http://x", "auth": {"type": "magic"}}`, "auth: unknown type"},
		{"basic without credential", `{"url": "http://x", "auth": {"type": "basic", "username": "u"}}`, "credential is required"},
		{"unknown credential", `{"url": "http://x", "auth": {"type": "bearer", "credential": "missing"}}`, "missing"},
	}
	c := New(loopbackOptions())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Execute(context.Background(), connectors.Request{Config: json.RawMessage(tc.config)})
			if res == nil {
				t.Fatal("nil result")
			}
			kind, _, ok := kindOf(err)
			if !ok || kind != connectors.Permanent {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestExecuteTimeout(t *testing.T) {
	srv, ch := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	c := New(loopbackOptions())
	start := time.Now()
	res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL, "timeout": "100ms"})})
	next(t, ch)
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	kind, _, ok := kindOf(err)
	if !ok || kind != connectors.Retryable || !strings.Contains(err.Error(), "timed out after 100ms") {
		t.Errorf("err = %v, want a retryable timeout", err)
	}
	if res == nil || res.Request == nil {
		t.Errorf("result = %+v, want the request recorded", res)
	}
}

func TestExecuteNetworkErrorIsRetryable(t *testing.T) {
	srv, _ := serve(t, nil)
	url := srv.URL
	srv.Close()
	c := New(loopbackOptions())
	_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": url + "/?token=abc123"})})
	kind, _, ok := kindOf(err)
	if !ok || kind != connectors.Retryable {
		t.Fatalf("err = %v, want retryable", err)
	}
	if strings.Contains(err.Error(), "abc123") {
		t.Errorf("error %q shows the query", err)
	}
}

func TestExecuteReusesConnections(t *testing.T) {
	conns := make(chan string, 64)
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conns <- r.RemoteAddr
		fmt.Fprint(w, "ok")
	})
	c := New(loopbackOptions())
	for i := 0; i < 5; i++ {
		if _, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL})}); err != nil {
			t.Fatal(err)
		}
	}
	close(conns)
	seen := map[string]bool{}
	for a := range conns {
		seen[a] = true
	}
	if len(seen) != 1 {
		t.Errorf("%d connections for 5 sequential requests, want 1", len(seen))
	}
}

func TestExecuteConcurrently(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	})
	c := New(loopbackOptions())
	const n = 32
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			path := fmt.Sprintf("/%d", i)
			cfg, _ := json.Marshal(map[string]any{
				"method": "POST", "url": srv.URL + path,
				"auth": map[string]any{"type": "bearer", "credential": "token"},
				"body": map[string]any{"type": "json", "json": map[string]any{"i": i}},
			})
			res, err := c.Execute(context.Background(), connectors.Request{Config: cfg})
			if err == nil && !strings.Contains(string(res.Output), path) {
				err = fmt.Errorf("output %s lacks %s", res.Output, path)
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestUnknownCredentialNamedOnce holds that the connector adds where the
// credential was used and nothing the resolver already said: the name
// appears once.
func TestUnknownCredentialNamedOnce(t *testing.T) {
	c := New(loopbackOptions())
	_, err := c.Execute(context.Background(), connectors.Request{Config: json.RawMessage(`{"url": "http://x", "auth": {"type": "bearer", "credential": "ghost2"}}`)})
	if err == nil || strings.Count(err.Error(), "ghost2") != 1 || !strings.HasSuffix(err.Error(), `auth: credential "ghost2" not found`) {
		t.Fatalf("err = %v, want the credential named once, ending in auth: credential \"ghost2\" not found", err)
	}
}
