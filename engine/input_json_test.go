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

// TestRunInputCarriesThePayloadOnce encodes the input of a run's own
// workflow (RunInput.Packed): an event's envelope (its trigger body too) and its data, a
// webhook's body (its data too) are each written once, and the input
// decodes back to the same trigger, byte for byte. An input written
// before packing (every field spelled out) decodes as it always did.
func TestRunInputCarriesThePayloadOnce(t *testing.T) {
	doc, err := flows.ParseDocument([]byte(`{"name": "orders", "trigger": {"type": "event", "events": ["order.*"]}, "steps": [
		{"id": "post", "type": "http", "config": {"method": "POST", "url": "http://127.0.0.1:1/x"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	envelope := json.RawMessage(`{"event_id":"e1","event_type":"order.paid","data":{"total":12.5,"sku":"sku-7781"}}`)
	event := engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope},
		ID: "e1", Event: envelope, Data: json.RawMessage(`{"total":12.5,"sku":"sku-7781"}`), Message: "paid"}
	hook := engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Type: flows.TriggerWebhook, Body: json.RawMessage(`{"sku":"sku-7781"}`),
		Headers: json.RawMessage(`{"x":"y"}`)}, ID: "w1", Data: json.RawMessage(`{"sku":"sku-7781"}`)}
	for _, c := range []struct {
		name    string
		trigger engine.TriggerInput
	}{{"event", event}, {"webhook", hook}} {
		t.Run(c.name, func(t *testing.T) {
			in := engine.NewRunInput("f", 1, doc, "r1", c.trigger, at)
			raw, err := json.Marshal(in.Packed())
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(raw, []byte(`sku-7781`)); n != 1 {
				t.Errorf("the input holds the payload %d times, want once: %s", n, raw)
			}
			// As recorded before packing (and as RunInput still encodes
			// where it is not a workflow's input): every field spelled out.
			old, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(old, []byte(`sku-7781`)); n < 2 {
				t.Fatalf("the unpacked form holds the payload %d times: %s", n, old)
			}
			var back, fromOld engine.RunInput
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(old, &fromOld); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, fromOld) {
				t.Errorf("reads back as\n%+v\nwhere the unpacked form reads\n%+v", back, fromOld)
			}
			for name, got := range map[string]json.RawMessage{"body": back.Trigger.Body, "event": back.Trigger.Event, "data": back.Trigger.Data} {
				want := map[string]json.RawMessage{"body": in.Trigger.Body, "event": in.Trigger.Event, "data": in.Trigger.Data}[name]
				if !bytes.Equal(got, want) {
					t.Errorf("trigger %s reads back as %s, want %s", name, got, want)
				}
			}
		})
	}
}
