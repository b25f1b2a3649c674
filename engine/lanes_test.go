package engine

import (
	"fmt"
	"testing"
	"time"
)

// TestLanesFilledInTurn: a window's runs go to its first lane until this
// process has handed it its share, then to the next; past every lane's
// share they spread over all lanes by run id; a new window starts again
// at the first lane, and a late group of a passed window counts nowhere.
func TestLanesFilledInTurn(t *testing.T) {
	f := newLaneFill(BatchOptions{Lanes: 3, RunsPerExecution: 20}) // 10 runs per lane
	w0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	w1 := w0.Add(time.Second)

	var got []int
	for i := range 7 {
		got = append(got, f.pick("orders", w0, 4, fmt.Sprintf("r%d", i)))
	}
	got = append(got, f.pick("orders", w0, 2, "r7"))
	// Groups starting at runs 0, 4, 8 go to lane 0; at 12, 16 to lane 1;
	// at 20, 24, 28 to lane 2; 30 runs fill the three shares.
	want := []int{0, 0, 0, 1, 1, 2, 2, 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lanes of seven groups of 4 and one of 2 = %v, want %v", got, want)
	}
	seen := map[int]bool{}
	for i := range 64 {
		lead := fmt.Sprintf("past-%d", i)
		l := f.pick("orders", w0, 1, lead)
		if l != batchLane(lead, 3) {
			t.Fatalf("past every lane's share, run %s went to lane %d, want its hash's %d", lead, l, batchLane(lead, 3))
		}
		seen[l] = true
	}
	if len(seen) != 3 {
		t.Errorf("past every lane's share, runs went to lanes %v, want all three", seen)
	}

	if l := f.pick("invoices", w0, 15, "i0"); l != 0 {
		t.Errorf("another flow's first group went to lane %d, want 0", l)
	}
	if l := f.pick("orders", w1, 1, "n0"); l != 0 {
		t.Errorf("the next window's first group went to lane %d, want 0", l)
	}
	if l := f.pick("orders", w0, 1, "late"); l != batchLane("late", 3) {
		t.Errorf("a late group of a passed window went to lane %d, want its hash's %d", l, batchLane("late", 3))
	}
	if l := f.pick("orders", w1, 9, "n1"); l != 0 {
		t.Errorf("the late group counted toward the new window: lane %d, want 0", l)
	}
	if l := f.pick("orders", w1, 1, "n2"); l != 1 {
		t.Errorf("the new window's 11th run went to lane %d, want 1", l)
	}

	one := newLaneFill(BatchOptions{Lanes: 1, RunsPerExecution: 2})
	for i := range 10 {
		if l := one.pick("orders", w0, 5, fmt.Sprintf("o%d", i)); l != 0 {
			t.Fatalf("one lane: group %d went to lane %d", i, l)
		}
	}
}

// TestLaneFillForgetsPassedWindows: once it remembers laneFillPrune
// flows, a new flow makes the picker forget those whose window passed.
func TestLaneFillForgetsPassedWindows(t *testing.T) {
	f := newLaneFill(BatchOptions{Lanes: 2})
	w0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for i := range laneFillPrune {
		f.pick(fmt.Sprintf("flow-%d", i), w0, 1, "r")
	}
	f.pick("current", w0.Add(time.Second), 1, "r")
	if len(f.flows) != 1 {
		t.Errorf("remembers %d flows after pruning, want 1 (the current one)", len(f.flows))
	}
}
