package flows

import "testing"

func TestMatchEventType(t *testing.T) {
	cases := []struct {
		pattern, typ string
		want         bool
	}{
		{"sync.failed", "sync.failed", true},
		{"sync.*", "sync.failed", true},
		{"*.failed", "sync.failed", true},
		{"*.*", "sync.failed", true},
		{"sync.*", "sync", false},
		{"sync.*", "sync.a.b", false},
		{"sync.failed", "sync.done", false},
		{"*", "sync.failed", false},
		{"*", "ping", true},
	}
	for _, c := range cases {
		if got := MatchEventType(c.pattern, c.typ); got != c.want {
			t.Errorf("MatchEventType(%q, %q) = %v, want %v", c.pattern, c.typ, got, c.want)
		}
	}
}

func TestSubscribes(t *testing.T) {
	d := &Document{Trigger: Trigger{Type: TriggerEvent, Events: []string{"order.created", "sync.*"}}}
	if !d.Subscribes("sync.failed") || !d.Subscribes("order.created") || d.Subscribes("order.deleted") {
		t.Error("event flow subscriptions wrong")
	}
	m := &Document{Trigger: Trigger{Type: TriggerManual, Events: []string{"sync.*"}}}
	if m.Subscribes("sync.failed") {
		t.Error("a manual flow reacts to events")
	}
}
