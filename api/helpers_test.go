package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// validDoc is a flow document the validator accepts.
const validDoc = `{
  "name": "Sync errors to chat",
  "trigger": {"type": "manual"},
  "steps": [
    {"id": "notify", "type": "http",
     "config": {"method": "POST", "url": "https://chat.example.com/hooks/abc",
                "body": {"type": "json", "json": {"text": "{{ flow_name }}: {{ data.message }}"}}}}
  ]
}`

// fakeRuns is a RunService that records what it was asked.
type fakeRuns struct {
	mu      sync.Mutex
	started []engine.RunInput
	filters []engine.RunFilter
	cancels []string
	retries []string
	known   map[string]bool
	// flowOf names the flow of a known run; finished, the status of a
	// known run that has ended.
	flowOf   map[string]string
	finished map[string]string
	// failWith, when set, makes every run read as failed with this error.
	failWith string
	// keys, when set, records StartMany's request keys (alone, before
	// the runs start: these runs have no ledger) and checks the basis
	// ctx names (engine.WithBasis) against its revision, as the run
	// service does.
	keys engine.Ledger
}

func newFakeRuns(known ...string) *fakeRuns {
	f := &fakeRuns{known: map[string]bool{}}
	for _, id := range known {
		f.known[id] = true
	}
	return f
}

func (f *fakeRuns) Start(ctx context.Context, in engine.RunInput) (*engine.Run, error) {
	if err := f.checkBasis(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, in)
	f.known[in.RunID] = true
	return &engine.Run{
		RunID: in.RunID, WorkflowID: engine.WorkflowID(in.RunID), FlowID: in.FlowID,
		FlowVersion: in.Version, Status: engine.StatusRunning, StartedAt: in.StartedAt,
	}, nil
}

func (f *fakeRuns) StartMany(ctx context.Context, ins []engine.RunInput, key *engine.RequestKey) ([]*engine.Run, error) {
	if err := f.checkBasis(ctx); err != nil {
		return nil, err
	}
	ctx = engine.WithBasis(ctx, 0) // checked once for the request
	if key != nil && f.keys != nil {
		got, err := f.keys.AcceptIntakes(ctx, []engine.Intake{{Key: key}})
		if err != nil {
			return nil, err
		}
		if got[0].Err != nil {
			return nil, got[0].Err
		}
	}
	out := make([]*engine.Run, len(ins))
	for i, in := range ins {
		run, err := f.Start(ctx, in)
		if err != nil {
			return nil, err
		}
		out[i] = run
	}
	return out, nil
}

// checkBasis refuses runs decided from a revision (engine.WithBasis)
// that is no longer the ledger's, as the run service does.
func (f *fakeRuns) checkBasis(ctx context.Context) error {
	basis := engine.BasisOf(ctx)
	if basis == 0 || f.keys == nil {
		return nil
	}
	rev, err := f.keys.Revision(ctx)
	if err != nil {
		return err
	}
	if rev != basis {
		return fmt.Errorf("fake runs: revision %d, decided at %d: %w", rev, basis, engine.ErrStale)
	}
	return nil
}

func (f *fakeRuns) Get(_ context.Context, runID string) (*engine.RunDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.known[runID] {
		return nil, errors.Join(errors.New("reading run "+runID), engine.ErrRunNotFound)
	}
	if f.failWith != "" {
		return &engine.RunDetail{Run: engine.Run{RunID: runID, FlowID: f.flowOf[runID], Status: engine.StatusFailed}, Error: f.failWith}, nil
	}
	d := &engine.RunDetail{Run: engine.Run{RunID: runID, FlowID: f.flowOf[runID], Status: engine.StatusSucceeded}}
	for _, in := range f.started { // the run's trigger is its first start's
		if in.RunID == runID {
			d.Trigger = in.Trigger
			break
		}
	}
	return d, nil
}

func (f *fakeRuns) List(_ context.Context, filter engine.RunFilter) ([]engine.Run, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, filter)
	return []engine.Run{{RunID: "r1", FlowID: filter.FlowID, Status: engine.StatusRunning, StartedAt: time.Unix(0, 0).UTC()}}, "next", nil
}

