package engine_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
)

// TestBatchRunsCarryEachThingOnce packs runs of two versions of a flow
// into one BatchRuns signal and reads them back as the batch does: every
// run's input is what its steps would have seen alone, while the payload
// holds each version's document once and each event envelope once.
func TestBatchRunsCarryEachThingOnce(t *testing.T) {
	doc := func(name string) flows.Document {
		d, err := flows.ParseDocument([]byte(`{"name": "` + name + `", "trigger": {"type": "event", "events": ["order.*"]}, "steps": [
			{"id": "post", "type": "http", "config": {"method": "POST", "url": "http://127.0.0.1:1/x"}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		return *d
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	envelope := json.RawMessage(`{"event_id":"e1","event_type":"order.paid","data":{"total":12.5}}`)
	event := engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope},
		ID: "e1", Event: envelope, Data: json.RawMessage(`{"total":12.5}`), Message: "paid"}
	// Data spelled otherwise than in the envelope is carried as it is.
	spaced := event
	spaced.Data = json.RawMessage(`{"total": 12.5}`)
	hook := engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerWebhook, Body: json.RawMessage(`{"a":1}`),
		Headers: json.RawMessage(`{"x":"y"}`)}, ID: "w1", Data: json.RawMessage(`{"a":1}`)}
	v1, v2 := doc("orders"), doc("orders v2")
	ins := []engine.RunInput{
		{FlowID: "f", FlowName: "orders", Version: 1, RunID: "r1", StartedAt: at, Document: v1, Trigger: event},
		{FlowID: "f", FlowName: "orders", Version: 1, RunID: "r2", StartedAt: at.Add(time.Millisecond), Document: v1, Trigger: spaced},
		{FlowID: "f", FlowName: "orders v2", Version: 2, RunID: "r3", StartedAt: at, Document: v2, Trigger: hook},
		{FlowID: "f", FlowName: "orders", Version: 1, RunID: "r4", StartedAt: at, Document: v1, Trigger: event,
			Resume: &engine.Resume{Steps: []engine.StepResult{}, Next: 1}},
	}
	raw, err := json.Marshal(engine.PackRuns(ins))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte(`"order.*"`)); n != 2 {
		t.Errorf("the payload holds %d documents, want one per version (2): %s", n, raw)
	}
	if n := bytes.Count(raw, []byte(`order.paid`)); n != 3 {
		t.Errorf("the payload holds %d envelopes for 3 event runs, want one each: %s", n, raw)
	}
	var back engine.BatchRuns
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	got := back.Inputs()
	for i := range ins {
		want := roundTrip(t, ins[i])
		if !reflect.DeepEqual(roundTrip(t, got[i]), want) {
			t.Errorf("run %s reads back as\n%+v\nwant\n%+v", ins[i].RunID, got[i], want)
		}
		// As a signal of its own would carry it (JSON compacts raw
		// values), byte for byte.
		if !bytes.Equal(got[i].Trigger.Body, want.Trigger.Body) || !bytes.Equal(got[i].Trigger.Data, want.Trigger.Data) {
			t.Errorf("run %s: body %s data %s, want %s and %s", ins[i].RunID, got[i].Trigger.Body, got[i].Trigger.Data,
				want.Trigger.Body, want.Trigger.Data)
		}
	}
}

// roundTrip is in as a signal carries it (JSON).
func roundTrip(t *testing.T, in engine.RunInput) engine.RunInput {
	t.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out engine.RunInput
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
