package store

import (
	"context"
	"fmt"
)

// TriggerRevision says whether what triggers read from the store has
// changed: each number only grows, and grows in the same transaction as
// the change, so a process that read a revision and then the data may keep
// the data for as long as a fresh read returns the same revision.
//
// Catalog covers the event catalog (every write of event types). Flows
// covers which flows are enabled and their published versions: Publish,
// SetEnabled and DeleteFlow. Nothing else a trigger reads changes: a
// draft, a flow's creation, credentials (read at use) and the run ledger
// are not part of it.
type TriggerRevision struct {
	Catalog CatalogFingerprint
	Flows   int64
}

// Sum is one number for the revision, never zero: it grows whenever
// either half does (both only grow), so two reads of it are equal exactly
// when nothing a trigger reads changed in between.
func (r TriggerRevision) Sum() int64 { return 1 + r.Catalog.Revision + r.Flows }

// revisionQuery reads the revision row. The columns are named, so that a
// column added later does not change what the prepared statement returns.
const revisionQuery = "SELECT revision, flows_revision FROM catalog_revision WHERE id = 1"

// TriggerRevision reads the current revision: one primary-key read, by a
// statement prepared when the store opened (gorm's query building and
// SQLite's parsing cost more than the read itself).
func (s *Store) TriggerRevision(ctx context.Context) (TriggerRevision, error) {
	var rev TriggerRevision
	if err := s.revision.QueryRowContext(ctx).Scan(&rev.Catalog.Revision, &rev.Flows); err != nil {
		return TriggerRevision{}, fmt.Errorf("reading the trigger revision: %w", err)
	}
	return rev, nil
}

// ListEnabledVersions returns the published (newest) version of every
// enabled flow, oldest flow first, in one query: what event and webhook
// triggers start runs of.
func (s *Store) ListEnabledVersions(ctx context.Context) ([]FlowVersion, error) {
	versions := []FlowVersion{}
	// published_version is set to the new version by the transaction that
	// freezes it (Publish) and by nothing else, so it is the newest.
	err := s.db.WithContext(ctx).Model(&FlowVersion{}).Select("flow_versions.*").
		Joins("JOIN flows ON flows.id = flow_versions.flow_id AND flows.published_version = flow_versions.version").
		Where("flows.enabled = ?", true).
		Order("flows.created_at, flows.id").Find(&versions).Error
	if err != nil {
		return nil, fmt.Errorf("listing the versions of enabled flows: %w", err)
	}
	return versions, nil
}
