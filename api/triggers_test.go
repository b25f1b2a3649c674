package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// apiOn is an API process of its own (its own store handle, trigger cache
// and run service) over the flow store at databaseURL.
func apiOn(t *testing.T, databaseURL string) *env {
	t.Helper()
	return apiWith(t, databaseURL, nil)
}

// apiWith is apiOn with its options adjusted by change first.
func apiWith(t *testing.T, databaseURL string, change func(*Options)) *env {
	t.Helper()
	st, reg, v := openAPIParts(t, databaseURL)
	runs := newFakeRuns()
	runs.keys = st.Ledger()
	opts := Options{Store: st, Validator: v, Registry: reg, Runs: runs}
	if change != nil {
		change(&opts)
	}
	return &env{t: t, store: st, runs: runs, h: New(opts)}
}

// eventRuns posts an event of type typ and returns the flows (id@version)
// of the runs it started.
func (e *env) eventRuns(typ string) []string {
	e.t.Helper()
	var res struct {
		Runs []Run `json:"runs"`
	}
	e.do("POST", "/api/v1/events", `{"event_type": "`+typ+`", "data": {"n": 1}}`).want(e.t, http.StatusAccepted).decode(e.t, &res)
	out := []string{}
	for _, r := range res.Runs {
		out = append(out, fmt.Sprintf("%s@%d", r.FlowID, r.FlowVersion))
	}
	return out
}

// started is how many runs the API has started.
func (e *env) started() int {
	e.runs.mu.Lock()
	defer e.runs.mu.Unlock()
	return len(e.runs.started)
}

func eventFlowDoc(pattern string) string {
	return `{"name": "on ` + pattern + `", "trigger": {"type": "event", "events": ["` + pattern + `"]}, "steps": [
	  {"id": "a", "type": "http", "config": {"method": "POST", "url": "https://example.com/x"}}]}`
}

// TestTriggersSeeWritesThroughAnotherAPI runs two API processes on one
// flow store (a SQLite file; a PostgreSQL schema): every publish, disable,
// enable, delete and catalog change answered by one is seen by the very
// next event or webhook through the other, whose trigger cache was warm.
func TestTriggersSeeWritesThroughAnotherAPI(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		a, b := apiOn(t, databaseURL), apiOn(t, databaseURL)
		expect := func(what string, got []string, want ...string) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(append([]string{}, want...)) {
				t.Fatalf("%s: runs of %v, want %v", what, got, want)
			}
		}
		expect("no flows yet", b.eventRuns("order.created"))

		var f flowJSON
		a.do("POST", "/api/v1/flows", eventFlowDoc("order.*")).want(t, http.StatusCreated).decode(t, &f)
		expect("a draft", b.eventRuns("order.created"))
		a.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
		expect("after a publish through a", b.eventRuns("order.created"), f.ID+"@1")

		a.do("PUT", "/api/v1/flows/"+f.ID, eventFlowDoc("invoice.*")).want(t, http.StatusOK)
		expect("a new draft only", b.eventRuns("order.created"), f.ID+"@1")
		a.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
		expect("the old subscription after republishing", b.eventRuns("order.created"))
		expect("the new subscription", b.eventRuns("invoice.paid"), f.ID+"@2")

		a.do("POST", "/api/v1/flows/"+f.ID+"/disable", nil).want(t, http.StatusOK)
		n := b.started()
		expect("after a disable through a", b.eventRuns("invoice.paid"))
		if b.started() != n {
			t.Fatal("a run of a disabled flow was started")
		}
		a.do("POST", "/api/v1/flows/"+f.ID+"/enable", nil).want(t, http.StatusOK)
		expect("after an enable through a", b.eventRuns("invoice.paid"), f.ID+"@2")

		// The catalog: a type declared through a checks b's next event.
		a.do("POST", "/api/v1/event-types", `{"name": "invoice.paid", "schema": {"type": "object", "properties": {"n": {"type": "string"}}}}`).
			want(t, http.StatusCreated)
		p := b.do("POST", "/api/v1/events", `{"event_type": "invoice.paid", "data": {"n": 1}}`).want(t, http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/data/n" {
			t.Fatalf("problem %+v, want one at /data/n", p)
		}
		a.do("DELETE", "/api/v1/event-types/invoice.paid?force=true", nil).want(t, http.StatusNoContent)
		expect("after the type's deletion", b.eventRuns("invoice.paid"), f.ID+"@2")

		a.do("DELETE", "/api/v1/flows/"+f.ID, nil).want(t, http.StatusNoContent)
		expect("after a delete through a", b.eventRuns("invoice.paid"))

		// Webhooks, the same way.
		h := a.publishHook(hookDoc(""))
		hook := func(want int) {
			t.Helper()
			b.do("POST", "/hooks/"+h, `{"n": 1}`).want(t, want)
		}
		hook(http.StatusAccepted)
		a.do("POST", "/api/v1/flows/"+h+"/disable", nil).want(t, http.StatusOK)
		n = b.started()
		hook(http.StatusConflict)
		if b.started() != n {
			t.Fatal("a webhook started a run of a disabled flow")
		}
		a.do("POST", "/api/v1/flows/"+h+"/enable", nil).want(t, http.StatusOK)
		hook(http.StatusAccepted)
		a.do("PUT", "/api/v1/flows/"+h, eventFlowDoc("x.y")).want(t, http.StatusOK)
		a.do("POST", "/api/v1/flows/"+h+"/publish", nil).want(t, http.StatusOK)
		hook(http.StatusNotFound) // no longer a webhook flow
		a.do("DELETE", "/api/v1/flows/"+h, nil).want(t, http.StatusNoContent)
		hook(http.StatusNotFound)
	})
}

