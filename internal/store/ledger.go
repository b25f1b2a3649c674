package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// Ledger returns the engine's run ledger on this store, with the default
// LedgerOptions.
func (s *Store) Ledger() engine.Ledger { return s.LedgerWith(LedgerOptions{}) }

// LedgerOptions shape the run ledger; a zero field takes its default.
type LedgerOptions struct {
	// PruneChunk is how many entries one pruning statement deletes
	// [DefaultPruneChunk].
	PruneChunk int
}

// LedgerWith returns the engine's run ledger on this store, shaped by o.
func (s *Store) LedgerWith(o LedgerOptions) engine.Ledger { return runLedger{s: s, opts: o} }

// runLedger implements engine.Ledger on the run_records table.
type runLedger struct {
	s    *Store
	opts LedgerOptions
}

var _ engine.Ledger = runLedger{}

// Accept implements engine.Ledger.
func (l runLedger) Accept(ctx context.Context, e engine.LedgerEntry) (*engine.LedgerEntry, bool, error) {
	rec, err := runRecordOf(e)
	if err != nil {
		return nil, false, err
	}
	rec, created, err := l.s.AcceptRun(ctx, rec)
	if err != nil {
		return nil, false, err
	}
	out, err := entryOf(rec)
	return out, created, err
}

// runRecordOf is the ledger record that accepts e; its trigger is packed
// (engine.PackTrigger), so what repeats itself is stored once.
func runRecordOf(e engine.LedgerEntry) (*RunRecord, error) {
	trigger, err := json.Marshal(engine.PackTrigger(e.Trigger))
	if err != nil {
		return nil, fmt.Errorf("encoding the trigger of run %s: %w", e.RunID, err)
	}
	return &RunRecord{RunID: e.RunID, FlowID: e.FlowID, FlowVersion: e.FlowVersion,
		Trigger: trigger, StartedAt: e.StartedAt}, nil
}

// Revision implements engine.Ledger: the trigger revision's Sum.
func (l runLedger) Revision(ctx context.Context) (int64, error) {
	rev, err := l.s.TriggerRevision(ctx)
	return rev.Sum(), err
}

// Get implements engine.Ledger.
func (l runLedger) Get(ctx context.Context, runID string) (*engine.LedgerEntry, error) {
	rec, err := l.s.GetRunRecord(ctx, runID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("run %s: %w", runID, engine.ErrRunNotFound)
	}
	if err != nil {
		return nil, err
	}
	return entryOf(rec)
}

// Claim implements engine.Ledger.
func (l runLedger) Claim(ctx context.Context, req engine.ClaimRequest) ([]string, error) {
	return l.s.ClaimRuns(ctx, req.RunIDs, req.Token, req.WorkflowID, req.TemporalRunID)
}

// Finish implements engine.Ledger.
func (l runLedger) Finish(ctx context.Context, done []engine.FinishedRun) error {
	out := make([]RunFinish, len(done))
	for i, d := range done {
		steps, err := json.Marshal(d.Steps)
		if err != nil {
			return fmt.Errorf("encoding the steps of run %s: %w", d.RunID, err)
		}
		out[i] = RunFinish{RunID: d.RunID, ClaimToken: d.ClaimToken, Status: d.Status, Steps: steps, Error: d.Error,
			ClosedAt: d.ClosedAt, WorkflowID: d.WorkflowID, TemporalRunID: d.TemporalRunID}
	}
	return l.s.FinishRuns(ctx, out)
}

// CancelAccepted implements engine.Ledger.
func (l runLedger) CancelAccepted(ctx context.Context, runID string) (bool, error) {
	return l.s.CancelAcceptedRun(ctx, runID)
}

// Release implements engine.Ledger.
func (l runLedger) Release(ctx context.Context, runID, claimToken string) (bool, error) {
	return l.s.ReleaseRun(ctx, runID, claimToken)
}

// List implements engine.Ledger.
func (l runLedger) List(ctx context.Context, f engine.LedgerFilter) ([]engine.LedgerEntry, error) {
	rf := RunRecordFilter{FlowID: f.FlowID, Statuses: f.Statuses, Before: f.Before, BeforeID: f.BeforeID,
		StartedBefore: f.StartedBefore, Limit: f.Limit, OldestFirst: f.OldestFirst}
	if f.Claimed != nil {
		rf.WorkflowID, rf.TemporalRunID = f.Claimed.WorkflowID, f.Claimed.TemporalRunID
	}
	recs, err := l.s.ListRunRecords(ctx, rf)
	if err != nil {
		return nil, err
	}
	out := make([]engine.LedgerEntry, len(recs))
	for i := range recs {
		e, err := entryOf(&recs[i])
		if err != nil {
			return nil, err
		}
		out[i] = *e
	}
	return out, nil
}

// Prune implements engine.Ledger. The event keys that dedupe events
// (their request hashes) go with the runs they started.
func (l runLedger) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := l.s.PruneRunRecords(ctx, cutoff, l.opts.PruneChunk)
	if err != nil {
		return n, err
	}
	if _, err := l.s.PruneEventKeys(ctx, cutoff); err != nil {
		return n, err
	}
	return n, nil
}

// PinnedVersion implements engine.Versions: the document of a published
// version.
func (s *Store) PinnedVersion(ctx context.Context, flowID string, version int) (*flows.Document, error) {
	v, err := s.GetVersion(ctx, flowID, version)
	if err != nil {
		return nil, err
	}
	doc, err := flows.ParseDocument(v.Document)
	if err != nil {
		return nil, fmt.Errorf("reading version %d of flow %s: %w", version, flowID, err)
	}
	return doc, nil
}

var _ engine.Versions = (*Store)(nil)

// entryOf is the engine's view of a ledger record.
func entryOf(rec *RunRecord) (*engine.LedgerEntry, error) {
	e := &engine.LedgerEntry{RunID: rec.RunID, FlowID: rec.FlowID, FlowVersion: rec.FlowVersion, Status: rec.Status,
		WorkflowID: rec.WorkflowID, TemporalRunID: rec.TemporalRunID, ClaimToken: rec.ClaimToken, Error: rec.Error,
		StartedAt: rec.StartedAt.UTC(), ClosedAt: rec.ClosedAt}
	if len(rec.Trigger) > 0 {
		// Packed, or (recorded before packing) whole: Unpack keeps that.
		var p engine.PackedTrigger
		if err := json.Unmarshal(rec.Trigger, &p); err != nil {
			return nil, fmt.Errorf("decoding the trigger of run %s: %w", rec.RunID, err)
		}
		e.Trigger = p.Unpack()
	}
	if len(rec.Steps) > 0 && string(rec.Steps) != "null" {
		if err := json.Unmarshal(rec.Steps, &e.Steps); err != nil {
			return nil, fmt.Errorf("decoding the steps of run %s: %w", rec.RunID, err)
		}
	}
	return e, nil
}
