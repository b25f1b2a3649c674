package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Credential is a named secret, kept sealed: the store never sees the
// plaintext. Sealed is left out of JSON so that it cannot leak through an
// API response by accident.
type Credential struct {
	ID        string    `gorm:"primaryKey" json:"id"`
	Name      string    `gorm:"not null;uniqueIndex" json:"name"`
	Sealed    []byte    `gorm:"not null" json:"-"`
	Kind      string    `gorm:"not null;default:''" json:"kind"`
	CreatedAt time.Time `gorm:"not null" json:"created_at"`
	UpdatedAt time.Time `gorm:"not null" json:"updated_at"`
}

// CreateCredential stores a new credential. A name already in use is
// ErrConflict.
func (s *Store) CreateCredential(ctx context.Context, name, kind string, sealed []byte) (*Credential, error) {
	var err error
	for range createAttempts {
		c := &Credential{ID: NewID(), Name: name, Kind: kind, Sealed: sealed}
		err = s.db.WithContext(ctx).Create(c).Error
		if err == nil {
			return c, nil
		}
		if !isDuplicate(err) {
			break
		}
		// The id or the name is taken; only a name clash is the caller's.
		var n int64
		if cerr := s.db.WithContext(ctx).Model(&Credential{}).Where("name = ?", name).Count(&n).Error; cerr != nil {
			err = cerr
			break
		}
		if n > 0 {
			return nil, fmt.Errorf("creating credential %q: %w", name, ErrNameTaken)
		}
	}
	return nil, fmt.Errorf("creating credential %q: %w", name, err)
}

// GetCredential returns the credential whose id or, failing that, whose
// name is idOrName. Flows refer to credentials either way; an id match wins.
func (s *Store) GetCredential(ctx context.Context, idOrName string) (*Credential, error) {
	var c Credential
	db := s.db.WithContext(ctx)
	err := db.Where("id = ?", idOrName).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = db.Where("name = ?", idOrName).Take(&c).Error
	}
	if err != nil {
		return nil, fmt.Errorf("getting credential %q: %w", idOrName, notFound(err))
	}
	return &c, nil
}

// ListCredentials returns every credential ordered by name.
func (s *Store) ListCredentials(ctx context.Context) ([]Credential, error) {
	creds := []Credential{}
	if err := s.db.WithContext(ctx).Order("name").Find(&creds).Error; err != nil {
		return nil, fmt.Errorf("listing credentials: %w", err)
	}
	return creds, nil
}

// UpdateCredentialSecret replaces the sealed secret of the credential with
// the given id, for example after rotation or an OAuth token refresh.
func (s *Store) UpdateCredentialSecret(ctx context.Context, id string, sealed []byte) error {
	res := s.db.WithContext(ctx).Model(&Credential{}).Where("id = ?", id).Update("sealed", sealed)
	if res.Error != nil {
		return fmt.Errorf("updating credential %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("updating credential %s: %w", id, ErrNotFound)
	}
	return nil
}

// ReplaceCredential replaces the kind and sealed value of the credential
// with the given id, keeping its id and name, and returns it as stored. It
// is a compare-and-swap: the write happens only while the stored sealed
// value is still expected (the one the caller read and merged from). A
// value changed in between, say by an OAuth2 token refresh, is ErrStale:
// the caller reads again and retries, so a fresher token is never
// overwritten with an old one.
func (s *Store) ReplaceCredential(ctx context.Context, id, kind string, sealed, expected []byte) (*Credential, error) {
	var c Credential
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Credential{}).Where("id = ? AND sealed = ?", id, expected).Updates(map[string]any{"kind": kind, "sealed": sealed})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Credential{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			return ErrStale
		}
		return tx.Where("id = ?", id).Take(&c).Error
	})
	if err != nil {
		return nil, fmt.Errorf("replacing credential %s: %w", id, err)
	}
	return &c, nil
}

// DeleteCredential removes the credential with the given id.
func (s *Store) DeleteCredential(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&Credential{})
	if res.Error != nil {
		return fmt.Errorf("deleting credential %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("deleting credential %s: %w", id, ErrNotFound)
	}
	return nil
}
