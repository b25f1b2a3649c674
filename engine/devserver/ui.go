package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

type uiServer struct {
	srv  *uiserver.Server
	done chan error
}

// startUI serves the Temporal UI (assets embedded in ui-server) and waits
// until it answers.
func startUI(addr, frontend, namespace string, logger *slog.Logger) (*uiServer, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("parsing temporal UI address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("parsing temporal UI port %q: %w", portStr, err)
	}
	srv := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: frontend,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		CORS:                uiconfig.CORS{CookieInsecure: true},
		HideLogs:            true,
		DisableNewsFetch:    true,
	}))
	u := &uiServer{srv: srv, done: make(chan error, 1)}
	go func() { u.done <- srv.Start() }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-u.done:
			return nil, fmt.Errorf("starting temporal UI on %s: %w", addr, err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			logger.Debug("temporal UI ready", "addr", addr)
			return u, nil
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return nil, errors.New("starting temporal UI: not answering after 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *uiServer) stop() error {
	u.srv.Stop()
	return nil
}
