package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EventKey remembers an event's idempotency key (its Idempotency-Key or
// event_id) with a hash of the request it came with, so that the key
// coming back with a different request is refused rather than answered
// with the first request's runs.
type EventKey struct {
	Key         string    `gorm:"column:event_key;primaryKey;size:800"`
	RequestHash string    `gorm:"not null;size:64"`
	CreatedAt   time.Time `gorm:"not null;index"`
}

// RememberEventKey records key with requestHash. A key already recorded
// with the same hash is fine (a repeat of the request); with another hash
// it is ErrKeyReused (and engine.ErrKeyReused).
func (s *Store) RememberEventKey(ctx context.Context, key, requestHash string) error {
	rec := &EventKey{Key: key, RequestHash: requestHash}
	// One statement is atomic by itself: gorm's default transaction
	// around it would only add a BEGIN and a COMMIT to every event.
	res := s.db.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}).
		Clauses(clause.OnConflict{DoNothing: true}).Create(rec)
	if res.Error != nil {
		return fmt.Errorf("recording event key %q: %w", key, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var existing EventKey
	if err := s.db.WithContext(ctx).Where("event_key = ?", key).Take(&existing).Error; err != nil {
		return fmt.Errorf("reading event key %q: %w", key, notFound(err))
	}
	if existing.RequestHash != requestHash {
		return keyReused(key)
	}
	return nil
}

// PruneEventKeys forgets the event keys recorded before cutoff and returns
// how many went: a key repeated after that starts runs again, as it would
// once Temporal and the run ledger have forgotten its runs.
func (s *Store) PruneEventKeys(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", cutoff.UTC()).Delete(&EventKey{})
	if res.Error != nil {
		return 0, fmt.Errorf("pruning event keys recorded before %s: %w", cutoff.Format(time.RFC3339), res.Error)
	}
	return res.RowsAffected, nil
}
