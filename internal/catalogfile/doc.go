// Package catalogfile reads and writes event catalog files, so that a
// product can ship its catalog with its releases: one JSON or YAML file
// holding many event types, imported into the flow store idempotently
// (`flowline event-types import FILE`) and exported from it (`flowline
// event-types export`).
//
// The file is {"event_types": [{name, title, description, category,
// schema, example, messages}, …]}, each type as POST /api/v1/event-types
// takes it. In YAML the order of keys is kept, so the first declared
// message stays the last fallback.
package catalogfile
