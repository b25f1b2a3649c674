package app

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/flowline/flowline/internal/config"
)

// startPprof serves Go's profiling endpoints on addr, for measuring where
// the time goes under load (see BENCHMARKS.md). It is off unless
// configured, only on loopback, never on the API's address, and without
// the command-line endpoint (flags may carry secrets).
func (a *App) startPprof(addr string) error {
	if !config.Loopback(addr) {
		return fmt.Errorf("pprof address %q: must be a loopback address such as 127.0.0.1:6061 (profiles are served without authentication)", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening for pprof on %s: %w", addr, err)
	}
	a.pprof = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.pprof.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Warn("pprof server stopped", "error", err)
		}
	}()
	a.log.Info("pprof listening", "addr", "http://"+l.Addr().String()+"/debug/pprof/")
	return nil
}
