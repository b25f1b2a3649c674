package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
	"github.com/flowline/flowline/schemas"
)

// eventValidator checks POST /events bodies against schemas/event.schema.json.
var eventValidator = mustCompile("event", schemas.EventSchema())

func mustCompile(name string, schema []byte) *schemas.Validator {
	v, err := schemas.Compile(name, schema)
	if err != nil {
		panic(err) // the embedded schema is part of the program
	}
	return v
}

// Envelope is the event as posted to POST /events and, with its id and time
// filled in, as flows receive it (templates read it as event.*).
type Envelope struct {
	EventID        string          `json:"event_id"`
	EventTime      string          `json:"event_time"`
	EventType      string          `json:"event_type"`
	CurrentContext json.RawMessage `json:"current_context"`
	Data           json.RawMessage `json:"data"`
}

// EventResult is the answer to POST /events: the event's id and one run per
// enabled flow subscribed to its type.
type EventResult struct {
	EventID string `json:"event_id"`
	Runs    []Run  `json:"runs"`
}

// postEvent starts one run per enabled flow subscribed to the event's type.
// Each run's id is derived from the flow and the event id, and Temporal
// refuses a second workflow with the same id: a repeat of the event (same
// Idempotency-Key or event_id), concurrent or after a restart, starts
// nothing new and answers with the same runs.
func (s *server) postEvent(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	problems, err := eventValidator.ValidateJSON(raw)
	if err != nil {
		problem(c, http.StatusBadRequest, err.Error())
		return
	}
	var ev Envelope
	if len(problems) == 0 {
		_ = json.Unmarshal(raw, &ev)
		if ev.EventTime != "" {
			if _, err := time.Parse(time.RFC3339Nano, ev.EventTime); err != nil {
				problems = append(problems, flows.Problem{Pointer: "/event_time", Message: "event_time must be an RFC 3339 time such as 2026-11-23T10:00:00Z"})
			}
		}
	}
	if len(problems) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the event is invalid", problems...)
		return
	}
	ctx := c.Request.Context()
	// Decided from the flows and catalog this process holds, unread: the
	// ledger records the runs only if the store's revision is still that
	// snapshot's (engine.WithBasis), else the event is decided again from
	// a fresh read. A refusal, and an event no flow takes, are answered
	// from a fresh read.
	snap, verified, err := s.heldTriggers(ctx)
	if err != nil {
		internalError(c, "reading the event catalog and enabled flows", err)
		return
	}
	entry, refusal := s.checkEvent(snap, &ev)
	if !verified && (refusal != nil || len(snap.subscribersOf(ev.EventType)) == 0) {
		if snap, err = s.triggers(ctx); err != nil {
			internalError(c, "reading the event catalog and enabled flows", err)
			return
		}
		verified = true
		entry, refusal = s.checkEvent(snap, &ev)
	}
	if refusal != nil {
		refusal.answer(c)
		return
	}
	key, ok := idempotencyKey(c, "Idempotency-Key")
	if !ok {
		return
	}
	keyFromBody := key == "" && ev.EventID != ""
	if key != "" {
		ev.EventID = key
	}
	givenKey := ev.EventID != ""
	if ev.EventID == "" {
		ev.EventID = "evt_" + store.NewID() + store.NewID()
	}
	now := time.Now().UTC()
	if ev.EventTime == "" {
		ev.EventTime = now.Format(time.RFC3339Nano)
	}
	ev.CurrentContext, ev.Data = orNull(ev.CurrentContext), orNull(ev.Data)
	envelope, err := json.Marshal(ev)
	if err != nil {
		internalError(c, "encoding the event", err)
		return
	}
	// The key is recorded in the transaction that records the runs (or
	// alone when no flow subscribes), and only once the event is known to
	// be runnable, so a refused event leaves nothing behind.
	var reqKey *engine.RequestKey
	if givenKey {
		if reqKey, ok = eventKey(c, ev.EventID, raw); !ok {
			return
		}
	}
	for {
		current := func() bool { return verified || s.current(ctx, snap.rev.Sum()) }
		inputs, ok, stale := eventInputs(c, snap, entry, &ev, envelope, now, current)
		if !ok && !stale {
			return
		}
		var started []*engine.Run
		if !stale {
			sctx := ctx
			if !verified {
				sctx = engine.WithBasis(ctx, snap.rev.Sum())
			}
			started, err = runs.StartMany(sctx, inputs, reqKey)
			stale = errors.Is(err, engine.ErrStale) && !verified
		}
		if stale { // decided from a snapshot no longer current: again, from a fresh one
			if snap, err = s.triggers(ctx); err != nil {
				internalError(c, "reading the event catalog and enabled flows", err)
				return
			}
			verified = true
			if entry, refusal = s.checkEvent(snap, &ev); refusal != nil {
				refusal.answer(c)
				return
			}
			continue
		}
		if errors.Is(err, engine.ErrKeyReused) {
			keyReused(c, ev.EventID, keyFromBody)
			return
		}
		if err != nil {
			internalError(c, "starting the runs of event "+ev.EventID, err)
			return
		}
		result := EventResult{EventID: ev.EventID, Runs: make([]Run, len(started))}
		for i, run := range started {
			result.Runs[i] = runJSON(run)
		}
		respond(c, http.StatusAccepted, result)
		return
	}
}

// eventInputs builds the run input of every flow of snap subscribed to
// the event, each measured before any run starts, so an event too large
// for one flow starts none (answered 413: ok false; unless current says
// snap is stale: stale true, nothing answered).
func eventInputs(c *gin.Context, snap *triggerSnapshot, entry *flows.CatalogEntry, ev *Envelope, envelope json.RawMessage,
	now time.Time, current func() bool) (inputs []engine.RunInput, ok, stale bool) {
	for _, f := range snap.subscribersOf(ev.EventType) {
		doc := f.Doc
		in := engine.NewRunInput(f.ID, f.Version, doc, engine.DeterministicRunID(f.ID, ev.EventID), engine.TriggerInput{
			TriggerInfo: flows.TriggerInfo{Type: flows.TriggerEvent, Body: envelope},
			ID:          ev.EventID, Event: envelope, Data: ev.Data,
		}, now)
		in.Trigger.Message = eventMessage(entry, doc, flows.RunContext{
			Flow: flows.FlowInfo{ID: f.ID, Name: doc.Name, Version: f.Version}, Run: flows.RunInfo{ID: in.RunID, StartedAt: now},
			Trigger: in.Trigger.TriggerInfo, Event: envelope, Data: ev.Data,
		})
		if fits, stale := inputFits(c, in, current); !fits {
			return nil, false, stale
		}
		inputs = append(inputs, in)
	}
	return inputs, true, false
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
