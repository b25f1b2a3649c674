package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// EventTypeJSON is an event type as the API answers it: the declaration,
// how many enabled flows subscribe to it and which.
type EventTypeJSON struct {
	flows.EventType
	// Subscribers counts the enabled flows whose published version
	// subscribes to the type.
	Subscribers  int          `json:"subscribers"`
	SubscribedBy []subscriber `json:"subscribed_by"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// eventTypeAnswer builds the answer for one stored type.
func eventTypeAnswer(r *store.EventTypeRecord, subs []subscriber) (*EventTypeJSON, error) {
	et, err := r.EventType()
	if err != nil {
		return nil, err
	}
	if subs == nil {
		subs = []subscriber{}
	}
	return &EventTypeJSON{EventType: et, Subscribers: len(subs), SubscribedBy: subs, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// readEventType reads and checks an event type from the body. It answers
// 400, 413 or 422 itself and then returns ok false. pathName, when set, is
// the name in the URL: the body may leave the name out, and may not
// contradict it.
func (s *server) readEventType(c *gin.Context, pathName string) (*flows.EventType, bool) {
	raw, err := s.readJSON(c, false)
	if err != nil {
		return nil, false
	}
	if pathName != "" {
		var named struct {
			Name *string `json:"name"`
		}
		if bytes.HasPrefix(raw, []byte("{")) && json.Unmarshal(raw, &named) == nil {
			switch {
			case named.Name == nil:
				// Insert the name without decoding the rest, which would
				// lose the order of the messages.
				q, _ := json.Marshal(pathName)
				rest := raw[1:]
				if !bytes.HasPrefix(rest, []byte("}")) {
					rest = append([]byte(","), rest...)
				}
				raw = append(append([]byte(`{"name":`), q...), rest...)
			case *named.Name != pathName:
				problem(c, http.StatusUnprocessableEntity, "the event type is invalid", flows.Problem{Pointer: "/name",
					Message: fmt.Sprintf("the name %q differs from the one in the URL (%q); an event type cannot be renamed: create the new one and delete the old", *named.Name, pathName)})
				return nil, false
			}
		}
	}
	et, problems, err := flows.ParseEventType(raw)
	if err != nil {
		problem(c, http.StatusBadRequest, err.Error())
		return nil, false
	}
	if len(problems) > 0 {
		unprocessable(c, "the event type", problems)
		return nil, false
	}
	return et, true
}

// eventTypeError answers the HTTP form of a store error about one type.
func eventTypeError(c *gin.Context, action string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		problemf(c, http.StatusNotFound, "no event type named %q", c.Param("name"))
	case errors.Is(err, store.ErrConflict):
		problem(c, http.StatusConflict, err.Error())
	default:
		internalError(c, action, err)
	}
}

func (s *server) createEventType(c *gin.Context) {
	et, ok := s.readEventType(c, "")
	if !ok {
		return
	}
	r, err := s.store.CreateEventType(c.Request.Context(), *et)
	if err != nil {
		eventTypeError(c, "declaring the event type", err)
		return
	}
	s.answerEventType(c, http.StatusCreated, r)
}

// answerEventType answers one type with its subscribers.
func (s *server) answerEventType(c *gin.Context, status int, r *store.EventTypeRecord) {
	subs, err := s.subscribers(c.Request.Context(), []string{r.Name})
	if err != nil {
		internalError(c, "counting the event type's subscribers", err)
		return
	}
	out, err := eventTypeAnswer(r, subs[r.Name])
	if err != nil {
		internalError(c, "reading the event type", err)
		return
	}
	if status == http.StatusCreated {
		c.Header("Location", BasePath+"/event-types/"+r.Name)
	}
	respond(c, status, out)
}

// listEventTypes answers {"event_types": [...]} by name, only those of
// ?category= when given.
func (s *server) listEventTypes(c *gin.Context) {
	category := c.Query("category")
	if category != "" && category != flows.CategoryEvent && category != flows.CategoryAlarm {
		problemf(c, http.StatusBadRequest, "category %q is unknown: use event or alarm", category)
		return
	}
	records, err := s.store.ListEventTypes(c.Request.Context(), category)
	if err != nil {
		internalError(c, "listing event types", err)
		return
	}
	names := make([]string, 0, len(records))
	for _, r := range records {
		names = append(names, r.Name)
	}
	subs, err := s.subscribers(c.Request.Context(), names)
	if err != nil {
		internalError(c, "counting subscribers", err)
		return
	}
	out := make([]*EventTypeJSON, 0, len(records))
	for i := range records {
		a, err := eventTypeAnswer(&records[i], subs[records[i].Name])
		if err != nil {
			internalError(c, "reading the event types", err)
			return
		}
		out = append(out, a)
	}
	respond(c, http.StatusOK, gin.H{"event_types": out})
}

func (s *server) getEventType(c *gin.Context) {
	r, err := s.store.GetEventType(c.Request.Context(), c.Param("name"))
	if err != nil {
		eventTypeError(c, "reading the event type", err)
		return
	}
	s.answerEventType(c, http.StatusOK, r)
}

// replaceEventType replaces a declared type; an unknown one is 404 before
// the body is judged.
func (s *server) replaceEventType(c *gin.Context) {
	name := c.Param("name")
	if _, err := s.store.GetEventType(c.Request.Context(), name); err != nil {
		eventTypeError(c, "reading the event type", err)
		return
	}
	et, ok := s.readEventType(c, name)
	if !ok {
		return
	}
	r, err := s.store.ReplaceEventType(c.Request.Context(), *et)
	if err != nil {
		eventTypeError(c, "replacing the event type", err)
		return
	}
	s.answerEventType(c, http.StatusOK, r)
}

// deleteEventType removes a type. While enabled flows subscribe to it the
// answer is 409 naming them, unless ?force=true (see forceQuery).
func (s *server) deleteEventType(c *gin.Context) {
	force, ok := forceQuery(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	name := c.Param("name")
	if _, err := s.store.GetEventType(ctx, name); err != nil {
		eventTypeError(c, "reading the event type", err)
		return
	}
	if !force {
		subs, err := s.subscribers(ctx, []string{name})
		if err != nil {
			internalError(c, "finding the event type's subscribers", err)
			return
		}
		if len(subs[name]) > 0 {
			named := make([]string, 0, len(subs[name]))
			for _, f := range subs[name] {
				named = append(named, fmt.Sprintf("%q (%s)", f.Name, f.ID))
			}
			problemf(c, http.StatusConflict, "event type %q has subscribers: flows %s; disable them, or delete with ?force=true",
				name, strings.Join(named, ", "))
			return
		}
	}
	if err := s.store.DeleteEventType(ctx, name); err != nil {
		eventTypeError(c, "deleting the event type", err)
		return
	}
	c.Status(http.StatusNoContent)
	c.Writer.WriteHeaderNow()
}
