package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunLedger(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		for i, id := range []string{"f1-a", "f1-b", "f1-c", "f2-a"} {
			flow := id[:2]
			rec := &RunRecord{RunID: id, FlowID: flow, FlowVersion: 1, WorkflowID: "batch-" + flow,
				Trigger: JSON(`{"type":"event"}`), StartedAt: base.Add(time.Duration(i) * time.Second)}
			got, created, err := s.AcceptRun(ctx, rec)
			if err != nil || !created || got.Status != RunAccepted {
				t.Fatalf("AcceptRun(%s) = %+v, %v, %v", id, got, created, err)
			}
		}
		// A repeat writes nothing and answers with the first record.
		again, created, err := s.AcceptRun(ctx, &RunRecord{RunID: "f1-a", FlowID: "f1", FlowVersion: 9, StartedAt: base.Add(time.Hour)})
		if err != nil || created || again.FlowVersion != 1 || !again.StartedAt.Equal(base) {
			t.Fatalf("repeated AcceptRun = %+v, %v, %v", again, created, err)
		}

		claimed, err := s.ClaimRuns(ctx, []string{"f1-a", "f1-b", "nope"}, "tok1", "batch-f1", "trun1")
		if err != nil || !sameSet(claimed, []string{"f1-a", "f1-b"}) {
			t.Fatalf("ClaimRuns = %v, %v", claimed, err)
		}
		// The same claim again (a replayed local activity) takes the same runs.
		claimed, err = s.ClaimRuns(ctx, []string{"f1-a", "f1-b"}, "tok1", "batch-f1", "trun1")
		if err != nil || !sameSet(claimed, []string{"f1-a", "f1-b"}) {
			t.Fatalf("repeated ClaimRuns = %v, %v", claimed, err)
		}
		// Another claim (a duplicate signal) takes none of them.
		claimed, err = s.ClaimRuns(ctx, []string{"f1-a", "f1-c"}, "tok2", "batch-f1", "trun1")
		if err != nil || !sameSet(claimed, []string{"f1-c"}) {
			t.Fatalf("second ClaimRuns = %v, %v", claimed, err)
		}
		rec, err := s.GetRunRecord(ctx, "f1-a")
		if err != nil || rec.Status != RunRunning || rec.TemporalRunID != "trun1" || rec.ClaimToken != "tok1" {
			t.Fatalf("claimed record = %+v, %v", rec, err)
		}

		// A reset execution repeating the claim takes the run over.
		if claimed, err := s.ClaimRuns(ctx, []string{"f1-a"}, "tok1", "batch-f1", "trun1b"); err != nil || !sameSet(claimed, []string{"f1-a"}) {
			t.Fatalf("claim repeated after a reset = %v, %v", claimed, err)
		}
		if rec, _ := s.GetRunRecord(ctx, "f1-a"); rec.TemporalRunID != "trun1b" {
			t.Fatalf("after a reset the run still names %q", rec.TemporalRunID)
		}

		closed := base.Add(time.Minute)
		err = s.FinishRuns(ctx, []RunFinish{
			{RunID: "f1-a", ClaimToken: "tok1", Status: RunSucceeded, Steps: JSON(`[{"id":"post"}]`), ClosedAt: &closed},
			{RunID: "f1-b", ClaimToken: "tok1", Status: RunHandedOff, WorkflowID: "flow-f1-b", TemporalRunID: "own"},
			// Another claim's outcome for a run is not written.
			{RunID: "f1-c", ClaimToken: "tok1", Status: RunFailed},
		})
		if err != nil {
			t.Fatalf("FinishRuns: %v", err)
		}
		rec, _ = s.GetRunRecord(ctx, "f1-a")
		if rec.Status != RunSucceeded || string(rec.Steps) != `[{"id":"post"}]` || rec.ClosedAt == nil || !rec.ClosedAt.Equal(closed) {
			t.Fatalf("finished record = %+v", rec)
		}
		if rec, _ := s.GetRunRecord(ctx, "f1-c"); rec.Status != RunRunning {
			t.Fatalf("an outcome under another claim was written: %+v", rec)
		}
		rec, _ = s.GetRunRecord(ctx, "f1-b")
		if rec.Status != RunHandedOff || rec.WorkflowID != "flow-f1-b" || rec.TemporalRunID != "own" {
			t.Fatalf("handed-off record = %+v", rec)
		}

		// Newest first, handed-off runs left out, filters and paging.
		list, err := s.ListRunRecords(ctx, RunRecordFilter{})
		if err != nil || ids(list) != "f2-a,f1-c,f1-a" {
			t.Fatalf("ListRunRecords = %s, %v", ids(list), err)
		}
		list, _ = s.ListRunRecords(ctx, RunRecordFilter{FlowID: "f1", Statuses: []string{RunSucceeded}})
		if ids(list) != "f1-a" {
			t.Fatalf("filtered list = %s", ids(list))
		}
		if oldest, _ := s.ListRunRecords(ctx, RunRecordFilter{Limit: 2, OldestFirst: true}); ids(oldest) != "f1-a,f1-c" {
			t.Fatalf("oldest first = %s", ids(oldest))
		}
		page, _ := s.ListRunRecords(ctx, RunRecordFilter{Limit: 2})
		next, _ := s.ListRunRecords(ctx, RunRecordFilter{Limit: 2, Before: &page[1].StartedAt, BeforeID: page[1].RunID})
		if ids(page) != "f2-a,f1-c" || ids(next) != "f1-a" {
			t.Fatalf("pages = %s then %s", ids(page), ids(next))
		}
		// A batch that ended without finishing its runs gives them back.
		cutoff := base.Add(time.Hour)
		running, err := s.ListRunRecords(ctx, RunRecordFilter{Statuses: []string{RunRunning}, StartedBefore: &cutoff})
		if err != nil || len(running) != 1 || running[0].WorkflowID != "batch-f1" || running[0].TemporalRunID != "trun1" {
			t.Fatalf("running runs = %v, %v", running, err)
		}
		if early, _ := s.ListRunRecords(ctx, RunRecordFilter{Statuses: []string{RunRunning}, StartedBefore: &base}); len(early) != 0 {
			t.Fatalf("runs started before %s = %v", base, early)
		}
		claimedRecs, err := s.ListRunRecords(ctx, RunRecordFilter{Statuses: []string{RunRunning}, WorkflowID: "batch-f1", TemporalRunID: "trun1"})
		if err != nil || len(claimedRecs) != 1 || claimedRecs[0].RunID != "f1-c" {
			t.Fatalf("claimed runs = %v, %v", claimedRecs, err)
		}
		if other, _ := s.ListRunRecords(ctx, RunRecordFilter{WorkflowID: "batch-f1", TemporalRunID: "trun-other"}); len(other) != 0 {
			t.Fatalf("runs of another execution = %v", other)
		}
		if ok, err := s.ReleaseRun(ctx, "f1-c", "tok-other"); err != nil || ok {
			t.Fatalf("ReleaseRun under the wrong claim = %v, %v", ok, err)
		}
		if ok, err := s.ReleaseRun(ctx, "f1-c", claimedRecs[0].ClaimToken); err != nil || !ok {
			t.Fatalf("ReleaseRun = %v, %v", ok, err)
		}
		if claimed, _ := s.ClaimRuns(ctx, []string{"f1-c"}, "tok9", "batch-f1", "trun2"); !sameSet(claimed, []string{"f1-c"}) {
			t.Fatalf("a released run could not be claimed again: %v", claimed)
		}

		// An accepted run can be canceled before any batch claims it; a
		// claimed one cannot.
		if ok, err := s.CancelAcceptedRun(ctx, "f2-a"); err != nil || !ok {
			t.Fatalf("CancelAcceptedRun(accepted) = %v, %v", ok, err)
		}
		if claimed, _ := s.ClaimRuns(ctx, []string{"f2-a"}, "tok3", "b", "r"); len(claimed) != 0 {
			t.Fatalf("a canceled run was claimed: %v", claimed)
		}
		if ok, _ := s.CancelAcceptedRun(ctx, "f1-c"); ok {
			t.Fatal("CancelAcceptedRun canceled a claimed run")
		}

		// Pruning drops what started before the cutoff, except running
		// runs, in chunks (of one here).
		n, err := s.LedgerWith(LedgerOptions{PruneChunk: 1}).Prune(ctx, base.Add(3*time.Second))
		if err != nil || n != 2 {
			t.Fatalf("Prune = %d, %v; want the succeeded and handed-off runs gone", n, err)
		}
		list, _ = s.ListRunRecords(ctx, RunRecordFilter{})
		if ids(list) != "f2-a,f1-c" {
			t.Fatalf("after pruning: %s", ids(list))
		}
		if _, err := s.GetRunRecord(ctx, "missing"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetRunRecord missing: %v", err)
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func ids(rs []RunRecord) string {
	var out []byte
	for i, r := range rs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, r.RunID...)
	}
	return string(out)
}

