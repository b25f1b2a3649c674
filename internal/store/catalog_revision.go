package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// catalogRevision is the one row of table catalog_revision: two numbers,
// each incremented in the same transaction as every change to what it
// covers, so that every process sees a change whatever the clocks say.
// Revision covers the event catalog; FlowsRevision covers what triggers
// read of flows (see TriggerRevision). One row, so that a process learns
// both with one primary-key read.
type catalogRevision struct {
	ID       int   `gorm:"primaryKey;autoIncrement:false"`
	Revision int64 `gorm:"not null;default:0"`
	// FlowsRevision was added after the table: AutoMigrate adds it to an
	// existing row as 0.
	FlowsRevision int64 `gorm:"not null;default:0"`
}

// TableName names the table.
func (catalogRevision) TableName() string { return "catalog_revision" }

// seedCatalogRevision makes the row, once.
func seedCatalogRevision(tx *gorm.DB) error {
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&catalogRevision{ID: 1}).Error; err != nil {
		return fmt.Errorf("making the catalog revision: %w", err)
	}
	return nil
}

// bumpCatalog increments the catalog revision within tx.
func bumpCatalog(tx *gorm.DB) error {
	return bumpRevision(tx, "revision", "catalog")
}

// bumpFlows increments the flows revision within tx.
func bumpFlows(tx *gorm.DB) error {
	return bumpRevision(tx, "flows_revision", "flows")
}

// bumpRevision increments one column of the revision row within tx. The
// callers do it as their transaction's last write, so that the row's lock
// (PostgreSQL holds it until commit) is always taken after the flow or
// event type rows the transaction changed, never before: no two writers
// wait for each other in opposite orders.
func bumpRevision(tx *gorm.DB, column, what string) error {
	err := tx.Model(&catalogRevision{}).Where("id = ?", 1).
		Update(column, gorm.Expr(column+" + 1")).Error
	if err != nil {
		return fmt.Errorf("bumping the %s revision: %w", what, err)
	}
	return nil
}

// CatalogFingerprint changes whenever an event type is created, replaced
// or deleted, or an import changes one, so that a process can keep the
// compiled catalog until then.
type CatalogFingerprint struct {
	Revision int64
}

// EventTypesFingerprint returns the catalog's current fingerprint: its
// revision number.
func (s *Store) EventTypesFingerprint(ctx context.Context) (CatalogFingerprint, error) {
	rev, err := s.TriggerRevision(ctx)
	if err != nil {
		return CatalogFingerprint{}, fmt.Errorf("reading the catalog fingerprint: %w", err)
	}
	return rev.Catalog, nil
}
