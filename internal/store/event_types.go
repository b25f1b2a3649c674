package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/flowline/flowline/flows"
)

// EventTypeRecord is one event type of the catalog as stored (table
// event_types). Schema, Example and Messages keep the JSON as declared, so
// the order of the messages (the first declared is the last fallback)
// survives.
type EventTypeRecord struct {
	Name        string    `gorm:"primaryKey"`
	Title       string    `gorm:"not null;default:''"`
	Description string    `gorm:"not null;default:''"`
	Category    string    `gorm:"not null;index"`
	Schema      JSON      `gorm:"type:text"`
	Example     JSON      `gorm:"type:text"`
	Messages    JSON      `gorm:"type:text"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// TableName names the table.
func (EventTypeRecord) TableName() string { return "event_types" }

// EventType returns the catalog entry the record holds.
func (r *EventTypeRecord) EventType() (flows.EventType, error) {
	et := flows.EventType{Name: r.Name, Title: r.Title, Description: r.Description, Category: r.Category,
		Schema: json.RawMessage(r.Schema), Example: json.RawMessage(r.Example)}
	if len(r.Messages) > 0 {
		if err := json.Unmarshal(r.Messages, &et.Messages); err != nil {
			return flows.EventType{}, fmt.Errorf("reading event type %q: %w", r.Name, err)
		}
	}
	return et, nil
}

// recordOf is the record of et, without timestamps.
func recordOf(et flows.EventType) (*EventTypeRecord, error) {
	r := &EventTypeRecord{Name: et.Name, Title: et.Title, Description: et.Description, Category: et.Category,
		Schema: JSON(et.Schema), Example: JSON(et.Example)}
	if len(et.Messages) > 0 {
		b, err := json.Marshal(et.Messages)
		if err != nil {
			return nil, fmt.Errorf("encoding the messages of event type %q: %w", et.Name, err)
		}
		r.Messages = b
	}
	return r, nil
}

// CreateEventType stores a new event type, checked by flows.ParseEventType.
// A name already declared is ErrAlreadyDeclared (an ErrConflict).
func (s *Store) CreateEventType(ctx context.Context, et flows.EventType) (*EventTypeRecord, error) {
	r, err := recordOf(et)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return bumpCatalog(tx)
	})
	if err != nil {
		if isDuplicate(err) {
			return nil, fmt.Errorf("creating event type %q: %w", et.Name, ErrAlreadyDeclared)
		}
		return nil, fmt.Errorf("creating event type %q: %w", et.Name, err)
	}
	return r, nil
}

// GetEventType returns the event type named name.
func (s *Store) GetEventType(ctx context.Context, name string) (*EventTypeRecord, error) {
	var r EventTypeRecord
	if err := s.db.WithContext(ctx).Where("name = ?", name).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("getting event type %q: %w", name, notFound(err))
	}
	return &r, nil
}

// ListEventTypes returns the event types ordered by name, only those of
// category when it is not empty.
func (s *Store) ListEventTypes(ctx context.Context, category string) ([]EventTypeRecord, error) {
	rs := []EventTypeRecord{}
	q := s.db.WithContext(ctx).Order("name")
	if category != "" {
		q = q.Where("category = ?", category)
	}
	if err := q.Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("listing event types: %w", err)
	}
	return rs, nil
}

// ReplaceEventType replaces every field of the declared type et.Name; its
// creation time stays. An undeclared name is ErrNotFound.
func (s *Store) ReplaceEventType(ctx context.Context, et flows.EventType) (*EventTypeRecord, error) {
	r, err := recordOf(et)
	if err != nil {
		return nil, err
	}
	var out *EventTypeRecord
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&EventTypeRecord{}).Where("name = ?", et.Name).Updates(changesOf(r))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := bumpCatalog(tx); err != nil {
			return err
		}
		var got EventTypeRecord
		if err := tx.Where("name = ?", et.Name).Take(&got).Error; err != nil {
			return err
		}
		out = &got
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replacing event type %q: %w", et.Name, err)
	}
	return out, nil
}

// changesOf lists every column of r but the name and creation time; a map,
// so that empty values are written too.
func changesOf(r *EventTypeRecord) map[string]any {
	return map[string]any{"title": r.Title, "description": r.Description, "category": r.Category,
		"schema": r.Schema, "example": r.Example, "messages": r.Messages}
}

// DeleteEventType removes the event type named name.
func (s *Store) DeleteEventType(ctx context.Context, name string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("name = ?", name).Delete(&EventTypeRecord{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return bumpCatalog(tx)
	})
	if err != nil {
		return fmt.Errorf("deleting event type %q: %w", name, err)
	}
	return nil
}

// What ImportEventTypes did to one type.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// ImportChange is what ImportEventTypes did to one type.
type ImportChange struct {
	Name string `json:"name"`
	// Change is ImportCreated, ImportUpdated or ImportUnchanged.
	Change string `json:"change"`
}

// ImportEventTypes declares every type of types, creating those that are
// new and replacing those that differ, in one transaction: on an error
// nothing is changed. Types not in the list are left alone, so importing
// the same list again changes nothing.
func (s *Store) ImportEventTypes(ctx context.Context, types []flows.EventType) ([]ImportChange, error) {
	changes := make([]ImportChange, 0, len(types))
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, et := range types {
			r, err := recordOf(et)
			if err != nil {
				return err
			}
			var cur EventTypeRecord
			err = tx.Where("name = ?", et.Name).Take(&cur).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				if err := tx.Create(r).Error; err != nil {
					return fmt.Errorf("creating %q: %w", et.Name, err)
				}
				changes = append(changes, ImportChange{Name: et.Name, Change: ImportCreated})
			case err != nil:
				return fmt.Errorf("reading %q: %w", et.Name, err)
			case sameRecord(&cur, r):
				changes = append(changes, ImportChange{Name: et.Name, Change: ImportUnchanged})
			default:
				if err := tx.Model(&EventTypeRecord{}).Where("name = ?", et.Name).Updates(changesOf(r)).Error; err != nil {
					return fmt.Errorf("replacing %q: %w", et.Name, err)
				}
				changes = append(changes, ImportChange{Name: et.Name, Change: ImportUpdated})
			}
		}
		for _, ch := range changes {
			if ch.Change != ImportUnchanged {
				return bumpCatalog(tx)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("importing event types: %w", err)
	}
	return changes, nil
}

// sameRecord compares the declared fields; JSON is compared by meaning
// (key order and spacing aside), but the order of messages counts.
func sameRecord(a, b *EventTypeRecord) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Category == b.Category &&
		sameJSON(a.Schema, b.Schema) && sameJSON(a.Example, b.Example) && bytes.Equal(compact(a.Messages), compact(b.Messages))
}

func sameJSON(a, b JSON) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xb, _ := json.Marshal(x) // maps marshal with sorted keys
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

func compact(j JSON) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, j) != nil {
		return j
	}
	return buf.Bytes()
}
