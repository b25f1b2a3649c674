package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSON is a JSON document kept in a text column. It marshals as the
// document itself, not as base64, so a Flow or FlowVersion encodes to the
// contract's JSON form. Its underlying type is []byte, so it converts to and
// from []byte and json.RawMessage freely.
type JSON []byte

// MarshalJSON returns the document, or null when it is empty.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON keeps a copy of the raw document.
func (j *JSON) UnmarshalJSON(data []byte) error {
	*j = append((*j)[:0], data...)
	return nil
}

// Value stores the document as text; a nil document is NULL.
func (j JSON) Value() (driver.Value, error) {
	if j == nil {
		return nil, nil
	}
	return string(j), nil
}

// Scan reads a text or blob column, copying the bytes out of the driver's
// buffer.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case string:
		*j = JSON(v)
	case []byte:
		*j = append(JSON(nil), v...)
	default:
		return fmt.Errorf("scanning JSON: unsupported column type %T", src)
	}
	return nil
}

// GormDataType makes gorm create a text column on every dialect.
func (JSON) GormDataType() string { return "text" }

// ensure JSON keeps satisfying the interfaces the drivers and encoders use.
var (
	_ json.Marshaler   = JSON(nil)
	_ json.Unmarshaler = (*JSON)(nil)
	_ driver.Valuer    = JSON(nil)
)
