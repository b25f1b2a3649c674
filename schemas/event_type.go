package schemas

import _ "embed"

//go:embed event_type.schema.json
var eventTypeSchema []byte

// EventTypeSchema returns the JSON Schema of an event type of the catalog
// (the body of POST /api/v1/event-types). The slice is a copy.
func EventTypeSchema() []byte {
	return append([]byte(nil), eventTypeSchema...)
}
