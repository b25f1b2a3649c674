package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// catalogCache keeps the compiled event catalog until the store's
// fingerprint of it changes (a write through this API, another API
// process or `flowline event-types import`), so that an event costs one
// small query rather than compiling every schema again.
type catalogCache struct {
	mu  sync.Mutex
	fp  store.CatalogFingerprint
	cat *flows.Catalog
}

// catalog returns the current event catalog.
func (s *server) catalog(ctx context.Context) (*flows.Catalog, error) {
	fp, err := s.store.EventTypesFingerprint(ctx)
	if err != nil {
		return nil, err
	}
	s.catalogs.mu.Lock()
	defer s.catalogs.mu.Unlock()
	if s.catalogs.cat != nil && s.catalogs.fp == fp {
		return s.catalogs.cat, nil
	}
	records, err := s.store.ListEventTypes(ctx, "")
	if err != nil {
		return nil, err
	}
	types := make([]flows.EventType, 0, len(records))
	for _, r := range records {
		et, err := r.EventType()
		if err != nil {
			return nil, err
		}
		types = append(types, et)
	}
	cat, err := flows.NewCatalog(types)
	if err != nil {
		return nil, err
	}
	// The fingerprint read before the list may be older than the list:
	// then the next call reloads, which is only wasted work.
	s.catalogs.fp, s.catalogs.cat = fp, cat
	return cat, nil
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

// checkEvent checks a posted event against the catalog: the data of a
// declared type must match its schema, and in strict mode the type must be
// declared. It answers 422 itself (ok false) or returns the type, nil when
// undeclared.
func (s *server) checkEvent(c *gin.Context, ev *Envelope) (*flows.CatalogEntry, bool) {
	cat, err := s.catalog(c.Request.Context())
	if err != nil {
		internalError(c, "reading the event catalog", err)
		return nil, false
	}
	entry := cat.Lookup(ev.EventType)
	if entry == nil {
		if s.eventsStrict {
			problem(c, http.StatusUnprocessableEntity, fmt.Sprintf("event type %q is not in the catalog", ev.EventType),
				flows.Problem{Pointer: "/event_type", Message: fmt.Sprintf("event type %q is not in the catalog; declare it with POST /api/v1/event-types (FLOWLINE_EVENTS_STRICT is on)", ev.EventType)})
			return nil, false
		}
		return nil, true
	}
	if problems := entry.ValidateData(ev.Data); len(problems) > 0 {
		detail := fmt.Sprintf("the event's data does not match the schema of event type %q", ev.EventType)
		problem(c, http.StatusUnprocessableEntity, detail, problems...)
		return nil, false
	}
	return entry, true
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
	enabled, err := s.store.ListEnabledFlows(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]subscriber, len(names))
	for _, f := range enabled {
		v, err := s.store.LatestVersion(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		doc, err := flows.ParseDocument(v.Document)
		if err != nil {
			return nil, fmt.Errorf("reading the published version of flow %s: %w", f.ID, err)
		}
		for _, n := range names {
			if doc.Subscribes(n) {
				out[n] = append(out[n], subscriber{ID: f.ID, Name: doc.Name})
			}
		}
	}
	for _, subs := range out {
		sort.Slice(subs, func(i, j int) bool { return subs[i].ID < subs[j].ID })
	}
	return out, nil
}
