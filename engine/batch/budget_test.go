package batch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/flowline/flowline/engine"
)

// TestTaskBudgetHolds: a batch holds the most a step may record before it
// has seen one, then twice the largest outcome recorded (16 KiB at least,
// more after a step that did not fit), and counts what each step recorded.
func TestTaskBudgetHolds(t *testing.T) {
	g := &taskBudget{}
	if got, want := g.want(), engine.BatchCarryBytes+markerBytes; got != want {
		t.Fatalf("first hold %d, want %d", got, want)
	}
	n := g.want()
	g.held, g.inflight = n, 1
	g.record(n, &engine.StepOutcome{Output: json.RawMessage(`"` + strings.Repeat("x", 2000) + `"`)}, nil)
	if g.held != 0 || g.inflight != 0 || g.recorded < 2000+markerBytes {
		t.Errorf("after one step: held %d, in flight %d, recorded %d", g.held, g.inflight, g.recorded)
	}
	if got, want := g.want(), minStepHold+markerBytes; got != want {
		t.Errorf("hold after a small outcome %d, want %d", got, want)
	}
	n = g.want()
	g.held, g.inflight = n, 1
	g.record(n, &engine.StepOutcome{HandedOff: "r"}, errors.New("x"))
	if got, want := g.want(), 2*(minStepHold+markerBytes)+markerBytes; got != want {
		t.Errorf("hold after a step that did not fit %d, want %d", got, want)
	}
	g.record(0, &engine.StepOutcome{Output: json.RawMessage(strings.Repeat("1", 1<<20))}, nil)
	if got, want := g.want(), engine.BatchCarryBytes+markerBytes; got != want {
		t.Errorf("hold after a large outcome %d, want %d", got, want)
	}
	g.recorded = batchTaskBytes - g.want() + 1
	if g.fits() {
		t.Errorf("a step fits past the budget")
	}
}
