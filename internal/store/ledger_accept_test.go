package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// TestAcceptIntakeOfManyRuns records a group of runs in one intake, some
// repeating runs recorded before and some repeating each other, on both
// backends: each new run is created once, each repeat answers with the
// run recorded first, and the triggers read back byte for byte though
// stored packed.
func TestAcceptIntakeOfManyRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		l := s.Ledger()
		acceptMany := func(entries []engine.LedgerEntry) ([]engine.Accepted, error) {
			got, err := l.AcceptIntakes(ctx, []engine.Intake{{Entries: entries}})
			if err != nil {
				return nil, err
			}
			if len(got) != 1 || got[0].Err != nil {
				return nil, fmt.Errorf("AcceptIntakes answered %+v", got)
			}
			return got[0].Accepted, nil
		}
		base := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		envelope := json.RawMessage(`{"event_id":"e","event_type":"order.paid","data":{"total":12.5}}`)
		entry := func(id string, at time.Duration) engine.LedgerEntry {
			return engine.LedgerEntry{RunID: id, FlowID: "f1", FlowVersion: 1, StartedAt: base.Add(at),
				Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope},
					ID: id, Event: envelope, Data: json.RawMessage(`{"total":12.5}`)}}
		}
		if _, created, err := l.Accept(ctx, entry("old", 0)); err != nil || !created {
			t.Fatalf("Accept(old) = %v, %v", created, err)
		}

		group := []engine.LedgerEntry{entry("a", time.Second), entry("old", time.Hour), entry("b", time.Second),
			entry("a", time.Hour), entry("c", time.Second)}
		got, err := acceptMany(group)
		if err != nil || len(got) != len(group) {
			t.Fatalf("AcceptIntakes = %d answers, %v", len(got), err)
		}
		wantCreated := []bool{true, false, true, false, true}
		for i, g := range got {
			if g.Created != wantCreated[i] || g.Entry.RunID != group[i].RunID || g.Entry.Status != engine.StatusAccepted {
				t.Errorf("answer %d (%s) = %+v, created %v; want created %v", i, group[i].RunID, g.Entry, g.Created, wantCreated[i])
			}
		}
		// Repeats answer with what was recorded first, not with themselves.
		if !got[1].Entry.StartedAt.Equal(base) || !got[3].Entry.StartedAt.Equal(base.Add(time.Second)) {
			t.Errorf("repeats answered with start times %v and %v", got[1].Entry.StartedAt, got[3].Entry.StartedAt)
		}
		for _, id := range []string{"old", "a", "b", "c"} {
			e, err := l.Get(ctx, id)
			if err != nil {
				t.Fatalf("Get(%s): %v", id, err)
			}
			tr := e.Trigger
			if !bytes.Equal(tr.Body, envelope) || !bytes.Equal(tr.Event, envelope) || string(tr.Data) != `{"total":12.5}` || tr.ID != id {
				t.Errorf("run %s reads back trigger %+v", id, tr)
			}
		}
		var stored RunRecord
		if err := s.db.Where("run_id = ?", "a").Take(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(stored.Trigger, []byte("order.paid")); n != 1 {
			t.Errorf("the stored trigger holds the envelope %d times, want once: %s", n, stored.Trigger)
		}

		// Groups racing over the same runs: each run is created by
		// exactly one of them, and every answer names it.
		const groups, runs = 4, 20
		created := make([][]engine.Accepted, groups)
		var wg sync.WaitGroup
		for g := range groups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				entries := make([]engine.LedgerEntry, runs)
				for i := range entries {
					entries[i] = entry(fmt.Sprintf("race-%d", (i+g*5)%runs), time.Duration(g)*time.Minute)
				}
				ans, err := acceptMany(entries)
				if err != nil {
					t.Errorf("group %d: %v", g, err)
				}
				created[g] = ans
			}()
		}
		wg.Wait()
		times := map[string]int{}
		for g, ans := range created {
			for i, a := range ans {
				if want := fmt.Sprintf("race-%d", (i+g*5)%runs); a.Entry == nil || a.Entry.RunID != want {
					t.Errorf("group %d answer %d names %+v, want %s", g, i, a.Entry, want)
				}
				if a.Created {
					times[a.Entry.RunID]++
				}
			}
		}
		for i := range runs {
			if id := fmt.Sprintf("race-%d", i); times[id] != 1 {
				t.Errorf("%s created %d times, want once", id, times[id])
			}
		}
	})
}