// rememberKey records key with requestHash alone, as an event no flow
// subscribes to does (an intake without runs).
func rememberKey(ctx context.Context, s *Store, key, requestHash string) error {
	res, err := s.AcceptIntakes(ctx, []RunIntake{{Key: &EventKey{Key: key, RequestHash: requestHash}}})
	if err != nil {
		return err
	}
	return res[0].Err
}

// TestEventKeys: a key with the same request hash is a repeat; with
// another it is ErrKeyReused (an ErrConflict); pruning forgets old keys.
func TestEventKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		long := strings.Repeat("é", 200)
		for _, key := range []string{"order-42", long} {
			if err := rememberKey(ctx, s, key, "h1"); err != nil {
				t.Fatalf("first: %v", err)
			}
			if err := rememberKey(ctx, s, key, "h1"); err != nil {
				t.Fatalf("repeat: %v", err)
			}
			err := rememberKey(ctx, s, key, "h2")
			if !errors.Is(err, ErrKeyReused) || !errors.Is(err, ErrConflict) {
				t.Fatalf("other body: %v", err)
			}
		}
		n, err := s.PruneEventKeys(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("PruneEventKeys = %d, %v", n, err)
		}
		if err := rememberKey(ctx, s, "order-42", "h2"); err != nil {
			t.Fatalf("after pruning: %v", err)
		}
	})
}

