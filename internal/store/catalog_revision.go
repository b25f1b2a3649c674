package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// catalogRevision is the one row of table catalog_revision: a number
// incremented in the same transaction as every change to the event
// catalog, so that every process sees a change whatever the clocks say.
type catalogRevision struct {
	ID       int   `gorm:"primaryKey;autoIncrement:false"`
	Revision int64 `gorm:"not null;default:0"`
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
	err := tx.Model(&catalogRevision{}).Where("id = ?", 1).
		Update("revision", gorm.Expr("revision + 1")).Error
	if err != nil {
		return fmt.Errorf("bumping the catalog revision: %w", err)
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
	var row catalogRevision
	if err := s.db.WithContext(ctx).Where("id = ?", 1).Take(&row).Error; err != nil {
		return CatalogFingerprint{}, fmt.Errorf("reading the catalog fingerprint: %w", err)
	}
	return CatalogFingerprint{Revision: row.Revision}, nil
}
