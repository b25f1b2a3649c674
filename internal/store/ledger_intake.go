package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/flowline/flowline/engine"
)

// RunIntake is what one request records: its runs (perhaps none) and
// its event key (nil for none).
type RunIntake struct {
	Runs []*RunRecord
	Key  *EventKey
	// Basis, when not zero, is the revision (TriggerRevision.Sum) the
	// runs were decided from: the intake records nothing once it is not.
	Basis int64
}

// IntakeResult answers one RunIntake: Runs[i] and Created[i] answer its
// Runs[i] as AcceptRun would, or Err (matching ErrKeyReused) refuses it.
type IntakeResult struct {
	Runs    []*RunRecord
	Created []bool
	Err     error
}

// AcceptIntakes implements engine.Ledger.
func (l runLedger) AcceptIntakes(ctx context.Context, intakes []engine.Intake) ([]engine.IntakeAnswer, error) {
	in := make([]RunIntake, len(intakes))
	for i, it := range intakes {
		for _, e := range it.Entries {
			rec, err := runRecordOf(e)
			if err != nil {
				return nil, err
			}
			in[i].Runs = append(in[i].Runs, rec)
		}
		if it.Key != nil {
			in[i].Key = &EventKey{Key: it.Key.Key, RequestHash: it.Key.RequestHash}
		}
		in[i].Basis = it.Basis
	}
	got, err := l.s.AcceptIntakes(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]engine.IntakeAnswer, len(got))
	for i, r := range got {
		if r.Err != nil {
			out[i].Err = r.Err
			continue
		}
		out[i].Accepted = make([]engine.Accepted, len(r.Runs))
		for j, rec := range r.Runs {
			e, err := entryOf(rec)
			if err != nil {
				return nil, err
			}
			out[i].Accepted[j] = engine.Accepted{Entry: e, Created: r.Created[j]}
		}
	}
	return out, nil
}

// errAcceptRace rolls back an AcceptIntakes transaction that met runs or
// keys recorded by another at the same moment, to try again knowing them.
var errAcceptRace = errors.New("runs recorded concurrently")

// keyReused is the error refusing key: it matches ErrKeyReused and
// engine.ErrKeyReused.
func keyReused(key string) error {
	return fmt.Errorf("event key %q: %w (%w)", key, ErrKeyReused, engine.ErrKeyReused)
}

// AcceptIntakes records intakes in one transaction: each intake's runs
// as accepted (each as AcceptRun would; of runs repeating a run id,
// across all intakes, the first is recorded and the others are answered
// with it) and its key with
// them, so that a key and its runs are recorded together or not at all.
// An intake whose key was recorded before, or by an earlier intake, with
// another request hash records nothing and is answered ErrKeyReused; one
// whose key was recorded with the same hash is a repeat (its runs, if
// recorded, answer as repeats). It writes nothing on an error.
func (s *Store) AcceptIntakes(ctx context.Context, intakes []RunIntake) ([]IntakeResult, error) {
	n := 0
	for _, it := range intakes {
		n += len(it.Runs)
		for _, r := range it.Runs {
			r.Status = RunAccepted
		}
	}
	var (
		res intakeTry
		err error
	)
	// The first try assumes every run and key is new, the common case,
	// with one statement each; when some were not, it rolls back and
	// tries again, reading which ones first.
	for try := 0; try < 5; try++ {
		res, err = s.acceptIntakes(ctx, intakes, try > 0)
		if !errors.Is(err, errAcceptRace) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("recording %d runs: %w", n, err)
	}
	out := make([]IntakeResult, len(intakes))
	for i, it := range intakes {
		if res.stale[i] != 0 {
			out[i].Err = fmt.Errorf("revision %d, decided at %d: %w", res.stale[i], it.Basis, engine.ErrStale)
			continue
		}
		if res.refused[i] {
			out[i].Err = keyReused(it.Key.Key)
			continue
		}
		out[i].Runs, out[i].Created = make([]*RunRecord, len(it.Runs)), make([]bool, len(it.Runs))
		for j, r := range it.Runs {
			if e, ok := res.existing[r.RunID]; ok {
				out[i].Runs[j] = e
				continue
			}
			f := res.first[r.RunID]
			out[i].Runs[j], out[i].Created[j] = f, f == r
		}
	}
	return out, nil
}

// intakeTry is what one try of AcceptIntakes found: the runs recorded
// before it, the first record of each run id it recorded, and which
// intakes it refused: for a reused key, or (stale, the revision read) for
// a basis that is no longer the revision.
type intakeTry struct {
	existing map[string]*RunRecord
	first    map[string]*RunRecord
	refused  []bool
	stale    []int64
}

