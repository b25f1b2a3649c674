package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowline/flowline/schemas"
)

func TestConnectorsAndSchema(t *testing.T) {
	e := newEnv(t, nil)
	var out struct {
		Connectors []struct {
			Type         string         `json:"type"`
			Description  string         `json:"description"`
			ConfigSchema map[string]any `json:"config_schema"`
		} `json:"connectors"`
	}
	e.do("GET", "/api/v1/connectors", nil).want(t, http.StatusOK).decode(t, &out)
	found := false
	for _, c := range out.Connectors {
		if c.Type == "http" {
			found = true
			if c.Description == "" || c.ConfigSchema["properties"] == nil {
				t.Errorf("http connector = %+v, want a description and a schema object", c)
			}
		}
	}
	if !found {
		t.Errorf("connectors %+v lack http", out.Connectors)
	}

	rec := e.do("GET", "/api/v1/schemas/flow", nil).want(t, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/schema+json" {
		t.Errorf("schema Content-Type = %q", ct)
	}
	var schema map[string]any
	rec.decode(t, &schema)
	if schema["properties"] == nil {
		t.Errorf("flow schema = %v", schema)
	}
}

func TestProbes(t *testing.T) {
	var readyErr error
	var logs bytes.Buffer
	e := newEnv(t, func(o *Options) {
		o.Ready = func(context.Context) error { return readyErr }
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	var health map[string]string
	e.do("GET", "/healthz", nil).want(t, http.StatusOK).decode(t, &health)
	if health["status"] != "ok" {
		t.Errorf("healthz = %v", health)
	}
	e.do("GET", "/readyz", nil).want(t, http.StatusOK)

	// /readyz is unauthenticated: it names the part that is not ready,
	// never the error with its hosts and names, which goes to the log.
	for _, c := range []struct {
		err  error
		want string
	}{
		{&NotReadyError{Part: "Temporal", Err: errors.New("dial tcp temporal.internal:7233: connection refused")}, "not ready: Temporal does not answer"},
		{&NotReadyError{Part: "the flow store", Err: fmt.Errorf("ping db.internal: %w", context.DeadlineExceeded)}, "not ready: the flow store gave no answer within 5s"},
		{errors.New("user=flowline database=prod on db.internal: refused"), "not ready: a dependency does not answer"},
	} {
		logs.Reset()
		readyErr = c.err
		rec := e.do("GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)
		if p := rec.problem(t); p.Detail != c.want {
			t.Errorf("detail %q, want %q", p.Detail, c.want)
		}
		if strings.Contains(rec.Body.String(), ".internal") {
			t.Errorf("the answer holds the error: %s", rec.Body.String())
		}
		if !strings.Contains(logs.String(), ".internal") {
			t.Errorf("the log lacks the error: %q", logs.String())
		}
	}
}

// The write probe is reused for writeProbeTTL: a store closed right after
// a successful probe still reads as ready until then.
func TestReadyzReusesTheWriteProbe(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/readyz", nil).want(t, http.StatusOK)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/readyz", nil).want(t, http.StatusOK)
}

func TestWriteProbeCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	calls := 0
	var fail error
	p := &writeProbe{now: func() time.Time { return now }, check: func(context.Context) error { calls++; return fail }}
	ctx := context.Background()
	for range 3 {
		if err := p.run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Fatalf("%d checks within the TTL, want 1", calls)
	}
	fail = errors.New("disk full")
	now = now.Add(writeProbeTTL)
	if err := p.run(ctx); err != fail || calls != 2 {
		t.Fatalf("after the TTL: %v, %d checks", err, calls)
	}
	// A failure is reused too.
	if err := p.run(ctx); err != fail || calls != 2 {
		t.Fatalf("failure not reused: %v, %d checks", err, calls)
	}
	// A check cut short by its caller is not kept.
	now = now.Add(writeProbeTTL)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.run(canceled); err == nil {
		t.Fatal("a failed check answered nil")
	}
	fail = nil
	if err := p.run(ctx); err != nil || calls != 4 {
		t.Fatalf("after a canceled check: %v, %d checks", err, calls)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/api/v1/flows", nil).want(t, http.StatusOK)
	e.do("GET", "/api/v1/flows/abc", nil).want(t, http.StatusNotFound)
	body := e.do("GET", "/metrics", nil).want(t, http.StatusOK).Body.String()
	for _, want := range []string{
		`flowline_http_requests_total{code="200",method="GET",route="/api/v1/flows"} 1`,
		`flowline_http_requests_total{code="404",method="GET",route="/api/v1/flows/:id"} 1`,
		`flowline_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/v1/flows"`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Two handlers in one process keep separate registries.
	other := newEnv(t, nil)
	if strings.Contains(other.do("GET", "/metrics", nil).Body.String(), `route="/api/v1/flows"`) {
		t.Errorf("a second API shares the first one's metrics")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/api/v1/nothing", nil).want(t, http.StatusNotFound).problem(t)
	e.do("GET", "/elsewhere", nil).want(t, http.StatusNotFound).problem(t)
	rec := e.do("PATCH", "/api/v1/flows", nil).want(t, http.StatusMethodNotAllowed)
	rec.problem(t)
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want GET and POST", allow)
	}
}

func TestRequestLogAtDebug(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, func(o *Options) {
		o.APIToken = "s3cret"
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	e.do("GET", "/api/v1/flows/abc", nil).want(t, http.StatusNotFound)
	out := buf.String()
	if !strings.Contains(out, "http request") || !strings.Contains(out, "route=/api/v1/flows/:id") || !strings.Contains(out, "status=404") {
		t.Errorf("request log = %q", out)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("request log holds the token: %q", out)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.APIToken = "s3cret" })
	for _, header := range []string{"", "Bearer wrong", "Basic s3cret", "s3cret"} {
		req := e.request("GET", "/api/v1/flows", "")
		req.Header.Del("Authorization")
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := e.send(req).want(t, http.StatusUnauthorized)
		rec.problem(t)
		if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%q: WWW-Authenticate = %q", header, rec.Header().Get("WWW-Authenticate"))
		}
	}
	// Unknown API paths do not reveal themselves without the token.
	req := e.request("GET", "/api/v1/nothing", "")
	req.Header.Del("Authorization")
	e.send(req).want(t, http.StatusUnauthorized)

	e.do("GET", "/api/v1/flows", nil).want(t, http.StatusOK)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		req := e.request("GET", path, "")
		req.Header.Del("Authorization")
		e.send(req).want(t, http.StatusOK)
	}
}

func TestPanicIsProblem(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Ready = func(context.Context) error { panic("boom") }
	})
	p := e.do("GET", "/readyz", nil).want(t, http.StatusInternalServerError).problem(t)
	if strings.Contains(p.Detail, "boom") {
		t.Errorf("detail leaks the panic: %q", p.Detail)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(e.do("GET", "/healthz", nil).Body.String()), &m)
	if m["status"] != "ok" {
		t.Errorf("server broken after a panic: %v", m)
	}
}

// TestServedSchemasExplainEveryPattern walks every schema the API serves
// (the flow schema and each connector's config schema): a pattern or format
// without an "x-error" hint would leave a user looking at a regular
// expression.
func TestServedSchemasExplainEveryPattern(t *testing.T) {
	e := newEnv(t, nil)
	var out struct {
		Connectors []struct {
			Type         string          `json:"type"`
			ConfigSchema json.RawMessage `json:"config_schema"`
		} `json:"connectors"`
	}
	e.do("GET", "/api/v1/connectors", nil).want(t, http.StatusOK).decode(t, &out)
	served := map[string][]byte{"flow": e.do("GET", "/api/v1/schemas/flow", nil).want(t, http.StatusOK).Body.Bytes()}
	for _, c := range out.Connectors {
		served["connector "+c.Type] = c.ConfigSchema
	}
	if len(served) < 2 {
		t.Fatalf("no connector schemas served")
	}
	for name, schema := range served {
		for _, p := range schemas.MissingErrorHints(schema) {
			t.Errorf("%s schema: pattern or format without an x-error hint at %s", name, p)
		}
	}
}
