package app

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"
	"google.golang.org/grpc"

	"github.com/flowline/flowline/engine"
)

// sentRPC is one call a test's Temporal client made: its method's last
// path element, and for a signal the execution and request id it named.
type sentRPC struct {
	method, runID, requestID string
}

// TestBatchSignalsNameTheExecution hands runs to one batch window three
// times: the first signal starts the execution (SignalWithStart); the
// second names the execution's run and carries no request id, so Temporal
// neither looks the workflow up nor keeps a row for the request; the third,
// after an operator terminated that execution, finds it ended and starts
// the window's next execution. Each signal reaches the execution it names.
func TestBatchSignalsNameTheExecution(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), false)
	startServe(t, cfg)
	var (
		mu   sync.Mutex
		sent []sentRPC
	)
	record := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		rpc := sentRPC{method: method[strings.LastIndex(method, "/")+1:]}
		if s, ok := req.(*workflowservice.SignalWorkflowExecutionRequest); ok {
			rpc.runID, rpc.requestID = s.GetWorkflowExecution().GetRunId(), s.GetRequestId()
		}
		if strings.Contains(rpc.method, "Signal") {
			mu.Lock()
			sent = append(sent, rpc)
			mu.Unlock()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	c, err := sdkclient.Dial(sdkclient.Options{HostPort: cfg.TemporalFrontend(), Namespace: cfg.TemporalNamespace,
		ConnectionOptions: sdkclient.ConnectionOptions{DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(record)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	runs := &engine.Runs{Client: c, Namespace: cfg.TemporalNamespace, TaskQueue: cfg.TaskQueue, UIBaseURL: "http://ui.test"}
	// A window long enough that the execution is still open for the
	// second signal: it ends only when terminated.
	opts := engine.BatchOptions{Window: time.Hour, Grace: time.Minute}
	now := time.Now().UTC()
	in := func(id string) []engine.RunInput {
		return []engine.RunInput{{FlowID: "signal-test", FlowName: "signal test", RunID: id, Version: 1, StartedAt: now,
			Trigger: engine.TriggerInput{}}}
	}
	ctx := context.Background()
	handOver := func(id string) *engine.Run {
		t.Helper()
		got, err := runs.EnqueueMany(ctx, in(id), opts, 0)
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	first := handOver("run-1")
	second := handOver("run-2")
	if first.WorkflowID != second.WorkflowID || first.TemporalUIURL != second.TemporalUIURL {
		t.Fatalf("the second signal went elsewhere: %+v then %+v", first, second)
	}
	firstRun := runIDFromURL(t, first.TemporalUIURL)
	mu.Lock()
	if len(sent) != 2 || sent[0].method != "SignalWithStartWorkflowExecution" ||
		sent[1] != (sentRPC{method: "SignalWorkflowExecution", runID: firstRun}) {
		t.Errorf("the first two hand-overs sent %+v, want SignalWithStart, then a signal naming run %s and no request id", sent, firstRun)
	}
	sent = nil
	mu.Unlock()

	if err := c.TerminateWorkflow(ctx, first.WorkflowID, firstRun, "test: the batch ends"); err != nil {
		t.Fatal(err)
	}
	third := handOver("run-3")
	thirdRun := runIDFromURL(t, third.TemporalUIURL)
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), third.WorkflowID, thirdRun, "test done") })
	if third.WorkflowID != first.WorkflowID || thirdRun == firstRun {
		t.Errorf("after the execution ended the runs went to %s / %s, want a new execution of %s", third.WorkflowID, thirdRun, first.WorkflowID)
	}
	mu.Lock()
	if len(sent) != 2 || sent[0] != (sentRPC{method: "SignalWorkflowExecution", runID: firstRun}) ||
		sent[1].method != "SignalWithStartWorkflowExecution" {
		t.Errorf("the hand-over after the end sent %+v, want a signal to the ended run, then SignalWithStart", sent)
	}
	mu.Unlock()

	// Each execution's history holds the signals it was sent.
	signals := func(runID string) int {
		t.Helper()
		n := 0
		it := c.GetWorkflowHistory(ctx, first.WorkflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
				n++
			}
		}
		return n
	}
	if n := signals(firstRun); n != 2 {
		t.Errorf("the first execution holds %d signals, want 2", n)
	}
	if n := signals(thirdRun); n != 1 {
		t.Errorf("the next execution holds %d signals, want 1", n)
	}
}

// runIDFromURL is the Temporal run id a temporal_ui_url names (its path
// ends …/workflows/<workflow id>/<run id>/history).
func runIDFromURL(t *testing.T, url string) string {
	t.Helper()
	parts := strings.Split(url, "/")
	if len(parts) < 3 || parts[len(parts)-2] == "" {
		t.Fatalf("no run id in %q", url)
	}
	return parts[len(parts)-2]
}
