package engine

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/flowline/flowline/connectors"
)

// TestRepeatedLocalAttemptIsNotSentAgain: the same local step attempt run
// a second time (its workflow task was retried) answers from memory, and
// the connector is called once; another attempt is sent.
func TestRepeatedLocalAttemptIsNotSentAgain(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	fc := &fakeConnector{Seen: make(chan json.RawMessage, 10)}
	acts := &Activities{Registry: connectors.NewRegistry(fc)}
	env.RegisterActivity(acts.RunStep)
	in := StepInput{RunID: "f1-r1", StepID: "s", Type: "fake", Config: json.RawMessage(`{"echo": 1}`),
		Context: json.RawMessage(`{}`), IdempotencyKey: "k", Attempt: 1}
	for i := range 2 {
		v, err := env.ExecuteLocalActivity(acts.RunStep, in)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		var out StepOutcome
		if err := v.Get(&out); err != nil || len(out.Attempts) != 1 || out.Attempts[0].Attempt != 1 {
			t.Fatalf("run %d: %+v, %v", i, out, err)
		}
	}
	if n := len(fc.Seen); n != 1 {
		t.Fatalf("connector called %d times for one attempt run twice, want 1", n)
	}
	in.Attempt = 2
	if _, err := env.ExecuteLocalActivity(acts.RunStep, in); err != nil {
		t.Fatal(err)
	}
	in.RunID = "f1-r2" // another run in the same batch execution
	if _, err := env.ExecuteLocalActivity(acts.RunStep, in); err != nil {
		t.Fatal(err)
	}
	if n := len(fc.Seen); n != 3 {
		t.Fatalf("connector called %d times, want 3 (a new attempt and another run are sent)", n)
	}
}

// TestAttemptMemoForgets: outcomes go after their time or beyond the cap.
func TestAttemptMemoForgets(t *testing.T) {
	m := newAttemptMemo(time.Hour, 2, 1<<20)
	m.put("x", "a", &StepOutcome{}, nil)
	m.put("x", "b", &StepOutcome{}, nil)
	m.put("x", "c", &StepOutcome{}, nil)
	if _, ok := m.get("x", "a"); ok {
		t.Error("the oldest outcome survived past the cap")
	}
	if _, ok := m.get("x", "c"); !ok {
		t.Error("the newest outcome was forgotten")
	}
	m = newAttemptMemo(time.Millisecond, 10, 1<<20)
	clock := time.Now()
	m.now = func() time.Time { return clock }
	m.put("x", "a", &StepOutcome{}, nil)
	if _, ok := m.get("x", "a"); !ok {
		t.Error("an outcome was forgotten within its time")
	}
	clock = clock.Add(5 * time.Millisecond)
	if _, ok := m.get("x", "a"); ok {
		t.Error("an outcome survived past its time")
	}
}

// TestAttemptMemoBoundsBytes: the memo keeps no more than its byte cap,
// dropping the oldest outcomes first.
func TestAttemptMemoBoundsBytes(t *testing.T) {
	m := newAttemptMemo(time.Hour, 1000, 3<<20)
	big := func() *StepOutcome { return &StepOutcome{Output: make(json.RawMessage, 1<<20)} }
	for _, k := range []string{"a", "b", "c", "d"} {
		m.put("x", k, big(), nil)
	}
	if m.bytes > 3<<20 {
		t.Errorf("the memo keeps %d bytes, more than its cap of %d", m.bytes, 3<<20)
	}
	if _, ok := m.get("x", "a"); ok {
		t.Error("the oldest outcome survived past the byte cap")
	}
	if _, ok := m.get("x", "d"); !ok {
		t.Error("the newest outcome was forgotten")
	}
}

// TestAttemptMemoForgetsAnExecution: forget drops the outcomes of one
// workflow execution and keeps the others'; the counts follow.
func TestAttemptMemoForgetsAnExecution(t *testing.T) {
	m := newAttemptMemo(time.Hour, 100, 1<<20)
	m.put("batch-1", "a", &StepOutcome{}, nil)
	m.put("batch-2", "a", &StepOutcome{}, nil)
	m.put("batch-1", "b", &StepOutcome{}, nil)
	m.forget("batch-1")
	for _, k := range []string{"a", "b"} {
		if _, ok := m.get("batch-1", k); ok {
			t.Errorf("outcome %s of a forgotten execution survived", k)
		}
	}
	if _, ok := m.get("batch-2", "a"); !ok {
		t.Error("another execution's outcome was forgotten")
	}
	if m.n != 1 || m.bytes != entrySize(&StepOutcome{}, nil) {
		t.Errorf("the memo counts %d outcomes of %d bytes, want 1 of %d", m.n, m.bytes, entrySize(&StepOutcome{}, nil))
	}
}

// TestAttemptMemoStaysSmall: a memo at its cap, or whose executions
// forget their outcomes as they complete, keeps its insertion order no
// longer than about twice what it holds, and keeps the newest outcomes.
func TestAttemptMemoStaysSmall(t *testing.T) {
	m := newAttemptMemo(time.Hour, 100, 1<<20)
	for i := range 10000 {
		exec := "batch-" + strconv.Itoa(i/50)
		m.put(exec, strconv.Itoa(i), &StepOutcome{}, nil)
		if i%50 == 49 && i%100 != 99 {
			m.forget(exec) // every other execution completes
		}
		if len(m.order)-m.head > 2*m.n+64 || m.n > 100 {
			t.Fatalf("after %d puts the memo holds %d outcomes and an order of %d", i+1, m.n, len(m.order)-m.head)
		}
	}
	if _, ok := m.get("batch-199", "9999"); !ok {
		t.Error("the newest outcome was forgotten")
	}
	if _, ok := m.get("batch-197", "9899"); !ok {
		t.Error("an outcome within the cap was forgotten")
	}
	if _, ok := m.get("batch-196", "9849"); ok {
		t.Error("an outcome of a forgotten execution survived")
	}
	// An outcome put again keeps its newest value and counts once.
	m.put("batch-199", "9999", &StepOutcome{HandedOff: "again"}, nil)
	if e, _ := m.get("batch-199", "9999"); e.out.HandedOff != "again" || m.n > 100 {
		t.Errorf("an outcome put again: %+v, %d kept", e.out, m.n)
	}
}

// BenchmarkAttemptMemoPut puts outcomes into a memo held at its cap of
// 50,000, as a worker's memo is after a minute at 800 steps a second.
func BenchmarkAttemptMemoPut(b *testing.B) {
	m := newAttemptMemo(memoTTL, memoMax, memoMaxBytes)
	out := &StepOutcome{}
	for i := range memoMax {
		m.put("x", "warm-"+strconv.Itoa(i), out, nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m.put("x", "run-"+strconv.Itoa(i), out, nil)
	}
}
