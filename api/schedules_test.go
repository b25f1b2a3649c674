package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// fakeSchedules is a ScheduleService that records what it was asked and
// refuses while fail is set, as Temporal does when it is unreachable.
type fakeSchedules struct {
	mu    sync.Mutex
	fail  bool
	syncs []string // "flow@version enabled" for each accepted Sync, "flow deleted" for each Delete
	// store, when set, adds " stored=N" to each record: the number of
	// versions of the flow stored when the schedule was synced.
	store *store.Store
}

func (f *fakeSchedules) Sync(ctx context.Context, flowID string, version int, _ *flows.Document, enabled bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("creating the schedule: temporal unavailable")
	}
	state := "paused"
	if enabled {
		state = "enabled"
	}
	rec := flowID + "@" + strconv.Itoa(version) + " " + state
	if f.store != nil {
		vs, err := f.store.ListVersions(ctx, flowID)
		if err != nil {
			return fmt.Errorf("listing versions: %w", err)
		}
		rec += " stored=" + strconv.Itoa(len(vs))
	}
	f.syncs = append(f.syncs, rec)
	return nil
}

func (f *fakeSchedules) Delete(_ context.Context, flowID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs = append(f.syncs, flowID+" deleted")
	return nil
}

// recorded returns the syncs and deletes so far.
func (f *fakeSchedules) recorded() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.syncs, ", ")
}

func (f *fakeSchedules) failing(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

const scheduleDoc = `{"name": "ticker", "trigger": {"type": "schedule", "every": "EVERY"},
  "steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com"}}]}`

// TestPublishIsAllOrNothing: when the schedule cannot be made, publish
// answers 503 and freezes no version, enables nothing; the flow stays as it
// was, whether it was never published or already had a version. When it
// can, the schedule is made paused before the version is stored and only
// unpaused once it is.
func TestPublishIsAllOrNothing(t *testing.T) {
	sched := &fakeSchedules{fail: true}
	e := newEnv(t, func(o *Options) { o.Schedules = sched })
	sched.store = e.store
	var f flowJSON
	e.do("POST", "/api/v1/flows", strings.Replace(scheduleDoc, "EVERY", "1h", 1)).want(t, http.StatusCreated).decode(t, &f)

	check := func(wantVersion *int, wantEnabled bool, wantVersions int) {
		t.Helper()
		var got flowJSON
		e.do("GET", "/api/v1/flows/"+f.ID, nil).want(t, http.StatusOK).decode(t, &got)
		if (got.PublishedVersion == nil) != (wantVersion == nil) || (wantVersion != nil && *got.PublishedVersion != *wantVersion) || got.Enabled != wantEnabled {
			t.Errorf("flow = published_version %v, enabled %v; want %v, %v", got.PublishedVersion, got.Enabled, wantVersion, wantEnabled)
		}
		var vs struct {
			Versions []struct{} `json:"versions"`
		}
		e.do("GET", "/api/v1/flows/"+f.ID+"/versions", nil).want(t, http.StatusOK).decode(t, &vs)
		if len(vs.Versions) != wantVersions {
			t.Errorf("%d versions, want %d", len(vs.Versions), wantVersions)
		}
	}

	rec := e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusServiceUnavailable)
	if p := rec.problem(t); !strings.Contains(p.Detail, "nothing was published") {
		t.Errorf("detail = %q", p.Detail)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	check(nil, false, 0)

	sched.failing(false)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	one := 1
	check(&one, true, 1)

	e.do("PUT", "/api/v1/flows/"+f.ID, strings.Replace(scheduleDoc, "EVERY", "2h", 1)).want(t, http.StatusOK)
	sched.failing(true)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusServiceUnavailable)
	check(&one, true, 1)

	sched.mu.Lock()
	defer sched.mu.Unlock()
	if want := []string{f.ID + "@1 paused stored=0", f.ID + "@1 enabled stored=1"}; strings.Join(sched.syncs, ",") != strings.Join(want, ",") {
		t.Errorf("schedule syncs = %q, want %q", sched.syncs, want)
	}
}

