package schemas

import _ "embed"

//go:embed flow.schema.json
var flowSchema []byte

// FlowSchema returns the JSON Schema (draft 2020-12) of the flow document.
// The slice is a copy: callers may keep or change it.
func FlowSchema() []byte {
	return append([]byte(nil), flowSchema...)
}

//go:embed event.schema.json
var eventSchema []byte

// EventSchema returns the JSON Schema of the body of POST /api/v1/events.
func EventSchema() []byte {
	return append([]byte(nil), eventSchema...)
}
