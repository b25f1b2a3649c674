package app

import (
	"fmt"
	"net"

	"github.com/flowline/flowline/internal/config"
)

// checkListen fails, naming the setting, when addr cannot be listened on
// (most often: another process holds the port). The embedded Temporal
// frontend and UI listen from inside libraries that end the process on
// such an error, with a log line naming neither the address's setting
// nor the cause, so serve checks their addresses (and the API's) before
// it starts anything.
func checkListen(addr, setting string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError(addr, setting, err)
	}
	return l.Close()
}

// listenError says which setting gave an address that cannot be listened
// on, and what to do.
func listenError(addr, setting string, err error) error {
	return fmt.Errorf("%s %s cannot be listened on: %w; stop what listens there or choose another address", setting, addr, err)
}

// httpAddrSetting names the API's listen address setting.
const httpAddrSetting = "FLOWLINE_HTTP_ADDR (--http-addr)"

// checkServeAddrs checks the addresses serve listens on with the embedded
// Temporal server: the frontend, the UI (unless off) and the API.
func checkServeAddrs(cfg *config.Config) error {
	addrs := []struct{ addr, setting string }{
		{cfg.TemporalDevAddr, "FLOWLINE_TEMPORAL_DEV_ADDR (--temporal-dev-addr)"},
		{cfg.TemporalUIAddr, "FLOWLINE_TEMPORAL_UI_ADDR (--temporal-ui-addr)"},
		{cfg.HTTPAddr, httpAddrSetting},
	}
	for _, a := range addrs {
		if a.addr == "" {
			continue
		}
		if err := checkListen(a.addr, a.setting); err != nil {
			return err
		}
	}
	return nil
}
