package app

import (
	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
)

// BuiltinConnectors returns a registry of every connector Flowline ships,
// the HTTP connector configured by opts, and a func that releases what
// they hold. It is the one list of them: the worker, the API and
// `flowline validate` all take their registry from here.
func BuiltinConnectors(opts httpconn.Options) (*connectors.Registry, func()) {
	h := httpconn.New(opts)
	return connectors.NewRegistry(h), h.Close
}
