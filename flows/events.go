package flows

import "strings"

// MatchEventType reports whether eventType (dot-separated segments, such as
// "sync.failed") matches pattern, where a "*" segment matches any one
// segment: "sync.*" matches "sync.failed" but not "sync" or "sync.a.b".
func MatchEventType(pattern, eventType string) bool {
	ps, es := strings.Split(pattern, "."), strings.Split(eventType, ".")
	if len(ps) != len(es) {
		return false
	}
	for i, p := range ps {
		if p != "*" && p != es[i] {
			return false
		}
	}
	return true
}

// Subscribes reports whether a flow with document d reacts to eventType.
func (d *Document) Subscribes(eventType string) bool {
	if d.Trigger.Type != TriggerEvent {
		return false
	}
	for _, p := range d.Trigger.Events {
		if MatchEventType(p, eventType) {
			return true
		}
	}
	return false
}
