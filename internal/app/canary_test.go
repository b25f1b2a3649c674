package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flowline/flowline/engine"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// echoReceiver answers each request with its headers and query echoed in a
// JSON body: 500 for the first fails requests to a path, 400 after. Every
// request is reported on the channel.
func echoReceiver(t *testing.T, fails int) (string, <-chan received) {
	t.Helper()
	ch := make(chan received, 100)
	var mu sync.Mutex
	count := map[string]int{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- received{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		mu.Lock()
		count[r.URL.Path]++
		n := count[r.URL.Path]
		mu.Unlock()
		status := http.StatusBadRequest
		if n <= fails {
			status = http.StatusInternalServerError
		}
		echo, _ := json.Marshal(map[string]any{
			"error": "rejected", "headers": r.Header, "query": r.URL.Query(), "raw_query": r.URL.RawQuery,
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(echo)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String(), ch
}

// TestSecretCanary stores a credential with a distinctive secret, runs a
// flow whose failing steps send it (bearer header, api_key query) to a
// receiver that echoes it back, and then looks for it everywhere Flowline
// keeps or shows anything: the Temporal history, every file in the data
// dir, every log line at debug level and every API answer. It must be found
// nowhere but at the receiver.
func TestSecretCanary(t *testing.T) {
	const secret = "CanaryZq7Xv93Lp0TokenW4k8"
	needles := map[string]string{
		"secret":          secret,
		"base64":          base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 raw url":  base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"basic-style b64": base64.StdEncoding.EncodeToString([]byte("user:" + secret)),
	}

	dataDir := t.TempDir()
	cfg := testConfig(t, dataDir, false)
	logs := &syncBuffer{}
	a := startServeLogging(t, cfg, logs, slog.LevelDebug)

	var answers syncBuffer
	c := client{t: t, base: "http://" + a.Addr(), seen: func(method, path string, status int, body []byte) {
		fmt.Fprintf(&answers, "%s %s %d\n%s\n", method, path, status, body)
	}}

	var cred struct {
		ID string `json:"id"`
	}
	c.must(http.StatusCreated, "POST", "/api/v1/credentials", map[string]string{"name": "canary", "secret": secret}, &cred)

	base, got := echoReceiver(t, 2)
	flowID := c.publishFlow(fmt.Sprintf(`{
		"name": "Canary",
		"trigger": {"type": "manual"},
		"steps": [
			{"id": "bearer", "type": "http", "on_error": "continue",
			 "retry": {"max_attempts": 5, "initial_interval": "100ms", "max_interval": "200ms"},
			 "config": {"method": "POST", "url": "%[1]s/bearer",
				"auth": {"type": "bearer", "credential": "canary"},
				"body": {"type": "json", "json": {"text": "{{ data.message }}"}}}},
			{"id": "query", "type": "http",
			 "retry": {"max_attempts": 5, "initial_interval": "100ms", "max_interval": "200ms"},
			 "config": {"method": "GET", "url": "%[1]s/query",
				"auth": {"type": "api_key", "in": "query", "name": "api_key", "credential": "canary"}}}
		]}`, base))
	runID := c.startRun(flowID, map[string]any{"message": "hello"})
	d := c.waitRun(runID)
	if d.Status != "failed" || len(d.Steps) != 2 {
		t.Fatalf("run %s with %d steps, want failed with 2: %+v", d.Status, len(d.Steps), d)
	}
	for _, s := range d.Steps {
		if len(s.Attempts) != 3 || s.Attempts[2].StatusCode != 400 {
			t.Errorf("step %s: %d attempts %+v, want 500, 500, 400", s.ID, len(s.Attempts), s.Attempts)
		}
	}

	// Positive control: the receiver did get the secret, in the header
	// and in the query, so a broken canary cannot pass.
	var bearer, query int
	for len(got) > 0 {
		r := <-got
		if r.Header.Get("Authorization") == "Bearer "+secret {
			bearer++
		}
		if q, _ := url.ParseQuery(r.Query); q.Get("api_key") == secret {
			query++
		}
	}
	if bearer != 3 || query != 3 {
		t.Fatalf("the receiver got the secret %d times as bearer and %d in the query, want 3 each", bearer, query)
	}

	// Every API answer a client could read about the run, the flow and
	// the credential.
	for _, path := range []string{
		"/api/v1/runs/" + runID, "/api/v1/flows/" + flowID, "/api/v1/flows", "/api/v1/flows/" + flowID + "/versions",
		"/api/v1/flows/" + flowID + "/versions/1", "/api/v1/credentials", "/api/v1/credentials/" + cred.ID,
		"/api/v1/credentials/canary", "/api/v1/connectors",
	} {
		c.must(http.StatusOK, "GET", path, nil, nil)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list struct {
			Runs []struct {
				RunID string `json:"run_id"`
			} `json:"runs"`
		}
		c.must(http.StatusOK, "GET", "/api/v1/runs?flow_id="+flowID, nil, &list)
		if len(list.Runs) > 0 && list.Runs[0].RunID == runID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /runs?flow_id= never listed run %s", runID)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The recorded responses did carry the echo, redacted.
	for _, s := range d.Steps {
		if !strings.Contains(string(s.Response), "[REDACTED]") {
			t.Errorf("step %s response shows no redaction of the echoed secret: %s", s.ID, s.Response)
		}
	}

	places := map[string][]byte{
		"API answers": answers.Bytes(),
		"history":     history(t, a, runID, 2), // the batch, then the run's own workflow
	}
	// Stop Flowline so that every database page is on disk, then read each
	// file of the data dir as raw bytes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Logf("shutdown: %v", err)
	}
	places["logs"] = logs.Bytes()
	if !bytes.Contains(places["logs"], []byte("level=DEBUG")) {
		t.Error("no debug record was captured: the log check proves nothing")
	}
	err := filepath.WalkDir(dataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		places["file "+rel] = raw
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("searched %d places: %d bytes of logs, %d of history", len(places), len(places["logs"]), len(places["history"]))
	for where, data := range places {
		for form, needle := range needles {
			if i := bytes.Index(data, []byte(needle)); i >= 0 {
				lo, hi := max(0, i-300), min(len(data), i+len(needle)+100)
				t.Errorf("the secret (%s) is in %s: …%q…", form, where, data[lo:hi])
			}
		}
	}
}

// history returns the full Temporal history of every execution that
// carried runID (found by FlowlineRunIds, once executions of them are
// listed), each event as protojson and in the binary wire form: protojson
// shows payloads in base64, the wire form as they are.
func history(t *testing.T, a *App, runID string, executions int) []byte {
	t.Helper()
	ctx := context.Background()
	query := fmt.Sprintf("%s = '%s'", engine.SARunIDs.GetName(), runID)
	var found []*workflowpb.WorkflowExecutionInfo
	for deadline := time.Now().Add(30 * time.Second); len(found) < executions; time.Sleep(100 * time.Millisecond) {
		resp, err := a.Client().ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: a.cfg.TemporalNamespace, Query: query})
		if err != nil {
			t.Fatal(err)
		}
		found = resp.Executions
		if len(found) < executions && time.Now().After(deadline) {
			t.Fatalf("%s lists %d executions, want %d", query, len(found), executions)
		}
	}
	var out bytes.Buffer
	n := 0
	for _, ex := range found {
		n += historyOf(t, a, ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId(), &out)
	}
	if n < 5 {
		t.Fatalf("the histories of run %s have only %d events", runID, n)
	}
	return out.Bytes()
}

// historyOf writes one execution's history to out and returns how many
// events it has.
func historyOf(t *testing.T, a *App, workflowID, temporalRunID string, out *bytes.Buffer) int {
	t.Helper()
	iter := a.Client().GetWorkflowHistory(context.Background(), workflowID, temporalRunID, false,
		enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(raw)
		out.WriteByte('\n')
		wire, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(wire)
		out.WriteByte('\n')
		n++
	}
	return n
}
