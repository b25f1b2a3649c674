package engine

import (
	"encoding/json"
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
	m.put("a", &StepOutcome{}, nil)
	m.put("b", &StepOutcome{}, nil)
	m.put("c", &StepOutcome{}, nil)
	if _, ok := m.get("a"); ok {
		t.Error("the oldest outcome survived past the cap")
	}
	if _, ok := m.get("c"); !ok {
		t.Error("the newest outcome was forgotten")
	}
	m = newAttemptMemo(time.Millisecond, 10, 1<<20)
	clock := time.Now()
	m.now = func() time.Time { return clock }
	m.put("a", &StepOutcome{}, nil)
	if _, ok := m.get("a"); !ok {
		t.Error("an outcome was forgotten within its time")
	}
	clock = clock.Add(5 * time.Millisecond)
	if _, ok := m.get("a"); ok {
		t.Error("an outcome survived past its time")
	}
}

// TestAttemptMemoBoundsBytes: the memo keeps no more than its byte cap,
// dropping the oldest outcomes first.
func TestAttemptMemoBoundsBytes(t *testing.T) {
	m := newAttemptMemo(time.Hour, 1000, 3<<20)
	big := func() *StepOutcome { return &StepOutcome{Output: make(json.RawMessage, 1<<20)} }
	for _, k := range []string{"a", "b", "c", "d"} {
		m.put(k, big(), nil)
	}
	if m.bytes > 3<<20 {
		t.Errorf("the memo keeps %d bytes, more than its cap of %d", m.bytes, 3<<20)
	}
	if _, ok := m.get("a"); ok {
		t.Error("the oldest outcome survived past the byte cap")
	}
	if _, ok := m.get("d"); !ok {
		t.Error("the newest outcome was forgotten")
	}
}
