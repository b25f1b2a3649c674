package connectors

import (
	"fmt"
	"sort"
	"sync"
)

// Registry maps connector types to connectors.
type Registry struct {
	mu     sync.RWMutex
	byType map[string]Connector
}

// NewRegistry returns a registry holding the given connectors.
func NewRegistry(cs ...Connector) *Registry {
	r := &Registry{byType: map[string]Connector{}}
	for _, c := range cs {
		r.Register(c)
	}
	return r
}

// Register adds c. Registering the same type twice is a programmer error and
// panics.
func (r *Registry) Register(c Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byType[c.Type()]; dup {
		panic(fmt.Sprintf("connectors: type %q registered twice", c.Type()))
	}
	r.byType[c.Type()] = c
}

// Get returns the connector of the given type.
func (r *Registry) Get(typ string) (Connector, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.byType[typ]
	return c, ok
}

// Deriver returns the connector of typ when it rebuilds step outputs from
// response records (OutputDeriver).
func (r *Registry) Deriver(typ string) (OutputDeriver, bool) {
	c, ok := r.Get(typ)
	d, derives := c.(OutputDeriver)
	return d, ok && derives
}

// All returns every connector sorted by type.
func (r *Registry) All() []Connector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Connector, 0, len(r.byType))
	for _, c := range r.byType {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type() < out[j].Type() })
	return out
}

// Schemas returns each connector's config schema by type, the form the flow
// validator takes.
func (r *Registry) Schemas() map[string][]byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string][]byte, len(r.byType))
	for t, c := range r.byType {
		out[t] = c.ConfigSchema()
	}
	return out
}
