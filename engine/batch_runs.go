package engine

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/flowline/flowline/flows"
)

// BatchRunsSignal hands a batch many runs at once (a BatchRuns): the run
// service sends one per batch execution for all the runs that arrived
// together.
const BatchRunsSignal = "runs"

// BatchRuns is the payload of BatchRunsSignal: runs of one flow for one
// batch execution, with each pinned version's document once and each
// run's trigger packed (PackTrigger).
type BatchRuns struct {
	FlowID   string          `json:"flow_id"`
	Versions []PinnedVersion `json:"versions"`
	Runs     []BatchRun      `json:"runs"`
}

// PinnedVersion is one published version runs of a BatchRuns are pinned
// to.
type PinnedVersion struct {
	Version  int            `json:"version"`
	FlowName string         `json:"flow_name"`
	Document flows.Document `json:"document"`
}

// BatchRun is one run of a BatchRuns: its input without the document,
// which its Version names.
type BatchRun struct {
	RunID     string        `json:"run_id"`
	Version   int           `json:"version"`
	StartedAt time.Time     `json:"started_at"`
	Trigger   PackedTrigger `json:"trigger"`
	Resume    *Resume       `json:"resume,omitempty"`
}

// PackRuns is the BatchRuns of ins, runs of one flow.
func PackRuns(ins []RunInput) BatchRuns {
	out := BatchRuns{Runs: make([]BatchRun, len(ins))}
	if len(ins) > 0 {
		out.FlowID = ins[0].FlowID
	}
	for i, in := range ins {
		known := false
		for _, v := range out.Versions {
			known = known || v.Version == in.Version
		}
		if !known {
			out.Versions = append(out.Versions, PinnedVersion{Version: in.Version, FlowName: in.FlowName, Document: in.Document})
		}
		out.Runs[i] = BatchRun{RunID: in.RunID, Version: in.Version, StartedAt: in.StartedAt,
			Trigger: PackTrigger(in.Trigger), Resume: in.Resume}
	}
	return out
}

// Inputs are the run inputs b carries, as the runs' steps see them.
func (b BatchRuns) Inputs() []RunInput {
	out := make([]RunInput, 0, len(b.Runs))
	for _, r := range b.Runs {
		in := RunInput{FlowID: b.FlowID, Version: r.Version, RunID: r.RunID, StartedAt: r.StartedAt,
			Trigger: r.Trigger.Unpack(), Resume: r.Resume}
		for _, v := range b.Versions {
			if v.Version == r.Version {
				in.FlowName, in.Document = v.FlowName, v.Document
				break
			}
		}
		out = append(out, in)
	}
	return out
}

// Where PackedTrigger's Body and Data come from when left out.
const (
	fromEvent     = "event"
	fromBody      = "body"
	fromEventData = "event.data"
)

// PackedTrigger is a TriggerInput with what repeats another of its fields
// left out: an event's trigger body is its envelope, which holds its
// data; a webhook's data is its body. Unpack puts them back byte for
// byte.
type PackedTrigger struct {
	TriggerInput
	// BodyFrom, when "event", says Body is Event.
	BodyFrom string `json:"body_from,omitempty"`
	// DataFrom, when "body" or "event.data", says Data is Body or the
	// envelope's data.
	DataFrom string `json:"data_from,omitempty"`
}

// PackTrigger packs t: Body and Data are left out where Unpack finds the
// same bytes elsewhere in t.
func PackTrigger(t TriggerInput) PackedTrigger {
	p := PackedTrigger{TriggerInput: t}
	if len(t.Data) > 0 {
		switch {
		case bytes.Equal(t.Data, t.Body):
			p.Data, p.DataFrom = nil, fromBody
		case len(t.Event) > 0 && bytes.Equal(t.Data, eventData(t.Event)):
			p.Data, p.DataFrom = nil, fromEventData
		}
	}
	if len(t.Body) > 0 && bytes.Equal(t.Body, t.Event) {
		p.Body, p.BodyFrom = nil, fromEvent
	}
	return p
}

// Unpack is the trigger p packs.
func (p PackedTrigger) Unpack() TriggerInput {
	t := p.TriggerInput
	if p.BodyFrom == fromEvent {
		t.Body = t.Event
	}
	switch p.DataFrom {
	case fromBody:
		t.Data = t.Body
	case fromEventData:
		t.Data = eventData(t.Event)
	}
	return t
}

// eventData is the data of an event envelope, byte for byte, or nil.
func eventData(envelope json.RawMessage) json.RawMessage {
	var ev struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(envelope, &ev) != nil {
		return nil
	}
	return ev.Data
}