// acceptIntakes is one try of AcceptIntakes: it reads the runs and keys
// recorded before first when lookFirst is set; without it, any of them
// recorded before is errAcceptRace.
func (s *Store) acceptIntakes(ctx context.Context, intakes []RunIntake, lookFirst bool) (intakeTry, error) {
	res := intakeTry{existing: map[string]*RunRecord{}, first: map[string]*RunRecord{}, refused: make([]bool, len(intakes)),
		stale: make([]int64, len(intakes))}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := staleIntakes(tx, intakes, res.stale); err != nil {
			return err
		}
		known := map[string]string{} // event key → its request hash
		if lookFirst {
			if err := readIntakes(tx, intakes, res.existing, known); err != nil {
				return err
			}
		}
		// Keys first, each recorded by the first intake naming it; an
		// intake repeating it with another hash is refused.
		var keys []*EventKey
		for i, it := range intakes {
			if it.Key == nil || res.stale[i] != 0 {
				continue
			}
			if h, ok := known[it.Key.Key]; ok {
				res.refused[i] = h != it.Key.RequestHash
				continue
			}
			known[it.Key.Key] = it.Key.RequestHash
			keys = append(keys, &EventKey{Key: it.Key.Key, RequestHash: it.Key.RequestHash})
		}
		var fresh []*RunRecord
		for i, it := range intakes {
			if res.refused[i] || res.stale[i] != 0 {
				continue
			}
			for _, r := range it.Runs {
				if res.first[r.RunID] == nil && res.existing[r.RunID] == nil {
					res.first[r.RunID] = r
					fresh = append(fresh, r)
				}
			}
		}
		// Each in one order, keys before runs, so that groups racing over
		// the same ones on PostgreSQL wait for each other instead of
		// deadlocking.
		if len(keys) > 0 {
			slices.SortFunc(keys, func(a, b *EventKey) int { return strings.Compare(a.Key, b.Key) })
			now := tx.NowFunc()
			n, err := execEach(ctx, tx, insertEventKey, len(keys), func(i int) []any {
				return []any{keys[i].Key, keys[i].RequestHash, now}
			})
			if err != nil {
				return err
			}
			if n != len(keys) {
				return errAcceptRace
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		slices.SortFunc(fresh, func(a, b *RunRecord) int { return strings.Compare(a.RunID, b.RunID) })
		n, err := execEach(ctx, tx, insertRunRecord, len(fresh), func(i int) []any {
			r := fresh[i]
			return []any{r.RunID, r.FlowID, r.FlowVersion, r.Status, r.WorkflowID, r.TemporalRunID, r.ClaimToken,
				r.Trigger, r.Steps, r.Error, r.StartedAt, r.ClosedAt}
		})
		if err != nil {
			return err
		}
		if n != len(fresh) {
			return errAcceptRace
		}
		return nil
	})
	return res, err
}

// The intake's inserts, one row each; a row already recorded is left
// alone.
const (
	insertEventKey  = "INSERT INTO event_keys (event_key, request_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
	insertRunRecord = "INSERT INTO run_records (run_id, flow_id, flow_version, status, workflow_id, temporal_run_id, claim_token, \"trigger\", steps, error, started_at, closed_at) " +
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING"
)

// readIntakes reads which of intakes' runs (into existing) and keys (into
// known, with their request hashes) are recorded.
func readIntakes(tx *gorm.DB, intakes []RunIntake, existing map[string]*RunRecord, known map[string]string) error {
	var ids, keys []string
	for _, it := range intakes {
		for _, r := range it.Runs {
			ids = append(ids, r.RunID)
		}
		if it.Key != nil {
			keys = append(keys, it.Key.Key)
		}
	}
	if len(ids) > 0 {
		var found []RunRecord
		if err := tx.Where("run_id IN ?", ids).Find(&found).Error; err != nil {
			return err
		}
		for i := range found {
			existing[found[i].RunID] = &found[i]
		}
	}
	if len(keys) > 0 {
		var found []EventKey
		if err := tx.Where("event_key IN ?", keys).Find(&found).Error; err != nil {
			return err
		}
		for _, k := range found {
			known[k.Key] = k.RequestHash
		}
	}
	return nil
}

// staleIntakes reads the revision in tx when an intake names a basis,
// and sets stale[i] to it for each intake whose basis it no longer is.
func staleIntakes(tx *gorm.DB, intakes []RunIntake, stale []int64) error {
	if !slices.ContainsFunc(intakes, func(it RunIntake) bool { return it.Basis != 0 }) {
		return nil
	}
	var rev TriggerRevision
	if err := tx.Raw(revisionQuery).Row().Scan(&rev.Catalog.Revision, &rev.Flows); err != nil {
		return fmt.Errorf("reading the trigger revision: %w", err)
	}
	for i, it := range intakes {
		if it.Basis != 0 && it.Basis != rev.Sum() {
			stale[i] = rev.Sum()
		}
	}
	return nil
}
