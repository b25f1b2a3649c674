package devserver

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/flowline/flowline/internal/freeport"
)

var (
	saKeyword = temporal.NewSearchAttributeKeyKeyword("TestKeyword")
	saInt     = temporal.NewSearchAttributeKeyInt64("TestInt")
)

// start boots the embedded server on dir and returns a client of it.
func start(t *testing.T, dir string) (*Server, client.Client) {
	t.Helper()
	addr, err := freeport.Addr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(Options{
		DataDir: dir, FrontendAddr: addr, Namespace: "default",
		SearchAttributes: map[string]enumspb.IndexedValueType{
			saKeyword.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
			saInt.GetName():     enumspb.INDEXED_VALUE_TYPE_INT,
		},
		Logger: slog.New(slog.DiscardHandler), LogLevel: slog.LevelError,
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		_ = srv.Stop()
		t.Fatalf("dial: %v", err)
	}
	return srv, c
}

// sleepWorkflow waits on a 100 ms timer.
func sleepWorkflow(ctx workflow.Context) error {
	return workflow.Sleep(ctx, 100*time.Millisecond)
}

// TestEmbeddedServerSettings checks the embedded server's tuning on a new
// data dir and again on the same dir after a restart: the visibility file
// keeps only the indexes listings need (and the slots of the namespace's
// search attributes), a listing by a search attribute still finds a run,
// and a short timer fires close to when it is due instead of a second
// late.
func TestEmbeddedServerSettings(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		srv, c := start(t, dir)
		w := worker.New(c, "tq", worker.Options{})
		w.RegisterWorkflow(sleepWorkflow)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		id := "sleep-" + string(rune('a'+round))
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: id, TaskQueue: "tq",
			TypedSearchAttributes: temporal.NewSearchAttributes(saKeyword.ValueSet(id), saInt.ValueSet(7)),
		}, sleepWorkflow)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		checkTimerLateness(ctx, t, c, run)
		checkListing(ctx, t, c, id)
		w.Stop()
		c.Close()
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		cancel()
		checkIndexes(t, dir)
	}
}

// checkTimerLateness fails when the run's timer fired later than 600 ms
// after it started (with Temporal's default timer shift it fires after
// about 1 s).
func checkTimerLateness(ctx context.Context, t *testing.T, c client.Client, run client.WorkflowRun) {
	t.Helper()
	var started, fired time.Time
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			started = ev.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			fired = ev.GetEventTime().AsTime()
		}
	}
	if started.IsZero() || fired.IsZero() {
		t.Fatalf("no timer in the history of %s", run.GetID())
	}
	if late := fired.Sub(started); late > 600*time.Millisecond {
		t.Errorf("a 100 ms timer fired after %s", late)
	}
}

// checkListing lists runs by the keyword search attribute (its slot's
// index is kept) and by the workflow type (likewise).
func checkListing(ctx context.Context, t *testing.T, c client.Client, id string) {
	t.Helper()
	for _, q := range []string{"TestKeyword = '" + id + "'", "WorkflowType = 'sleepWorkflow' AND TestInt = 7 AND ExecutionStatus = 'Completed'"} {
		var found bool
		// Visibility is written after the run closed, by a queue.
		for deadline := time.Now().Add(20 * time.Second); !found && time.Now().Before(deadline); {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: q})
			if err != nil {
				t.Fatalf("list %q: %v", q, err)
			}
			for _, e := range resp.GetExecutions() {
				found = found || e.GetExecution().GetWorkflowId() == id
			}
			if !found {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if !found {
			t.Errorf("list %q did not find %s", q, id)
		}
	}
}

// checkIndexes compares the visibility file's indexes with those kept:
// the listing indexes and one per slot the two search attributes took.
func checkIndexes(t *testing.T, dir string) {
	t.Helper()
	got, err := visibilityIndexes(context.Background(), filepath.Join(dir, "temporal-visibility.db"))
	if err != nil {
		t.Fatal(err)
	}
	var slots []string
	for _, ix := range slotIndexes() {
		if slices.Contains(got, ix.name) {
			slots = append(slots, ix.name)
		}
	}
	if len(slots) != 2 {
		t.Errorf("slot indexes %v, want one keyword and one int slot", slots)
	}
	for name := range keptVisibilityIndexes {
		if !slices.Contains(got, name) {
			t.Errorf("index %s was dropped", name)
		}
	}
	if want := len(keptVisibilityIndexes) + 2; len(got) != want {
		t.Errorf("%d visibility indexes %v, want %d", len(got), got, want)
	}
}
