package store

import (
	"context"
	"fmt"
	"time"
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
