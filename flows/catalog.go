package flows

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/flowline/flowline/schemas"
)

// Catalog is the event catalog, compiled: each declared event type with
// its data schema ready to validate events. A nil *Catalog is an empty
// catalog. It is safe for concurrent use.
type Catalog struct {
	types map[string]*CatalogEntry
	names []string
}

// CatalogEntry is one event type of a Catalog.
type CatalogEntry struct {
	EventType
	data    *schemas.Validator // nil when the type declares no schema
	schema  any                // the schema, decoded; nil when none
	example any                // the example, decoded; nil when none
}

// NewCatalog compiles types, which were checked by ParseEventType when
// they were stored.
func NewCatalog(types []EventType) (*Catalog, error) {
	c := &Catalog{types: make(map[string]*CatalogEntry, len(types))}
	for _, t := range types {
		e := &CatalogEntry{EventType: t}
		if t.Schema != nil {
			v, err := schemas.CompileUntrusted("event-types/"+t.Name, t.Schema)
			if err != nil {
				return nil, fmt.Errorf("compiling event type %q: %w", t.Name, err)
			}
			e.data = v
			if e.schema, err = schemas.DecodeJSON(t.Schema); err != nil {
				return nil, fmt.Errorf("compiling event type %q: %w", t.Name, err)
			}
		}
		if t.Example != nil {
			var err error
			if e.example, err = schemas.DecodeJSON(t.Example); err != nil {
				return nil, fmt.Errorf("compiling event type %q: example: %w", t.Name, err)
			}
		}
		c.types[t.Name] = e
		c.names = append(c.names, t.Name)
	}
	sort.Strings(c.names)
	return c, nil
}

// Len is the number of declared types.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.names)
}

// Lookup returns the declared type named name, or nil.
func (c *Catalog) Lookup(name string) *CatalogEntry {
	if c == nil {
		return nil
	}
	return c.types[name]
}

// Matching returns the declared types an event trigger pattern ("host.*")
// matches, by name.
func (c *Catalog) Matching(pattern string) []*CatalogEntry {
	if c == nil {
		return nil
	}
	var out []*CatalogEntry
	for _, n := range c.names {
		if MatchEventType(pattern, n) {
			out = append(out, c.types[n])
		}
	}
	return out
}

// Subscribed returns the declared types a document's event trigger
// subscribes to, by name, each once; nil for other triggers.
func (c *Catalog) Subscribed(d *Document) []*CatalogEntry {
	if c == nil || d.Trigger.Type != TriggerEvent {
		return nil
	}
	var out []*CatalogEntry
	for _, n := range c.names {
		if d.Subscribes(n) {
			out = append(out, c.types[n])
		}
	}
	return out
}

// ValidateData checks an event's data against the type's schema and
// returns every problem at pointers under /data; nil when the data matches
// or the type declares no schema.
func (e *CatalogEntry) ValidateData(data json.RawMessage) []Problem {
	if e.data == nil {
		return nil
	}
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	ps, err := e.data.ValidateJSON(data)
	if err != nil {
		return []Problem{{Pointer: "/data", Message: err.Error()}}
	}
	var out []Problem
	for _, p := range ps {
		out = append(out, Problem{Pointer: "/data" + p.Pointer, Message: p.Message})
	}
	return out
}