// TestClaimRunsRepeatedID checks the one-statement claim: a run named
// twice in one claim (signalled twice) is claimed and returned once.
func TestClaimRunsRepeatedID(t *testing.T) {
	eachBackend(t, func(t *testing.T, databaseURL string) {
		ctx := testContext(t)
		s := openStore(t, databaseURL)
		at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		for _, id := range []string{"r-a", "r-b"} {
			if _, _, err := s.AcceptRun(ctx, &RunRecord{RunID: id, FlowID: "f1", FlowVersion: 1, StartedAt: at}); err != nil {
				t.Fatalf("AcceptRun(%s): %v", id, err)
			}
		}
		claimed, err := s.ClaimRuns(ctx, []string{"r-a", "r-b", "r-a"}, "tok", "batch-f1", "trun")
		if err != nil || len(claimed) != 2 || !sameSet(claimed, []string{"r-a", "r-b"}) {
			t.Fatalf("ClaimRuns = %v, %v", claimed, err)
		}
		rec, err := s.GetRunRecord(ctx, "r-b")
		if err != nil || rec.Status != RunRunning || rec.ClaimToken != "tok" || rec.WorkflowID != "batch-f1" || rec.TemporalRunID != "trun" {
			t.Fatalf("claimed record = %+v, %v", rec, err)
		}
	})
}