func (f *fakeRuns) Cancel(_ context.Context, runID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.known[runID] {
		return "", engine.ErrRunNotFound
	}
	if st, ok := f.finished[runID]; ok {
		return "", &engine.FinishedError{RunID: runID, Status: st}
	}
	f.cancels = append(f.cancels, runID)
	return engine.StatusRunning, nil
}

// AwaitEnd returns at once: the fake's runs are read as they are.
func (f *fakeRuns) AwaitEnd(context.Context, string) error { return nil }

func (f *fakeRuns) Retry(_ context.Context, runID string) (*engine.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.known[runID] {
		return nil, engine.ErrRunNotFound
	}
	f.retries = append(f.retries, runID)
	return &engine.Run{RunID: runID + "-again", Status: engine.StatusRunning}, nil
}

// env is one API under test with its dependencies.
type env struct {
	t     testing.TB
	store *store.Store
	runs  *fakeRuns
	h     http.Handler
	token string
}

// newEnv builds an API over a real SQLite store and a real validator;
// change adjusts the options first.
func newEnv(t testing.TB, change func(*Options)) *env {
	t.Helper()
	st, reg, v := openAPIParts(t, "sqlite:///"+filepath.Join(t.TempDir(), "flows.db"))
	runs := newFakeRuns()
	runs.keys = st.Ledger()
	opts := Options{Store: st, Validator: v, Registry: reg, Runs: runs}
	if change != nil {
		change(&opts)
	}
	return &env{t: t, store: st, runs: runs, h: New(opts), token: opts.APIToken}
}

// openAPIParts opens the flow store at url (closed when the test ends)
// and builds the HTTP connector's registry and the flow validator.
func openAPIParts(t testing.TB, url string) (*store.Store, *connectors.Registry, *flows.Validator) {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	reg := connectors.NewRegistry(httpconn.New(httpconn.Options{}))
	v, err := flows.NewValidator(reg.Schemas())
	if err != nil {
		t.Fatalf("building validator: %v", err)
	}
	return st, reg, v
}

// response is an answered request.
type response struct {
	*httptest.ResponseRecorder
}

// do sends a request with body (nil for none) and the env's token.
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encoding request: %v", err)
		}
		r = bytes.NewReader(data)
	}
	return e.send(e.requestFrom(method, path, r, body != nil))
}

// request builds a request with a string body and the env's token.
func (e *env) request(method, path, body string) *http.Request {
	return e.requestFrom(method, path, strings.NewReader(body), true)
}

func (e *env) requestFrom(method, path string, r io.Reader, hasBody bool) *http.Request {
	req := httptest.NewRequest(method, path, r)
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	return req
}

func (e *env) send(req *http.Request) response {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return response{rec}
}

// want checks the status code, showing the body when it differs.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Code, status, r.Body.String())
	}
	return r
}

// decode decodes the JSON body into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body.String(), err)
	}
}

// problem decodes a problem+json body, checking its content type.
func (r response) problem(t testing.TB) ProblemDetails {
	t.Helper()
	if ct := r.Header().Get("Content-Type"); ct != ProblemContentType {
		t.Errorf("Content-Type = %q, want %q", ct, ProblemContentType)
	}
	var p ProblemDetails
	r.decode(t, &p)
	if p.Status != r.Code || p.Type != "about:blank" || p.Title == "" || p.Detail == "" {
		t.Errorf("problem %+v incomplete for status %d", p, r.Code)
	}
	return p
}

// flowJSON is the flow object as the API answers it.
type flowJSON struct {
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Draft            json.RawMessage `json:"draft"`
	PublishedVersion *int            `json:"published_version"`
	Enabled          bool            `json:"enabled"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// createFlow creates a flow from validDoc and returns it.
func (e *env) createFlow() flowJSON {
	e.t.Helper()
	var f flowJSON
	e.do("POST", "/api/v1/flows", validDoc).want(e.t, http.StatusCreated).decode(e.t, &f)
	return f
}

// countFlows returns how many flows GET /flows lists.
func (e *env) countFlows() int {
	e.t.Helper()
	var out struct {
		Flows []flowJSON `json:"flows"`
	}
	e.do("GET", "/api/v1/flows", nil).want(e.t, http.StatusOK).decode(e.t, &out)
	return len(out.Flows)
}
