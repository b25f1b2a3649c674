package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// intakeEntry is a ledger entry of an event's run, for the intake tests.
func intakeEntry(runID string) engine.LedgerEntry {
	envelope := json.RawMessage(`{"event_id":"order-1","event_type":"order.paid"}`)
	return engine.LedgerEntry{RunID: runID, FlowID: "f1", FlowVersion: 1, StartedAt: time.Now().UTC(),
		Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope},
			ID: "order-1", Event: envelope}}
}

// keyRecorded reports whether the event key table holds key, and with
// which hash.
func keyRecorded(t *testing.T, s *Store, key string) (string, bool) {
	t.Helper()
	var found []EventKey
	if err := s.db.Where("event_key = ?", key).Find(&found).Error; err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		return "", false
	}
	return found[0].RequestHash, true
}

// refuseRunInsert returns the statements that make the database refuse
// to insert the run runID into run_records, and that take that back.
func refuseRunInsert(dialect, runID string) (refuse, allow string) {
	if dialect == "postgres" {
		return `CREATE OR REPLACE FUNCTION test_refuse_run() RETURNS trigger AS $$ BEGIN
				IF NEW.run_id = '` + runID + `' THEN RAISE EXCEPTION 'run insert refused by the test'; END IF;
				RETURN NEW; END $$ LANGUAGE plpgsql;
			CREATE TRIGGER test_refuse_run BEFORE INSERT ON run_records FOR EACH ROW EXECUTE FUNCTION test_refuse_run()`,
			"DROP TRIGGER test_refuse_run ON run_records; DROP FUNCTION test_refuse_run()"
	}
	return `CREATE TRIGGER test_refuse_run BEFORE INSERT ON run_records WHEN NEW.run_id = '` + runID + `'
			BEGIN SELECT RAISE(ABORT, 'run insert refused by the test'); END`,
		"DROP TRIGGER test_refuse_run"
}

// TestIntakeKeyAndRunsInOneTransaction: an event's key is written in the
// transaction that records its runs: when a run's insert fails, the key
// is not recorded either; when it succeeds, both are.
func TestIntakeKeyAndRunsInOneTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		l := s.Ledger()
		// The database itself refuses the second run's row, so the first
		// run and the key were written in the transaction before it.
		refuse, allow := refuseRunInsert(s.dialect, "r2")
		if err := s.db.Exec(refuse).Error; err != nil {
			t.Fatal(err)
		}
		key := &engine.RequestKey{Key: "order-1", RequestHash: "h1"}
		intake := []engine.Intake{{Entries: []engine.LedgerEntry{intakeEntry("r1"), intakeEntry("r2")}, Key: key}}

		if _, err := l.AcceptIntakes(ctx, intake); err == nil || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("AcceptIntakes = %v though its run insert failed", err)
		}
		if err := s.db.Exec(allow).Error; err != nil {
			t.Fatal(err)
		}
		if h, ok := keyRecorded(t, s, "order-1"); ok {
			t.Fatalf("a failed intake left its key behind (hash %q)", h)
		}
		if _, err := l.Get(ctx, "r1"); !errors.Is(err, engine.ErrRunNotFound) {
			t.Fatalf("a failed intake left run r1: %v", err)
		}

		got, err := l.AcceptIntakes(ctx, intake)
		if err != nil || len(got) != 1 || got[0].Err != nil || len(got[0].Accepted) != 2 ||
			!got[0].Accepted[0].Created || !got[0].Accepted[1].Created {
			t.Fatalf("AcceptIntakes = %+v, %v", got, err)
		}
		if h, ok := keyRecorded(t, s, "order-1"); !ok || h != "h1" {
			t.Fatalf("key recorded %v with hash %q, want h1", ok, h)
		}
	})
}

// TestIntakeKeyRefusal: a key coming back with the same hash is a repeat
// (its runs answered, not created); with another hash, in a later call or
// later in the same one, its intake records nothing and is ErrKeyReused,
// while the other intakes of the call are recorded; a key alone (an event
// no flow subscribes to) is remembered all the same.
func TestIntakeKeyRefusal(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		l := s.Ledger()
		k := func(key, hash string) *engine.RequestKey { return &engine.RequestKey{Key: key, RequestHash: hash} }
		first, err := l.AcceptIntakes(ctx, []engine.Intake{
			{Entries: []engine.LedgerEntry{intakeEntry("a1")}, Key: k("a", "h1")},
			{Entries: []engine.LedgerEntry{intakeEntry("a1"), intakeEntry("a-other")}, Key: k("a", "h2")},
			{Entries: []engine.LedgerEntry{intakeEntry("b1")}},
			{Key: k("lonely", "h1")},
		})
		if err != nil || len(first) != 4 {
			t.Fatalf("AcceptIntakes = %+v, %v", first, err)
		}
		if first[0].Err != nil || !first[0].Accepted[0].Created {
			t.Errorf("first intake of key a = %+v", first[0])
		}
		if !errors.Is(first[1].Err, engine.ErrKeyReused) || !errors.Is(first[1].Err, ErrKeyReused) || first[1].Accepted != nil {
			t.Errorf("key a with another hash in the same call = %+v", first[1])
		}
		if first[2].Err != nil || !first[2].Accepted[0].Created || first[3].Err != nil || len(first[3].Accepted) != 0 {
			t.Errorf("the other intakes = %+v, %+v", first[2], first[3])
		}
		if _, err := l.Get(ctx, "a-other"); !errors.Is(err, engine.ErrRunNotFound) {
			t.Errorf("a refused intake recorded its run: %v", err)
		}

		again, err := l.AcceptIntakes(ctx, []engine.Intake{
			{Entries: []engine.LedgerEntry{intakeEntry("a1")}, Key: k("a", "h1")},
			{Entries: []engine.LedgerEntry{intakeEntry("a-other")}, Key: k("a", "h2")},
			{Key: k("lonely", "h2")},
			{Entries: []engine.LedgerEntry{intakeEntry("c1")}, Key: k("c", "h1")},
		})
		if err != nil || len(again) != 4 {
			t.Fatalf("AcceptIntakes again = %+v, %v", again, err)
		}
		if again[0].Err != nil || again[0].Accepted[0].Created || again[0].Accepted[0].Entry.RunID != "a1" {
			t.Errorf("repeat of key a = %+v", again[0])
		}
		if !errors.Is(again[1].Err, engine.ErrKeyReused) || !errors.Is(again[2].Err, engine.ErrKeyReused) {
			t.Errorf("keys a and lonely with other hashes = %+v, %+v", again[1], again[2])
		}
		if again[3].Err != nil || !again[3].Accepted[0].Created {
			t.Errorf("key c = %+v", again[3])
		}
		if _, err := l.Get(ctx, "a-other"); !errors.Is(err, engine.ErrRunNotFound) {
			t.Errorf("a refused intake recorded its run: %v", err)
		}
	})
}