// TestPublishStoreFailureRestoresSchedule: when storing the version fails
// after the paused schedule was made, the schedule is removed (first
// publish) or pointed back at the newest stored version, never unpaused
// for the version that was not stored.
func TestPublishStoreFailureRestoresSchedule(t *testing.T) {
	st, breakVersions := breakableStore(t, "no_versions",
		`CREATE TRIGGER no_versions BEFORE INSERT ON flow_versions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	sched := &fakeSchedules{store: st}
	e := newEnv(t, func(o *Options) { o.Store, o.Schedules = st, sched })
	var f flowJSON
	e.do("POST", "/api/v1/flows", strings.Replace(scheduleDoc, "EVERY", "1h", 1)).want(t, http.StatusCreated).decode(t, &f)

	breakVersions(true)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusInternalServerError).problem(t)
	if got, want := sched.recorded(), f.ID+"@1 paused stored=0, "+f.ID+" deleted"; got != want {
		t.Errorf("first publish failing: schedule %q, want %q", got, want)
	}

	breakVersions(false)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	e.do("PUT", "/api/v1/flows/"+f.ID, strings.Replace(scheduleDoc, "EVERY", "2h", 1)).want(t, http.StatusOK)
	breakVersions(true)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusInternalServerError).problem(t)
	want := f.ID + "@1 paused stored=0, " + f.ID + " deleted, " +
		f.ID + "@1 paused stored=0, " + f.ID + "@1 enabled stored=1, " +
		f.ID + "@2 paused stored=1, " + f.ID + "@1 enabled stored=1"
	if got := sched.recorded(); got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}

// TestScheduleValidatedBeforeStoring: a schedule Temporal could not make is
// refused with 422 at its pointer by validate, create and PUT.
func TestScheduleValidatedBeforeStoring(t *testing.T) {
	e := newEnv(t, nil)
	f := e.createFlow()
	tests := []struct{ trigger, pointer string }{
		{`{"type": "schedule", "cron": "99 * * * *"}`, "/trigger/cron"},
		{`{"type": "schedule", "cron": "0 0 9 * * *"}`, "/trigger/cron"},
		{`{"type": "schedule", "every": "0s"}`, "/trigger/every"},
		{`{"type": "schedule", "every": "500ms"}`, "/trigger/every"},
		{`{"type": "schedule", "every": "1h", "timezone": "Mars/Olympus"}`, "/trigger/timezone"},
		{`{"type": "schedule", "every": "1h", "timezone": "../../etc/passwd"}`, "/trigger/timezone"},
		{`{"type": "schedule", "every": "1h", "timezone": "Local"}`, "/trigger/timezone"},
	}
	for _, tt := range tests {
		doc := `{"name": "s", "trigger": ` + tt.trigger + `, "steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com"}}]}`
		for _, call := range [][2]string{{"POST", "/api/v1/flows/validate"}, {"POST", "/api/v1/flows"}, {"PUT", "/api/v1/flows/" + f.ID}} {
			p := e.do(call[0], call[1], doc).want(t, http.StatusUnprocessableEntity).problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != tt.pointer {
				t.Errorf("%s %s with %s: errors %+v, want one at %s", call[0], call[1], tt.trigger, p.Errors, tt.pointer)
			}
		}
	}
	if n := e.countFlows(); n != 1 {
		t.Errorf("%d flows stored, want 1", n)
	}
	e.do("POST", "/api/v1/flows/validate", `{"name": "s", "trigger": {"type": "schedule", "cron": "*/5 9-17 * JAN-MAR mon-fri", "timezone": "America/New_York"}, "steps": [{"id": "a", "type": "http", "config": {"url": "https://example.com"}}]}`).want(t, http.StatusOK)
}
