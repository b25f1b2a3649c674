package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// catalog returns the current event catalog (see triggerCache).
func (s *server) catalog(ctx context.Context) (*flows.Catalog, error) {
	snap, err := s.triggers(ctx)
	if err != nil {
		return nil, err
	}
	return snap.catalog, nil
}

// catalogWarnings returns a valid document's warnings: the template
// warnings of flows.Warnings and the catalog's. In strict mode an event
// pattern matching no declared type is a problem (answered 422 here, ok
// false); otherwise it is a warning, as are templates reading undeclared
// data fields.
func (s *server) catalogWarnings(c *gin.Context, doc *flows.Document) (warnings []flows.Warning, ok bool) {
	cat, err := s.catalog(c.Request.Context())
	if err != nil {
		internalError(c, "reading the event catalog", err)
		return nil, false
	}
	if s.eventsStrict {
		var problems []flows.Problem
		for _, w := range flows.SubscriptionWarnings(doc, cat) {
			problems = append(problems, flows.Problem{Pointer: w.Pointer, Message: w.Message + " (FLOWLINE_EVENTS_STRICT is on)"})
		}
		if len(problems) > 0 {
			invalidDocument(c, problems)
			return nil, false
		}
	}
	return flows.AllWarnings(doc, cat), true
}

// eventRefusal is why the catalog refuses a posted event (422).
type eventRefusal struct {
	detail   string
	problems []flows.Problem
}

// answer answers the refusal.
func (r *eventRefusal) answer(c *gin.Context) {
	problem(c, http.StatusUnprocessableEntity, r.detail, r.problems...)
}

// checkEvent checks a posted event against the catalog of snap: the data
// of a declared type must match its schema, and in strict mode the type
// must be declared. It returns the type (nil when undeclared), or why the
// event is refused.
func (s *server) checkEvent(snap *triggerSnapshot, ev *Envelope) (*flows.CatalogEntry, *eventRefusal) {
	entry := snap.catalog.Lookup(ev.EventType)
	if entry == nil {
		if s.eventsStrict {
			return nil, &eventRefusal{detail: fmt.Sprintf("event type %q is not in the catalog", ev.EventType),
				problems: []flows.Problem{{Pointer: "/event_type", Message: fmt.Sprintf("event type %q is not in the catalog; declare it with POST /api/v1/event-types (FLOWLINE_EVENTS_STRICT is on)", ev.EventType)}}}
		}
		return nil, nil
	}
	if problems := entry.ValidateData(ev.Data); len(problems) > 0 {
		return nil, &eventRefusal{detail: fmt.Sprintf("the event's data does not match the schema of event type %q", ev.EventType),
			problems: problems}
	}
	return entry, nil
}

// eventMessage renders the type's message for one subscribed flow, in the
// language its trigger asks for; "" when the type has no message.
func eventMessage(entry *flows.CatalogEntry, doc *flows.Document, rc flows.RunContext) string {
	if entry == nil {
		return ""
	}
	tmpl, ok := entry.MessageTemplate(doc.Trigger.Language)
	if !ok {
		return ""
	}
	return flows.RenderMessage(tmpl, &rc)
}

// subscriber is an enabled flow whose published version subscribes to an
// event type.
type subscriber struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// subscribers maps each of names to the enabled flows whose published
// version subscribes to it.
func (s *server) subscribers(ctx context.Context, names []string) (map[string][]subscriber, error) {
	snap, err := s.triggers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]subscriber, len(names))
	for _, n := range names {
		for _, f := range snap.subscribersOf(n) {
			out[n] = append(out[n], subscriber{ID: f.ID, Name: f.Doc.Name})
		}
	}
	for _, subs := range out {
		sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	}
	return out, nil
}
