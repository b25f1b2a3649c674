package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"text/template"
	"time"

	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/engine/devserver"
)

// temporalServeCmd is the hidden subcommand that runs the bare-Temporal
// baseline: the bench starts itself with it as a child process, so the CPU
// it measures is that of the Temporal server and worker, not of the load.
const temporalServeCmd = "baseline-temporal-serve"

// temporalQueue is the baseline's one task queue.
const temporalQueue = "bench"

// startTemporalBaseline starts the bare-Temporal baseline as a child
// process (this binary, temporalServeCmd) in a fresh data dir, posting to
// receiverURL, and waits until it answers /readyz.
func startTemporalBaseline(ctx context.Context, receiverURL string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the bench binary: %w", err)
	}
	dataDir, httpAddr, devAddr, err := childPlaces("flowline-bench-temporal-")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, temporalServeCmd, "--data-dir", dataDir, "--http-addr", httpAddr,
		"--temporal-addr", devAddr, "--receiver", receiverURL)
	return startProcess(cmd, "http://"+httpAddr, dataDir)
}

// serveTemporal is the child process: Flowline's embedded Temporal server
// (engine/devserver, SQLite WAL), a worker, and an HTTP front whose
// POST /trigger starts one workflow with eager start and answers 202 once
// Temporal has recorded the start. The workflow's one local activity posts
// a templated JSON body to the receiver.
func serveTemporal(args []string) error {
	fs := flag.NewFlagSet(temporalServeCmd, flag.ExitOnError)
	dataDir := fs.String("data-dir", "", "directory of the SQLite files")
	httpAddr := fs.String("http-addr", "", "address of the HTTP front")
	temporalAddr := fs.String("temporal-addr", "", "address of the embedded Temporal frontend")
	receiver := fs.String("receiver", "", "base URL of the receiver")
	_ = fs.Parse(args)

	// Errors only, as the bench runs flowline serve (FLOWLINE_BENCH_LOG_LEVEL).
	level := slog.LevelError
	if v := os.Getenv("FLOWLINE_BENCH_LOG_LEVEL"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	dev, err := devserver.Start(devserver.Options{
		DataDir: *dataDir, FrontendAddr: *temporalAddr, Logger: logger, LogLevel: slog.LevelWarn,
	})
	if err != nil {
		return fmt.Errorf("starting embedded temporal: %w", err)
	}
	defer func() { _ = dev.Stop() }()
	// Uncompressed on loopback, as flowline's own client is: the baseline
	// pays for nothing flowline does not.
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: *temporalAddr, Logger: sdklog.NewStructuredLogger(logger),
		ConnectionOptions: sdkclient.ConnectionOptions{GrpcCompression: &sdkclient.GrpcCompressionNone{}}})
	if err != nil {
		return fmt.Errorf("connecting to temporal: %w", err)
	}
	defer c.Close()
	w := worker.New(c, temporalQueue, worker.Options{})
	w.RegisterWorkflow(postWorkflow)
	w.RegisterActivity(&poster{url: *receiver + "/deliver", client: &http.Client{
		Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256},
	}})
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting worker: %w", err)
	}
	defer w.Stop()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("POST /trigger", func(rw http.ResponseWriter, r *http.Request) {
		var in postInput
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		// A start under way completes even when the caller gives up, as a
		// trigger Flowline has begun to record does.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		defer cancel()
		_, err := c.ExecuteWorkflow(ctx, sdkclient.StartWorkflowOptions{
			ID: r.Header.Get("Idempotency-Key"), TaskQueue: temporalQueue, EnableEagerStart: true,
		}, postWorkflow, in)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusServiceUnavailable)
			return
		}
		rw.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Addr: *httpAddr, Handler: mux}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() { <-stop; _ = srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// postInput is a trigger: its number and send time, as the receiver reads
// them.
type postInput struct {
	N    int64  `json:"n"`
	Sent string `json:"sent"`
}

// postWorkflow runs one local activity that delivers the trigger, retried
// as the bench's Flowline flow is (10 attempts from 100 ms).
func postWorkflow(ctx workflow.Context, in postInput) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 10},
	})
	var p *poster
	return workflow.ExecuteLocalActivity(ctx, p.Post, in).Get(ctx, nil)
}

// bodyTemplate is the delivered body, rendered per trigger as Flowline
// renders the bench flow's JSON body.
var bodyTemplate = template.Must(template.New("body").Parse(`{"n": {{.N}}, "sent": "{{.Sent}}"}`))

// poster holds the activity's HTTP client.
type poster struct {
	url    string
	client *http.Client
}

// Post renders the body and posts it to the receiver; any status but 2xx
// is an error, retried.
func (p *poster) Post(ctx context.Context, in postInput) error {
	var body bytes.Buffer
	if err := bodyTemplate.Execute(&body, in); err != nil {
		return fmt.Errorf("rendering body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", p.url, &body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("posting: status %d", resp.StatusCode)
	}
	return nil
}
