package api

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/internal/store"
)

// scheduledEnv is an API whose schedule service is a fakeSchedules, with
// one published (so enabled) flow with a schedule trigger.
func scheduledEnv(t *testing.T, change func(*Options)) (*env, *fakeSchedules, string) {
	t.Helper()
	sched := &fakeSchedules{}
	e := newEnv(t, func(o *Options) {
		o.Schedules = sched
		if change != nil {
			change(o)
		}
	})
	id := e.publishedFlow(strings.Replace(scheduleDoc, "EVERY", "1h", 1))
	return e, sched, id
}

// wantEnabled checks what GET shows of the flow and what a schedule
// firing checks before it starts a run (store.FlowLive): a firing of a
// disabled flow is skipped, as an event or webhook to one is refused.
func (e *env) wantEnabled(id string, want bool) {
	e.t.Helper()
	var f flowJSON
	e.do("GET", "/api/v1/flows/"+id, nil).want(e.t, http.StatusOK).decode(e.t, &f)
	if f.Enabled != want {
		e.t.Errorf("GET shows enabled %v, want %v", f.Enabled, want)
	}
	live, err := e.store.FlowLive(context.Background(), id)
	if err != nil || live != want {
		e.t.Errorf("FlowLive = %v, %v; want %v (what a firing checks)", live, err, want)
	}
}

// wantRefused checks a 503 with Retry-After whose detail holds detail.
func wantRefused(t *testing.T, r response, detail string) {
	t.Helper()
	r.want(t, http.StatusServiceUnavailable)
	if r.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if p := r.problem(t); !strings.Contains(p.Detail, detail) {
		t.Errorf("detail = %q, want it to hold %q", p.Detail, detail)
	}
}

// TestEnableIsAllOrNothing: when Temporal refuses to resume the schedule,
// enable answers 503 and the flow stays disabled; once Temporal is back,
// the same call enables it and resumes the schedule.
func TestEnableIsAllOrNothing(t *testing.T) {
	e, sched, id := scheduledEnv(t, nil)
	e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)
	e.wantEnabled(id, false)

	sched.failing(true)
	wantRefused(t, e.do("POST", "/api/v1/flows/"+id+"/enable", nil), "nothing was changed (repeat the call to retry)")
	e.wantEnabled(id, false)
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}

	sched.failing(false)
	var f flowJSON
	e.do("POST", "/api/v1/flows/"+id+"/enable", nil).want(t, http.StatusOK).decode(t, &f)
	if !f.Enabled {
		t.Error("the retried enable answered a disabled flow")
	}
	e.wantEnabled(id, true)
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused, "+id+"@1 enabled"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}

// TestDisableIsAllOrNothing: when Temporal refuses to pause the schedule,
// disable answers 503 and the flow stays enabled; once Temporal is back,
// the same call disables it, and repeating it changes nothing.
func TestDisableIsAllOrNothing(t *testing.T) {
	e, sched, id := scheduledEnv(t, nil)

	sched.failing(true)
	wantRefused(t, e.do("POST", "/api/v1/flows/"+id+"/disable", nil), "nothing was changed (repeat the call to retry)")
	e.wantEnabled(id, true)

	sched.failing(false)
	for range 2 {
		var f flowJSON
		e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK).decode(t, &f)
		if f.Enabled {
			t.Error("the retried disable answered an enabled flow")
		}
		e.wantEnabled(id, false)
	}
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused, "+id+"@1 paused"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}

// TestEnableWithoutScheduleNeedsNoTemporal: a flow whose trigger is not
// a schedule is enabled and disabled while Temporal refuses, and events
// see it at once.
func TestEnableWithoutScheduleNeedsNoTemporal(t *testing.T) {
	sched := &fakeSchedules{}
	e := newEnv(t, func(o *Options) { o.Schedules = sched })
	id := e.publishedFlow(eventFlowDoc("order.created"))
	sched.failing(true)

	e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)
	if got := e.eventRuns("order.created"); len(got) != 0 {
		t.Errorf("an event to the disabled flow started %v", got)
	}
	e.do("POST", "/api/v1/flows/"+id+"/enable", nil).want(t, http.StatusOK)
	if got := e.eventRuns("order.created"); len(got) != 1 || got[0] != id+"@1" {
		t.Errorf("an event to the enabled flow started %v, want %s@1", got, id)
	}
}

// breakableStore is an API store on a SQLite file and a switch that makes
// a write fail there ("disk on fire"): broken, the SQLite trigger named
// name is created by create, which must RAISE; mended, it is dropped.
func breakableStore(t *testing.T, name, create string) (*store.Store, func(broken bool)) {
	t.Helper()
	dbFile := filepath.Join(t.TempDir(), "flows.db")
	st, err := store.Open(context.Background(), "sqlite:///"+dbFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	raw, err := sql.Open("sqlite", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return st, func(broken bool) {
		t.Helper()
		q := `DROP TRIGGER IF EXISTS ` + name
		if broken {
			q = create
		}
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// noDisable makes storing enabled = false fail (breakableStore).
const noDisable = `CREATE TRIGGER no_disable BEFORE UPDATE OF enabled ON flows WHEN NOT NEW.enabled BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`

// TestDisableStoreFailureResumesSchedule: when storing the flag fails
// after the schedule was paused, the schedule is resumed: the flow stays
// enabled and firing.
func TestDisableStoreFailureResumesSchedule(t *testing.T) {
	st, breakDisable := breakableStore(t, "no_disable", noDisable)
	e, sched, id := scheduledEnv(t, func(o *Options) { o.Store = st })
	e.store = st

	breakDisable(true)
	e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusInternalServerError).problem(t)
	e.wantEnabled(id, true)
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused, "+id+"@1 enabled"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}

// TestEnableRestoreFailureIsReported: when Temporal refuses to resume the
// schedule and the flag cannot be put back either, the 503 says the flow
// is left enabled with its schedule paused; repeating the call once
// Temporal is back makes both match.
func TestEnableRestoreFailureIsReported(t *testing.T) {
	st, breakDisable := breakableStore(t, "no_disable", noDisable)
	e, sched, id := scheduledEnv(t, func(o *Options) { o.Store = st })
	e.store = st
	e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)

	breakDisable(true)
	sched.failing(true)
	wantRefused(t, e.do("POST", "/api/v1/flows/"+id+"/enable", nil), "could not be put back as it was")
	e.wantEnabled(id, true)

	breakDisable(false)
	sched.failing(false)
	e.do("POST", "/api/v1/flows/"+id+"/enable", nil).want(t, http.StatusOK)
	e.wantEnabled(id, true)
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused, "+id+"@1 enabled"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}

// TestRepublishUnchangedEnablesAllOrNothing: republishing the newest
// version of a disabled flow enables it as enable does: when Temporal
// refuses to resume the schedule, 503 and the flow stays disabled.
func TestRepublishUnchangedEnablesAllOrNothing(t *testing.T) {
	e, sched, id := scheduledEnv(t, nil)
	e.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)

	sched.failing(true)
	wantRefused(t, e.do("POST", "/api/v1/flows/"+id+"/publish", nil), "nothing was changed (repeat the call to retry)")
	e.wantEnabled(id, false)

	sched.failing(false)
	e.do("POST", "/api/v1/flows/"+id+"/publish", nil).want(t, http.StatusOK)
	e.wantEnabled(id, true)
	if got, want := sched.recorded(), id+"@1 paused, "+id+"@1 enabled, "+id+"@1 paused, "+id+"@1 enabled"; got != want {
		t.Errorf("schedule %q, want %q", got, want)
	}
}