// TestTriggerCacheUnderConcurrentEvents posts events to one API from many
// goroutines while another API disables and enables the subscribed flow:
// an event posted after a disable was answered starts no run, one posted
// after an enable starts one, and the cache is race-free (run with -race).
func TestTriggerCacheUnderConcurrentEvents(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		a, b := apiOn(t, databaseURL), apiOn(t, databaseURL)
		id := a.publishedFlow(eventFlowDoc("tick"))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var posted atomic.Int64
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					req := b.request("POST", "/api/v1/events", `{"event_type": "tick", "data": {}}`)
					if r := b.send(req); r.Code != http.StatusAccepted {
						t.Errorf("concurrent event: %d %s", r.Code, r.Body.String())
						return
					}
					posted.Add(1)
				}
			}()
		}
		for i := range 10 {
			a.do("POST", "/api/v1/flows/"+id+"/disable", nil).want(t, http.StatusOK)
			if got := b.eventRuns("tick"); len(got) != 0 {
				t.Errorf("round %d: an event after the disable started %v", i, got)
			}
			a.do("POST", "/api/v1/flows/"+id+"/enable", nil).want(t, http.StatusOK)
			if got := b.eventRuns("tick"); len(got) != 1 {
				t.Errorf("round %d: an event after the enable started %v, want one run", i, got)
			}
		}
		close(stop)
		wg.Wait()
		if posted.Load() == 0 {
			t.Error("no concurrent event was posted")
		}
	})
}

// TestWebhooksDecidedFromAStaleSnapshot: a webhook process decides from
// the flows it holds, unread, so after a republish through another
// process what it holds is stale. A refusal it would make from it (a
// method the new version allows) is checked against the store first and
// the webhook decided again; a run it would start from it (no auth, where
// the new version asks for a bearer token) is refused at its start and the
// webhook decided again: 401, no run.
func TestWebhooksDecidedFromAStaleSnapshot(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		a := apiOn(t, databaseURL)
		b := apiWith(t, databaseURL, func(o *Options) { o.Secrets = fakeSecrets{"tok": "s3cret"} })
		if _, err := b.store.CreateCredential(t.Context(), "tok", "", []byte("sealed elsewhere")); err != nil {
			t.Fatal(err)
		}
		h := a.publishHook(hookDoc(``))
		post := func(method, auth string, want int) {
			t.Helper()
			req := b.request(method, "/hooks/"+h, `{"n": 1}`)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			b.send(req).want(t, want)
		}
		post("POST", "", http.StatusAccepted) // b now holds version 1

		a.do("PUT", "/api/v1/flows/"+h, hookDoc(`, "methods": ["PUT"]`)).want(t, http.StatusOK)
		a.do("POST", "/api/v1/flows/"+h+"/publish", nil).want(t, http.StatusOK)
		post("PUT", "", http.StatusAccepted)
		post("POST", "", http.StatusMethodNotAllowed)

		// b holds version 2 now; version 3 asks for a token.
		a.do("PUT", "/api/v1/flows/"+h, hookDoc(`, "auth": {"type": "bearer", "credential": "tok"}, "methods": ["PUT"]`)).want(t, http.StatusOK)
		a.do("POST", "/api/v1/flows/"+h+"/publish", nil).want(t, http.StatusOK)
		n := b.started()
		post("PUT", "", http.StatusUnauthorized)
		if b.started() != n {
			t.Fatalf("a webhook without the token version 3 asks for started %d runs", b.started()-n)
		}
		post("PUT", "Bearer s3cret", http.StatusAccepted)
		b.runs.mu.Lock()
		last := b.runs.started[len(b.runs.started)-1]
		b.runs.mu.Unlock()
		if last.Version != 3 {
			t.Errorf("the webhook started a run of version %d, want 3", last.Version)
		}
	})
}

// TestEventTooLargeOnlyForAStaleSnapshot: an event that would be too large
// for Temporal as a flow the process holds takes it (413) is answered only
// once a read says the process holds what the store does; here the flow
// has since moved to other events, so the event takes no flow: 202.
func TestEventTooLargeOnlyForAStaleSnapshot(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		a := apiOn(t, databaseURL)
		b := apiWith(t, databaseURL, func(o *Options) { o.MaxBodyBytes = 4 << 20 })
		f := a.publishedFlow(eventFlowDoc("big.*"))
		if got := b.eventRuns("big.small"); len(got) != 1 { // b now holds the flow
			t.Fatalf("a small event started %v", got)
		}
		a.do("PUT", "/api/v1/flows/"+f, eventFlowDoc("other.*")).want(t, http.StatusOK)
		a.do("POST", "/api/v1/flows/"+f+"/publish", nil).want(t, http.StatusOK)
		big := `{"event_type": "big.event", "data": {"note": "` + strings.Repeat("x", 700<<10) + `"}}`
		var res EventResult
		b.do("POST", "/api/v1/events", big).want(t, http.StatusAccepted).decode(t, &res)
		if len(res.Runs) != 0 {
			t.Errorf("the event started %d runs of a flow no longer subscribed", len(res.Runs))
		}
	})
}
