package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// FlowVersion is an immutable published snapshot of a flow's document.
// Versions of one flow are numbered 1, 2, 3, … in publish order.
type FlowVersion struct {
	FlowID    string    `gorm:"primaryKey" json:"flow_id"`
	Version   int       `gorm:"primaryKey;autoIncrement:false" json:"version"`
	Document  JSON      `gorm:"type:text;not null" json:"document"`
	CreatedAt time.Time `gorm:"not null" json:"created_at"`
}

// publishAttempts bounds how often Publish reruns its transaction after a
// version-number collision.
const publishAttempts = 5

// errVersionTaken marks a publish transaction that lost a race for a
// version number.
var errVersionTaken = errors.New("version number taken")

// Publish freezes document as the flow's next version (1 for the first),
// records it as the published version and enables the flow, all in one
// transaction, which also bumps the flows' TriggerRevision.
//
// Concurrent publishes of one flow are serialised: the transaction first
// updates the flow row, which holds PostgreSQL's row lock (and SQLite's
// database write lock) until commit, so each publisher sees the versions
// committed before it. Should two transactions still pick the same number,
// the composite primary key rejects the second, which is retried; only when
// every retry collides does Publish fail with ErrConflict. Callers therefore
// get distinct, consecutive versions and no lost publish.
func (s *Store) Publish(ctx context.Context, id string, document []byte) (*FlowVersion, *Flow, error) {
	for range publishAttempts {
		v, f, err := s.publishOnce(ctx, id, document)
		if err == nil {
			return v, f, nil
		}
		if !errors.Is(err, errVersionTaken) {
			return nil, nil, fmt.Errorf("publishing flow %s: %w", id, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("publishing flow %s: %w", id, err)
		}
	}
	return nil, nil, fmt.Errorf("publishing flow %s: concurrent publishes kept colliding: %w", id, ErrConflict)
}

// publishOnce runs one attempt of Publish.
func (s *Store) publishOnce(ctx context.Context, id string, document []byte) (*FlowVersion, *Flow, error) {
	var (
		v *FlowVersion
		f *Flow
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := tx.NowFunc()
		// Lock the flow row before reading the newest version number.
		res := tx.Model(&Flow{}).Where("id = ?", id).Update("updated_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var latest int
		err := tx.Model(&FlowVersion{}).Where("flow_id = ?", id).
			Select("COALESCE(MAX(version), 0)").Scan(&latest).Error
		if err != nil {
			return err
		}
		v = &FlowVersion{FlowID: id, Version: latest + 1, Document: document, CreatedAt: now}
		if err := tx.Create(v).Error; err != nil {
			if isDuplicate(err) {
				return errVersionTaken
			}
			return err
		}
		f, err = updateFlowTx(tx, id, map[string]any{
			"published_version": v.Version,
			"enabled":           true,
			"updated_at":        now,
		})
		if err != nil {
			return err
		}
		return bumpFlows(tx)
	})
	if err != nil {
		return nil, nil, err
	}
	return v, f, nil
}

// ListVersions returns a flow's published versions, oldest first. A flow
// that does not exist is ErrNotFound; one never published has none.
func (s *Store) ListVersions(ctx context.Context, flowID string) ([]FlowVersion, error) {
	versions := []FlowVersion{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := getFlow(tx, flowID); err != nil {
			return err
		}
		return tx.Where("flow_id = ?", flowID).Order("version").Find(&versions).Error
	})
	if err != nil {
		return nil, fmt.Errorf("listing versions of flow %s: %w", flowID, err)
	}
	return versions, nil
}

// GetVersion returns version n of a flow.
func (s *Store) GetVersion(ctx context.Context, flowID string, n int) (*FlowVersion, error) {
	var v FlowVersion
	err := s.db.WithContext(ctx).Where("flow_id = ? AND version = ?", flowID, n).Take(&v).Error
	if err != nil {
		return nil, fmt.Errorf("getting version %d of flow %s: %w", n, flowID, notFound(err))
	}
	return &v, nil
}

// LatestVersion returns a flow's newest published version; ErrNotFound if
// the flow does not exist or was never published.
func (s *Store) LatestVersion(ctx context.Context, flowID string) (*FlowVersion, error) {
	var v FlowVersion
	err := s.db.WithContext(ctx).Where("flow_id = ?", flowID).Order("version DESC").Take(&v).Error
	if err != nil {
		return nil, fmt.Errorf("getting latest version of flow %s: %w", flowID, notFound(err))
	}
	return &v, nil
}
