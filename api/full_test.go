package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/store"
)

// acceptingTemporal is a Temporal side of the run service that takes
// every batched run: it is not what these tests fill up.
type acceptingTemporal struct{ *fakeRuns }

func (acceptingTemporal) Input(context.Context, string) (*engine.RunInput, error) {
	return nil, engine.ErrRunNotFound
}
func (acceptingTemporal) Enqueue(_ context.Context, in engine.RunInput, _ engine.BatchOptions) (*engine.Run, error) {
	return &engine.Run{RunID: in.RunID, FlowID: in.FlowID, FlowVersion: in.Version, Status: engine.StatusRunning, StartedAt: in.StartedAt}, nil
}
func (a acceptingTemporal) EnqueueMany(ctx context.Context, ins []engine.RunInput, opts engine.BatchOptions, lane int) ([]*engine.Run, error) {
	out := make([]*engine.Run, len(ins))
	for i, in := range ins {
		out[i], _ = a.Enqueue(ctx, in, opts)
	}
	return out, nil
}
func (a acceptingTemporal) Cancel(ctx context.Context, runID string) error {
	_, err := a.fakeRuns.Cancel(ctx, runID)
	return err
}
func (acceptingTemporal) CancelBatched(context.Context, string, engine.BatchRef) error { return nil }
func (acceptingTemporal) UIURL(string, string) string                                  { return "" }
func (acceptingTemporal) BatchOpen(context.Context, engine.BatchRef) (bool, error)     { return true, nil }
func (acceptingTemporal) OwnRun(context.Context, string) (string, bool, error)         { return "", false, nil }
func (acceptingTemporal) AwaitOwn(context.Context, string) error                       { return nil }

// envOn is an API over the SQLite store at url with batched event runs.
func envOn(t *testing.T, url string) *env {
	t.Helper()
	st, reg, v := openAPIParts(t, url)
	runs := newFakeRuns()
	service := engine.NewService(engine.ServiceOptions{Executions: acceptingTemporal{runs},
		Ledger: st.Ledger(), Versions: st, Batch: engine.BatchOptions{Lanes: 2}})
	return &env{t: t, store: st, runs: runs,
		h: New(Options{Store: st, Validator: v, Registry: reg, Runs: service})}
}

// TestEventsWhenTheFlowStoreIsFull fills the flow store for real (SQLite
// stops growing at max_page_count, as on a full disk): events answer 503
// problems with Retry-After instead of 500, /readyz fails while writes
// fail, every event answered 202 is in the ledger and the refused one left
// nothing; once there is space again, readiness returns and the refused
// event, posted again, is accepted.
func TestEventsWhenTheFlowStoreIsFull(t *testing.T) {
	url := "sqlite:///" + filepath.ToSlash(filepath.Join(t.TempDir(), "flows.db"))
	setup := envOn(t, url)
	var f flowJSON
	setup.do("POST", "/api/v1/flows", `{"name": "orders", "trigger": {"type": "event", "events": ["order.*"]},
	  "steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "https://example.com/x"}}]}`).
		want(t, http.StatusCreated).decode(t, &f)
	setup.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	if err := setup.store.Close(); err != nil {
		t.Fatal(err)
	}

	// max_page_count cannot go below the file's size: 1 caps it there.
	full := envOn(t, url+"?_pragma=max_page_count(1)")
	var accepted []string
	var refused response
	refusedID := ""
	for i := range 500 {
		id := fmt.Sprintf("order-%d", i)
		res := full.do("POST", "/api/v1/events", fmt.Sprintf(`{"event_id": %q, "event_type": "order.paid", "data": {"pad": %q}}`, id, strings.Repeat("x", 400)))
		if res.Code == http.StatusAccepted {
			var ans EventResult
			res.decode(t, &ans)
			if len(ans.Runs) != 1 {
				t.Fatalf("event %s started %d runs", id, len(ans.Runs))
			}
			accepted = append(accepted, ans.Runs[0].RunID)
			continue
		}
		refused, refusedID = res, id
		break
	}
	if refusedID == "" {
		t.Fatal("500 events fit in a store that cannot grow")
	}
	refused.want(t, http.StatusServiceUnavailable)
	p := refused.problem(t)
	if refused.Header().Get("Retry-After") != "30" || !strings.Contains(p.Detail, "storage is full") || !strings.Contains(p.Detail, "Idempotency-Key") {
		t.Errorf("refused event: Retry-After %q, problem %+v", refused.Header().Get("Retry-After"), p)
	}
	ready := full.do("GET", "/readyz", nil).want(t, http.StatusServiceUnavailable)
	if rp := ready.problem(t); ready.Header().Get("Retry-After") != "30" || !strings.Contains(rp.Detail, "database or disk is full") {
		t.Errorf("readyz while full: Retry-After %q, problem %+v", ready.Header().Get("Retry-After"), rp)
	}
	ctx := context.Background()
	for _, id := range accepted {
		if _, err := full.store.GetRunRecord(ctx, id); err != nil {
			t.Errorf("accepted run %s is not in the ledger: %v", id, err)
		}
	}
	refusedRun := engine.DeterministicRunID(f.ID, refusedID)
	if _, err := full.store.GetRunRecord(ctx, refusedRun); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused event left a ledger row: %v", err)
	}
	if err := full.store.Close(); err != nil {
		t.Fatal(err)
	}

	roomy := envOn(t, url)
	roomy.do("GET", "/readyz", nil).want(t, http.StatusOK)
	// The client repeats the refused request as it was.
	roomy.do("POST", "/api/v1/events", fmt.Sprintf(`{"event_id": %q, "event_type": "order.paid", "data": {"pad": %q}}`, refusedID, strings.Repeat("x", 400))).
		want(t, http.StatusAccepted)
	for _, id := range append(accepted, refusedRun) {
		if _, err := roomy.store.GetRunRecord(ctx, id); err != nil {
			t.Errorf("run %s is not in the ledger: %v", id, err)
		}
	}
}

// fullTemporal is a RunService whose starts fail as the SDK reports
// Temporal's own SQLite being full: only the text crosses gRPC.
type fullTemporal struct{ *fakeRuns }

func (fullTemporal) Start(context.Context, engine.RunInput) (*engine.Run, error) {
	return nil, fmt.Errorf("starting workflow: %w",
		serviceerror.NewUnavailable("CreateWorkflowExecution: failed. Error: database or disk is full (13)"))
}

// TestWebhookWhenTemporalIsFull: a webhook whose run cannot be recorded
// because Temporal's storage is full answers 503 with Retry-After.
func TestWebhookWhenTemporalIsFull(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Runs = fullTemporal{newFakeRuns()} })
	id := e.publishHook(hookDoc(``))
	res := e.do("POST", "/hooks/"+id, `{}`).want(t, http.StatusServiceUnavailable)
	if p := res.problem(t); res.Header().Get("Retry-After") != "30" || !strings.Contains(p.Detail, "starting the run: the server's storage is full") {
		t.Errorf("Retry-After %q, problem %+v", res.Header().Get("Retry-After"), p)
	}
}
