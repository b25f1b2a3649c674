package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Flow is a flow's draft and its publication state. Its JSON form is the
// contract's flow object: draft is the document itself and published_version
// is null before the first publish.
type Flow struct {
	ID               string    `gorm:"primaryKey" json:"id"`
	Name             string    `gorm:"not null" json:"name"`
	Draft            JSON      `gorm:"type:text" json:"draft"`
	PublishedVersion *int      `json:"published_version"`
	Enabled          bool      `gorm:"not null;default:false;index" json:"enabled"`
	CreatedAt        time.Time `gorm:"not null" json:"created_at"`
	UpdatedAt        time.Time `gorm:"not null" json:"updated_at"`
}

// createAttempts bounds retries when a fresh random id collides.
const createAttempts = 3

// CreateFlow stores a new flow with the given draft; it is neither published
// nor enabled.
func (s *Store) CreateFlow(ctx context.Context, name string, draft []byte) (*Flow, error) {
	var err error
	for range createAttempts {
		f := &Flow{ID: NewID(), Name: name, Draft: draft}
		err = s.db.WithContext(ctx).Create(f).Error
		if err == nil {
			return f, nil
		}
		if !isDuplicate(err) {
			break
		}
	}
	return nil, fmt.Errorf("creating flow: %w", err)
}

// GetFlow returns the flow with the given id.
func (s *Store) GetFlow(ctx context.Context, id string) (*Flow, error) {
	f, err := getFlow(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, fmt.Errorf("getting flow %s: %w", id, err)
	}
	return f, nil
}

// getFlow reads one flow inside db, which may be a transaction.
func getFlow(db *gorm.DB, id string) (*Flow, error) {
	var f Flow
	if err := db.Where("id = ?", id).Take(&f).Error; err != nil {
		return nil, notFound(err)
	}
	return &f, nil
}

// FlowLive implements engine.FlowStates: whether the flow exists, is
// enabled and has a published version.
func (s *Store) FlowLive(ctx context.Context, id string) (bool, error) {
	f, err := getFlow(s.db.WithContext(ctx), id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading flow %s: %w", id, err)
	}
	return f.Enabled && f.PublishedVersion != nil, nil
}

// ListFlows returns every flow, oldest first.
func (s *Store) ListFlows(ctx context.Context) ([]Flow, error) {
	flows := []Flow{}
	if err := s.db.WithContext(ctx).Order("created_at, id").Find(&flows).Error; err != nil {
		return nil, fmt.Errorf("listing flows: %w", err)
	}
	return flows, nil
}

// ListEnabledFlows returns the flows that are enabled and have a published
// version, oldest first: the flows that triggers start runs of.
func (s *Store) ListEnabledFlows(ctx context.Context) ([]Flow, error) {
	flows := []Flow{}
	err := s.db.WithContext(ctx).
		Where("enabled = ? AND published_version IS NOT NULL", true).
		Order("created_at, id").Find(&flows).Error
	if err != nil {
		return nil, fmt.Errorf("listing enabled flows: %w", err)
	}
	return flows, nil
}

// UpdateDraft replaces a flow's name and draft. Published versions and the
// enabled state are untouched.
func (s *Store) UpdateDraft(ctx context.Context, id, name string, draft []byte) (*Flow, error) {
	f, err := s.updateFlow(ctx, id, map[string]any{"name": name, "draft": JSON(draft)})
	if err != nil {
		return nil, fmt.Errorf("updating flow %s: %w", id, err)
	}
	return f, nil
}

// SetEnabled starts or stops a flow reacting to triggers. Enabling a flow
// that was never published fails with ErrNotPublished; disabling always
// succeeds. Either bumps the flows' TriggerRevision.
func (s *Store) SetEnabled(ctx context.Context, id string, enabled bool) (*Flow, error) {
	action := "disabling"
	if enabled {
		action = "enabling"
	}
	var f *Flow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := getFlow(tx, id)
		if err != nil {
			return err
		}
		if enabled && cur.PublishedVersion == nil {
			return ErrNotPublished
		}
		f, err = updateFlowTx(tx, id, map[string]any{"enabled": enabled})
		if err != nil {
			return err
		}
		return bumpFlows(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("%s flow %s: %w", action, id, err)
	}
	return f, nil
}

// updateFlow applies changes to one flow and returns the flow as stored.
func (s *Store) updateFlow(ctx context.Context, id string, changes map[string]any) (*Flow, error) {
	var f *Flow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		f, err = updateFlowTx(tx, id, changes)
		return err
	})
	return f, err
}

// updateFlowTx applies changes (and a new updated_at) to one flow inside a
// transaction and reads it back.
func updateFlowTx(tx *gorm.DB, id string, changes map[string]any) (*Flow, error) {
	res := tx.Model(&Flow{}).Where("id = ?", id).Updates(changes)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return getFlow(tx, id)
}

// DeleteFlow removes a flow and all its versions in one transaction, which
// also bumps the flows' TriggerRevision.
func (s *Store) DeleteFlow(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("flow_id = ?", id).Delete(&FlowVersion{}).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&Flow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return bumpFlows(tx)
	})
	if err != nil {
		return fmt.Errorf("deleting flow %s: %w", id, err)
	}
	return nil
}
