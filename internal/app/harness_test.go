package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/config"
	"github.com/flowline/flowline/internal/freeport"
)

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago, below the kernel's ephemeral range and never handed out before in
// this test process (see freeport.Ports).
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := freeport.Addr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// testConfig is a serve configuration on free ports in dataDir, allowing
// egress to loopback so that flows can call httptest receivers.
func testConfig(t testing.TB, dataDir string, ui bool) *config.Config {
	t.Helper()
	uiAddr := "off"
	if ui {
		uiAddr = freeAddr(t)
	}
	cfg, err := config.Parse("serve", []string{
		"--data-dir", dataDir, "--http-addr", "127.0.0.1:0",
		"--temporal-dev-addr", freeAddr(t), "--temporal-ui-addr", uiAddr,
		"--egress-allow", "127.0.0.1/32,::1/128",
	}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// shortWindows gives cfg one-second batch windows with half a second of
// grace, so batched runs end soon after the test's last trigger.
func shortWindows(cfg *config.Config) *config.Config {
	cfg.BatchWindow, cfg.BatchGrace = time.Second, 500*time.Millisecond
	return cfg
}

// startServe starts the whole serve process in-process and stops it when
// the test ends.
func startServe(t testing.TB, cfg *config.Config) *App {
	t.Helper()
	return startServeLogging(t, cfg, testWriter{t}, slog.LevelWarn)
}

// startServeLogging is startServe with every log record at level or above
// written to w; cfg.LogLevel is set to level so that the embedded server
// and the SDK log that much too.
func startServeLogging(t testing.TB, cfg *config.Config, w io.Writer, level slog.Level) *App {
	t.Helper()
	cfg.LogLevel = level
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, ModeServe, logger)
	if err != nil {
		t.Fatalf("starting flowline: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = a.Shutdown(ctx)
	})
	return a
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// client calls the REST API of one flowline process.
type client struct {
	t    testing.TB
	base string
	// seen, when set, is given every answer the client receives.
	seen func(method, path string, status int, body []byte)
}

func (c client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if c.seen != nil {
		c.seen(method, path, resp.StatusCode, out)
	}
	return resp.StatusCode, out
}

// must calls the API and decodes the answer, failing unless it has status want.
func (c client) must(want int, method, path string, body, into any) {
	c.t.Helper()
	code, out := c.do(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, out)
	}
	if into != nil {
		if err := json.Unmarshal(out, into); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, out, err)
		}
	}
}

// publishFlow creates and publishes doc and returns the flow id.
func (c client) publishFlow(doc string) string {
	c.t.Helper()
	var f struct {
		ID string `json:"id"`
	}
	c.must(http.StatusCreated, "POST", "/api/v1/flows", doc, &f)
	c.must(http.StatusOK, "POST", "/api/v1/flows/"+f.ID+"/publish", nil, nil)
	return f.ID
}

// runDetail is GET /runs/{id} as tests read it.
type runDetail struct {
	RunID         string `json:"run_id"`
	WorkflowID    string `json:"workflow_id"`
	FlowID        string `json:"flow_id"`
	FlowVersion   int    `json:"flow_version"`
	Status        string `json:"status"`
	TemporalUIURL string `json:"temporal_ui_url"`
	Error         string `json:"error"`
	Trigger       struct {
		ID   string          `json:"id"`
		Type string          `json:"type"`
		Body json.RawMessage `json:"body"`
	} `json:"trigger"`
	Steps []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Error    string `json:"error"`
		Attempts []struct {
			StatusCode int    `json:"status_code"`
			Error      string `json:"error"`
		} `json:"attempts"`
		Request  json.RawMessage `json:"request"`
		Response json.RawMessage `json:"response"`
	} `json:"steps"`
}

// startRun starts a manual run with payload and returns its id.
func (c client) startRun(flowID string, payload any) string {
	c.t.Helper()
	var r struct {
		RunID string `json:"run_id"`
	}
	c.must(http.StatusAccepted, "POST", "/api/v1/flows/"+flowID+"/runs", payload, &r)
	if r.RunID == "" {
		c.t.Fatal("manual run answered no run_id")
	}
	return r.RunID
}

// waitRun polls GET /runs/{id} until the run is no longer running.
func (c client) waitRun(runID string) runDetail {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var d runDetail
		c.must(http.StatusOK, "GET", "/api/v1/runs/"+runID, nil, &d)
		if d.Status != "running" {
			return d
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("run %s still running after 90s: %+v", runID, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// received is one request a receiver saw.
type received struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// receiver is an httptest-like server whose handler reports each request
// through a channel and answers with respond.
func receiver(t testing.TB, respond func(n int, r received) (int, string)) (string, <-chan received) {
	t.Helper()
	ch := make(chan received, 100)
	var n atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		ch <- rec
		status, out := respond(int(n.Add(1)), rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String(), ch
}

func next(t testing.TB, ch <-chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("receiver got nothing within 60s")
		return received{}
	}
}
