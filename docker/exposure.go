package docker

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// CheckExposure refuses a compose project that publishes a port beyond
// the host's loopback when nothing guards it: Flowline's API (the port of
// a service's FLOWLINE_HTTP_ADDR) without a FLOWLINE_API_TOKEN, or the
// Temporal UI or frontend (a temporalio image, or the port of a service's
// FLOWLINE_TEMPORAL_UI_ADDR), which ask for no credential at all. A port
// published without a host IP listens on every interface.
func CheckExposure(p *types.Project) error {
	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		s := p.Services[name]
		apiPort := envPort(s, "FLOWLINE_HTTP_ADDR")
		uiPort := envPort(s, "FLOWLINE_TEMPORAL_UI_ADDR")
		temporal := strings.Contains(s.Image, "temporalio/")
		token := s.Environment["FLOWLINE_API_TOKEN"]
		for _, port := range s.Ports {
			if loopbackHost(port.HostIP) {
				continue
			}
			where := fmt.Sprintf("service %s publishes port %d on %s", name, port.Target, hostOrAll(port.HostIP))
			switch {
			case temporal || (uiPort != 0 && port.Target == uiPort):
				errs = append(errs, fmt.Errorf("%s: the Temporal UI and frontend have no login; publish them on 127.0.0.1 only", where))
			case apiPort != 0 && port.Target == apiPort && (token == nil || *token == ""):
				errs = append(errs, fmt.Errorf("%s: the API without FLOWLINE_API_TOKEN; require the token (${FLOWLINE_API_TOKEN:?…}) or publish on 127.0.0.1 only", where))
			}
		}
	}
	return errors.Join(errs...)
}

// envPort is the port of the host:port address in the service's
// environment variable name, or 0.
func envPort(s types.ServiceConfig, name string) uint32 {
	v := s.Environment[name]
	if v == nil {
		return 0
	}
	_, port, err := net.SplitHostPort(*v)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(port, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// loopbackHost reports whether a published port's host IP is loopback;
// an empty one means every interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// hostOrAll names a host IP for a message.
func hostOrAll(host string) string {
	if host == "" {
		return "every interface"
	}
	return host
}
