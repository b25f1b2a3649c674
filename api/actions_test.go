package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/flows"
)

// seen is what a test receiver got.
type seen struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// testReceiver starts a receiver answering status and body; each request
// is reported on the channel.
func testReceiver(t *testing.T, status int, body string) (string, <-chan seen) {
	t.Helper()
	ch := make(chan seen, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case ch <- seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b}:
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// newActionsEnv is an API whose http connector may reach loopback.
func newActionsEnv(t *testing.T) *env {
	return newEnv(t, func(o *Options) {
		o.Registry = connectors.NewRegistry(httpconn.New(httpconn.Options{
			Version: "test", EgressAllow: []string{"127.0.0.1/32"},
		}))
		v, err := flows.NewValidator(o.Registry.Schemas())
		if err != nil {
			t.Fatal(err)
		}
		o.Validator = v
	})
}

func receivedOne(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the receiver got no request")
		return seen{}
	}
}

func TestTestActionSuccessWithTemplates(t *testing.T) {
	e := newActionsEnv(t)
	url, got := testReceiver(t, http.StatusCreated, `{"id": 7}`)
	var out TestResult
	e.do("POST", "/api/v1/actions/test", map[string]any{
		"type": "http",
		"config": map[string]any{
			"method": "POST", "url": url + "/notify/{{ flow.id }}",
			"body": map[string]any{"type": "json", "json": map[string]any{
				"text": "{{ flow_name }}: {{ data.message }}", "count": "{{ data.count }}",
			}},
		},
		"context": map[string]any{
			"flow": map[string]any{"id": "f1", "name": "Alerts", "version": 2},
			"data": map[string]any{"message": "disk full", "count": 3},
		},
	}).want(t, http.StatusOK).decode(t, &out)

	r := receivedOne(t, got)
	if r.Method != "POST" || r.Path != "/notify/f1" {
		t.Errorf("receiver got %s %s", r.Method, r.Path)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil || body["text"] != "Alerts: disk full" || body["count"] != float64(3) {
		t.Errorf("receiver got body %s (%v)", r.Body, err)
	}
	if !out.OK || out.Message != TestSuccessMessage || out.DurationMS < 0 {
		t.Errorf("answer %+v", out)
	}
	if !strings.Contains(string(out.Request), "/notify/f1") || !strings.Contains(string(out.Response), `201`) {
		t.Errorf("request %s, response %s", out.Request, out.Response)
	}
}

func TestTestActionInlineSecret(t *testing.T) {
	const secret = "inline-bearer-7d1c0ffee"
	e := newActionsEnv(t)
	url, got := testReceiver(t, http.StatusOK, `{"ok": true}`)
	res := e.do("POST", "/api/v1/actions/test", map[string]any{
		"type": "http",
		"config": map[string]any{
			"method": "GET", "url": url + "/me",
			"auth": map[string]any{"type": "bearer", "secret": secret},
		},
	}).want(t, http.StatusOK)
	var out TestResult
	res.decode(t, &out)

	if auth := receivedOne(t, got).Header.Get("Authorization"); auth != "Bearer "+secret {
		t.Errorf("receiver got Authorization %q, want the inline secret", auth)
	}
	if !out.OK {
		t.Errorf("answer %+v", out)
	}
	if strings.Contains(res.Body.String(), secret) {
		t.Errorf("the answer holds the inline secret: %s", res.Body.String())
	}
	if !strings.Contains(string(out.Request), "[REDACTED]") {
		t.Errorf("the recorded request shows no redaction: %s", out.Request)
	}
}

// A call with an inline secret that gets no response (connection refused)
// is still a 200 with ok false and response null, not a 500.
func TestTestActionInlineSecretNoResponse(t *testing.T) {
	const secret = "inline-bearer-7d1c0ffee"
	e := newActionsEnv(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	res := e.do("POST", "/api/v1/actions/test", map[string]any{
		"type": "http",
		"config": map[string]any{
			"method": "POST", "url": url + "/hook",
			"auth": map[string]any{"type": "bearer", "secret": secret},
		},
	}).want(t, http.StatusOK)
	var out TestResult
	res.decode(t, &out)
	if out.OK || out.Message == "" {
		t.Errorf("answer %+v, want ok false saying what failed", out)
	}
	if string(out.Response) != "null" {
		t.Errorf("response %s, want null", out.Response)
	}
	if strings.Contains(res.Body.String(), secret) {
		t.Errorf("the answer holds the inline secret: %s", res.Body.String())
	}
}

func TestTestActionInlineSecretStaysInOneCall(t *testing.T) {
	e := newActionsEnv(t)
	url, _ := testReceiver(t, http.StatusOK, `{}`)
	// A credential named like a synthetic ref is just an unknown
	// credential in any other call.
	var out TestResult
	e.do("POST", "/api/v1/actions/test", map[string]any{
		"type": "http",
		"config": map[string]any{
			"method": "GET", "url": url,
			"auth": map[string]any{"type": "bearer", "credential": connectors.NewInlineSecretRef()},
		},
	}).want(t, http.StatusOK).decode(t, &out)
	if out.OK || !strings.Contains(out.Message, "credential") {
		t.Errorf("answer %+v, want a failure to resolve the credential", out)
	}
}

func TestTestActionFailure(t *testing.T) {
	e := newActionsEnv(t)
	url, _ := testReceiver(t, http.StatusInternalServerError, `{"error": "boom"}`)
	var out TestResult
	e.do("POST", "/api/v1/actions/test", map[string]any{
		"type":   "http",
		"config": map[string]any{"method": "POST", "url": url + "/hook"},
	}).want(t, http.StatusOK).decode(t, &out)
	if out.OK || !strings.Contains(out.Message, "answered 500 Internal Server Error") || !strings.Contains(out.Message, "POST") {
		t.Errorf("answer %+v, want ok false naming the status", out)
	}
	if !strings.Contains(string(out.Response), "boom") {
		t.Errorf("response %s, want the receiver's body", out.Response)
	}
}

func TestTestActionInvalid(t *testing.T) {
	e := newActionsEnv(t)
	cases := []struct {
		name     string
		body     string
		pointers []string
		detail   string
	}{
		{
			name:     "invalid config",
			body:     `{"type": "http", "config": {"method": "POST", "body": {"type": "json"}, "timeout": 5, "nope": 1}}`,
			pointers: []string{"/config", "/config/timeout"},
		},
		{
			name:     "unknown type",
			body:     `{"type": "smtp", "config": {}}`,
			pointers: []string{"/type"},
			detail:   `"http"`,
		},
		{
			name:     "secret and credential",
			body:     `{"type": "http", "config": {"method": "GET", "url": "https://example.com", "auth": {"type": "bearer", "secret": "s", "credential": "c"}}}`,
			pointers: []string{"/config/auth/secret"},
		},
		{
			name:     "missing fields and bad context",
			body:     `{"context": [1], "extra": true}`,
			pointers: []string{"/config", "/context", "/extra", "/type"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := e.do("POST", "/api/v1/actions/test", tc.body).want(t, http.StatusUnprocessableEntity).problem(t)
			have := map[string]bool{}
			for _, pr := range p.Errors {
				have[pr.Pointer] = true
				if tc.detail != "" && !strings.Contains(pr.Message, tc.detail) {
					t.Errorf("problem %+v does not name %s", pr, tc.detail)
				}
			}
			for _, ptr := range tc.pointers {
				if !have[ptr] {
					t.Errorf("no problem at %s in %+v", ptr, p.Errors)
				}
			}
		})
	}
}

// TestTestActionRedactionKeepsStructure: a one-character inline secret and
// a normal one, echoed back by a failing receiver. Redaction hides the
// secret where a whole value is it (the Authorization header, an echoed
// token field) and the long secret anywhere, but never rewrites unrelated
// text (before: "Internal [REDACTED]erver Error", and a 500 "encoding the
// response failed" because the encoded JSON of the records broke).
func TestTestActionRedactionKeepsStructure(t *testing.T) {
	for _, secret := range []string{"s", "k3y!z", "inline-bearer-7d1c0ffee"} {
		t.Run(secret, func(t *testing.T) {
			e := newActionsEnv(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_ = json.NewEncoder(w).Encode(map[string]any{
					"token": token, "status": "sorry", "note": "got " + token + " here",
				})
			}))
			t.Cleanup(srv.Close)
			res := e.do("POST", "/api/v1/actions/test", map[string]any{
				"type": "http",
				"config": map[string]any{
					"method": "GET", "url": srv.URL + "/status",
					"auth": map[string]any{"type": "bearer", "secret": secret},
				},
			}).want(t, http.StatusOK)
			var out struct {
				OK      bool   `json:"ok"`
				Message string `json:"message"`
				Request struct {
					URL     string            `json:"url"`
					Headers map[string]string `json:"headers"`
				} `json:"request"`
				Response struct {
					Status int    `json:"status"`
					Body   string `json:"body"`
				} `json:"response"`
			}
			res.decode(t, &out)
			if want := "GET " + srv.URL + "/status answered 500 Internal Server Error"; out.OK || !strings.HasPrefix(out.Message, want) {
				t.Errorf("message %q, want it to start with %q", out.Message, want)
			}
			if out.Request.URL != srv.URL+"/status" || out.Request.Headers["authorization"] != "[REDACTED]" || out.Response.Status != 500 {
				t.Errorf("request %+v, response status %d", out.Request, out.Response.Status)
			}
			var echoed map[string]string
			if err := json.Unmarshal([]byte(out.Response.Body), &echoed); err != nil {
				t.Fatalf("the recorded body is no longer JSON: %v: %s", err, out.Response.Body)
			}
			// A 1-2 character secret is hidden only where a whole value
			// equals it; a 3-7 character one takes the whole value
			// containing it; a longer one is cut out.
			wantNote := "got " + secret + " here"
			switch {
			case len(secret) >= connectors.MinRedactLen:
				wantNote = "got [REDACTED] here"
			case len(secret) >= connectors.MinShortRedactLen:
				wantNote = "[REDACTED]"
			}
			if len(secret) >= connectors.MinShortRedactLen && strings.Contains(res.Body.String(), secret) {
				t.Errorf("the answer holds the secret: %s", res.Body.String())
			}
			if echoed["token"] != "[REDACTED]" || echoed["status"] != "sorry" || echoed["note"] != wantNote {
				t.Errorf("echoed body %v, want token redacted, status kept, note %q", echoed, wantNote)
			}
		})
	}
}
