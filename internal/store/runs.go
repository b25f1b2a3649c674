package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/flowline/flowline/engine"
)

// Ledger statuses of a batched run: the engine's run statuses.
const (
	// RunAccepted: recorded by the API, not yet taken by a batch workflow.
	RunAccepted = engine.StatusAccepted
	// RunRunning: claimed by a batch workflow, steps under way.
	RunRunning = engine.StatusRunning
	// RunSucceeded and RunFailed: finished inside the batch workflow.
	RunSucceeded = engine.StatusSucceeded
	RunFailed    = engine.StatusFailed
	// RunCanceled: stopped on request.
	RunCanceled = engine.StatusCanceled
	// RunHandedOff: a step needed a retry, so the run went on in a
	// workflow of its own, which Temporal visibility lists from then on.
	RunHandedOff = engine.StatusHandedOff
)

// RunRecord is the ledger entry of a run carried by a batch workflow: it
// dedupes repeated triggers, lets the batch workflow claim each run exactly
// once, and keeps the outcome for GET /runs.
type RunRecord struct {
	RunID       string `gorm:"primaryKey;size:191"`
	FlowID      string `gorm:"not null;size:64;index:idx_run_records_flow_started,priority:1"`
	FlowVersion int    `gorm:"not null"`
	Status      string `gorm:"not null;size:16;index"`
	// WorkflowID and TemporalRunID name the Temporal execution that
	// carries the run (the batch workflow, or the run's own workflow once
	// handed off).
	WorkflowID    string `gorm:"size:191"`
	TemporalRunID string `gorm:"size:64"`
	// ClaimToken names the claim that took the run, so that a claim
	// repeated after a crash takes the same runs again.
	ClaimToken string `gorm:"size:191"`
	// Trigger is the run's trigger as the engine records it (JSON).
	Trigger JSON `gorm:"type:text"`
	// Steps is the list of step results once the run finished (JSON).
	Steps     JSON       `gorm:"type:text"`
	Error     string     `gorm:"type:text"`
	StartedAt time.Time  `gorm:"not null;index:idx_run_records_flow_started,priority:2;index:idx_run_records_started"`
	ClosedAt  *time.Time `gorm:""`
}

// AcceptRun records rec as accepted. When a record with the same run id
// exists, nothing is written and the existing record is returned with
// created false: the caller answers with it instead of starting again.
func (s *Store) AcceptRun(ctx context.Context, rec *RunRecord) (*RunRecord, bool, error) {
	rec.Status = RunAccepted
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(rec)
	if res.Error != nil {
		return nil, false, fmt.Errorf("recording run %s: %w", rec.RunID, res.Error)
	}
	if res.RowsAffected == 1 {
		return rec, true, nil
	}
	existing, err := s.GetRunRecord(ctx, rec.RunID)
	if err != nil {
		return nil, false, err
	}
	return existing, false, nil
}

// GetRunRecord returns the ledger entry of a run.
func (s *Store) GetRunRecord(ctx context.Context, runID string) (*RunRecord, error) {
	var r RunRecord
	if err := s.db.WithContext(ctx).Where("run_id = ?", runID).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("getting run %s: %w", runID, notFound(err))
	}
	return &r, nil
}

// ClaimRuns marks the accepted runs among runIDs as running under token and
// returns the ids it claimed. Runs already claimed under the same token are
// returned again, so repeating a claim (after a crash) is harmless; runs
// claimed under another token, finished or unknown are left out.
func (s *Store) ClaimRuns(ctx context.Context, runIDs []string, token, workflowID, temporalRunID string) ([]string, error) {
	ids := distinct(runIDs)
	var claimed []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Usually every run is still accepted: each is claimed by one
		// statement, prepared once. (One statement for all, "run_id IN
		// (…)", makes SQLite build and drop a temporary index of the
		// list each time, whose memory it maps and unmaps.)
		n, err := execEach(ctx, tx, claimRun, len(ids), func(i int) []any {
			return []any{RunRunning, token, workflowID, temporalRunID, ids[i], RunAccepted}
		})
		if err != nil {
			return err
		}
		if n == len(ids) {
			claimed = ids
			return nil
		}
		// Some were not accepted: a repeated claim, or runs taken
		// elsewhere. A claim repeated by a reset execution moves its runs
		// to it.
		err = tx.Exec("UPDATE run_records SET workflow_id = ?, temporal_run_id = ? WHERE run_id IN ? AND claim_token = ? AND status = ?",
			workflowID, temporalRunID, ids, token, RunRunning).Error
		if err != nil {
			return err
		}
		return tx.Raw("SELECT run_id FROM run_records WHERE run_id IN ? AND claim_token = ?", ids, token).Scan(&claimed).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claiming %d runs: %w", len(ids), err)
	}
	return claimed, nil
}

// claimRun claims one accepted run.
const claimRun = "UPDATE run_records SET status = $1, claim_token = $2, workflow_id = $3, temporal_run_id = $4 WHERE run_id = $5 AND status = $6"

// distinct returns ids without repeats, in their first order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// RunFinish is the outcome of one batched run.
type RunFinish struct {
	RunID string
	// ClaimToken is the claim the run was taken under: an outcome is
	// recorded only while the run is still running under it.
	ClaimToken string
	Status     string
	Steps      JSON
	Error      string
	ClosedAt   *time.Time
	// WorkflowID and TemporalRunID, when set, replace the carrying
	// execution (a run handed off to a workflow of its own).
	WorkflowID    string
	TemporalRunID string
}