// TestIntakeSameKeyRace: calls racing with the same key (each in its own
// transaction) record its runs exactly once; every call answers with
// them; racers with another hash are refused, or win and refuse the
// others: one hash's calls succeed, the other's are all refused.
func TestIntakeSameKeyRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		l := s.Ledger()
		const racers = 12
		answers, errs := make([][]engine.IntakeAnswer, racers), make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				hash := "h" + fmt.Sprint(i%2) // two different bodies
				answers[i], errs[i] = l.AcceptIntakes(ctx, []engine.Intake{{
					Entries: []engine.LedgerEntry{intakeEntry("race-1"), intakeEntry("race-2")},
					Key:     &engine.RequestKey{Key: "racy", RequestHash: hash}}})
			}()
		}
		wg.Wait()
		winner, ok := keyRecorded(t, s, "racy")
		if !ok {
			t.Fatal("no racer recorded the key")
		}
		created := map[string]int{}
		for i := range racers {
			if errs[i] != nil || len(answers[i]) != 1 {
				t.Fatalf("racer %d: %+v, %v", i, answers[i], errs[i])
			}
			a := answers[i][0]
			if "h"+fmt.Sprint(i%2) != winner {
				if !errors.Is(a.Err, engine.ErrKeyReused) {
					t.Errorf("racer %d with the losing hash = %+v", i, a)
				}
				continue
			}
			if a.Err != nil || len(a.Accepted) != 2 || a.Accepted[0].Entry.RunID != "race-1" || a.Accepted[1].Entry.RunID != "race-2" {
				t.Fatalf("racer %d with the winning hash = %+v", i, a)
			}
			for _, acc := range a.Accepted {
				if acc.Created {
					created[acc.Entry.RunID]++
				}
			}
		}
		if created["race-1"] != 1 || created["race-2"] != 1 {
			t.Errorf("runs created %v times, want each once", created)
		}
	})
}

// TestIntakeRefusesAStaleBasis: an intake naming the revision its runs
// were decided from (engine.WithBasis) is recorded while that is still the
// revision; once a trigger write has moved it, the intake records nothing
// (neither runs nor key) and is ErrStale, while the other intakes of the
// same call (a current basis, or none) are recorded.
func TestIntakeRefusesAStaleBasis(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		l := s.Ledger()
		old, err := l.Revision(ctx)
		if err != nil || old == 0 {
			t.Fatalf("Revision = %d, %v; want a non-zero revision", old, err)
		}
		got, err := l.AcceptIntakes(ctx, []engine.Intake{{Entries: []engine.LedgerEntry{intakeEntry("r0")}, Basis: old}})
		if err != nil || got[0].Err != nil || !got[0].Accepted[0].Created {
			t.Fatalf("an intake at the current revision: %+v, %v", got, err)
		}
		if _, err := s.CreateFlow(ctx, "F", []byte(`{"v":0}`)); err != nil {
			t.Fatal(err)
		}
		f, err := s.CreateFlow(ctx, "G", []byte(`{"v":0}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Publish(ctx, f.ID, []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		cur, err := l.Revision(ctx)
		if err != nil || cur == old {
			t.Fatalf("Revision after a publish = %d, %v; want other than %d", cur, err, old)
		}
		got, err = l.AcceptIntakes(ctx, []engine.Intake{
			{Entries: []engine.LedgerEntry{intakeEntry("r1")}, Key: &engine.RequestKey{Key: "k1", RequestHash: "h"}, Basis: old},
			{Entries: []engine.LedgerEntry{intakeEntry("r2")}, Basis: cur},
			{Entries: []engine.LedgerEntry{intakeEntry("r3")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(got[0].Err, engine.ErrStale) {
			t.Errorf("the stale intake answered %+v, want ErrStale", got[0])
		}
		if _, err := l.Get(ctx, "r1"); !errors.Is(err, engine.ErrRunNotFound) {
			t.Errorf("the stale intake recorded its run: %v", err)
		}
		if _, ok := keyRecorded(t, s, "k1"); ok {
			t.Errorf("the stale intake recorded its key")
		}
		for i, id := range []string{"r2", "r3"} {
			if a := got[i+1]; a.Err != nil || len(a.Accepted) != 1 || !a.Accepted[0].Created {
				t.Errorf("intake of %s answered %+v", id, a)
			}
			if _, err := l.Get(ctx, id); err != nil {
				t.Errorf("run %s not recorded: %v", id, err)
			}
		}
	})
}