// FinishRuns records the outcomes of finished (or handed-off) runs in one
// transaction. An outcome is written only to a run still running under the
// claim it names, so writing it twice changes nothing, and a batch that
// lost its runs (they were given back, or canceled) cannot overwrite them.
func (s *Store) FinishRuns(ctx context.Context, done []RunFinish) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Prepared once for the whole transaction rather than parsed
		// again for every run.
		st := statementsIn(ctx, tx)
		defer st.close()
		for _, d := range done {
			var err error
			if d.WorkflowID != "" {
				_, err = st.exec("UPDATE run_records SET status = $1, steps = $2, error = $3, closed_at = $4, workflow_id = $5, temporal_run_id = $6 WHERE run_id = $7 AND status = $8 AND claim_token = $9",
					d.Status, d.Steps, d.Error, d.ClosedAt, d.WorkflowID, d.TemporalRunID, d.RunID, RunRunning, d.ClaimToken)
			} else {
				_, err = st.exec("UPDATE run_records SET status = $1, steps = $2, error = $3, closed_at = $4 WHERE run_id = $5 AND status = $6 AND claim_token = $7",
					d.Status, d.Steps, d.Error, d.ClosedAt, d.RunID, RunRunning, d.ClaimToken)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording %d finished runs: %w", len(done), err)
	}
	return nil
}

// RunRecordFilter narrows ListRunRecords. Before, when set, keeps runs that
// started strictly before it (or at it with a smaller run id than
// BeforeID), for paging newest first.
type RunRecordFilter struct {
	FlowID   string
	Statuses []string
	Before   *time.Time
	BeforeID string
	// StartedBefore keeps runs that started before it.
	StartedBefore *time.Time
	// WorkflowID and TemporalRunID, when set, keep the runs of that
	// execution.
	WorkflowID    string
	TemporalRunID string
	Limit         int
	// OldestFirst lists oldest first instead.
	OldestFirst bool
}

// ListRunRecords lists ledger entries newest first. Handed-off runs are
// left out: their own workflows list them.
func (s *Store) ListRunRecords(ctx context.Context, f RunRecordFilter) ([]RunRecord, error) {
	q := s.db.WithContext(ctx).Model(&RunRecord{}).Where("status <> ?", RunHandedOff)
	if f.FlowID != "" {
		q = q.Where("flow_id = ?", f.FlowID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.Before != nil {
		q = q.Where("(started_at < ? OR (started_at = ? AND run_id < ?))", *f.Before, *f.Before, f.BeforeID)
	}
	if f.StartedBefore != nil {
		q = q.Where("started_at < ?", f.StartedBefore.UTC())
	}
	if f.WorkflowID != "" {
		q = q.Where("workflow_id = ? AND temporal_run_id = ?", f.WorkflowID, f.TemporalRunID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []RunRecord
	order := "started_at DESC, run_id DESC"
	if f.OldestFirst {
		order = "started_at, run_id"
	}
	if err := q.Order(order).Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return out, nil
}

// PruneRunRecords deletes the ledger entries of runs that started before
// cutoff and are no longer running, chunk of them per statement
// (DefaultPruneChunk when not positive), and returns how many went.
func (s *Store) PruneRunRecords(ctx context.Context, cutoff time.Time, chunk int) (int64, error) {
	if chunk <= 0 {
		chunk = DefaultPruneChunk
	}
	var total int64
	for {
		// In chunks, so that a long backlog never holds the database (one
		// writer, for SQLite) for long.
		ids := s.db.Model(&RunRecord{}).Select("run_id").
			Where("started_at < ? AND status <> ?", cutoff.UTC(), RunRunning).Limit(chunk)
		res := s.db.WithContext(ctx).Where("run_id IN (?)", ids).Delete(&RunRecord{})
		if res.Error != nil {
			return total, fmt.Errorf("pruning runs started before %s: %w", cutoff.Format(time.RFC3339), res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < int64(chunk) {
			return total, nil
		}
	}
}

// DefaultPruneChunk is how many ledger entries one pruning statement
// deletes unless told otherwise: a long backlog goes in short
// statements.
const DefaultPruneChunk = 1000

// CancelAcceptedRun marks a run that no batch has claimed yet as canceled,
// so that no batch ever will, and reports whether it did.
func (s *Store) CancelAcceptedRun(ctx context.Context, runID string) (bool, error) {
	now := time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&RunRecord{}).Where("run_id = ? AND status = ?", runID, RunAccepted).
		Updates(map[string]any{"status": RunCanceled, "error": "canceled before it started", "closed_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("canceling run %s: %w", runID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseRun puts a run its batch claimed but never finished back to
// accepted, for another batch to claim, and reports whether it did (not
// when the run has moved on meanwhile).
func (s *Store) ReleaseRun(ctx context.Context, runID, claimToken string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&RunRecord{}).
		Where("run_id = ? AND status = ? AND claim_token = ?", runID, RunRunning, claimToken).
		Updates(map[string]any{"status": RunAccepted, "claim_token": ""})
	if res.Error != nil {
		return false, fmt.Errorf("releasing run %s: %w", runID, res.Error)
	}
	return res.RowsAffected == 1, nil
}
