// Package config reads Flowline's configuration from flags and environment
// variables (flags win), with the defaults the contract names.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one flowline process.
type Config struct {
	HTTPAddr          string
	DataDir           string
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TemporalDevAddr   string
	TemporalUIAddr    string
	// TemporalUIBaseURL is the Temporal UI's public base URL for run
	// links; empty means the embedded UI's address, or no links with an
	// external Temporal.
	TemporalUIBaseURL string
	TaskQueue         string
	SecretKey         string
	APIToken          string
	EgressAllow       []string
	PublicURL         string
	LogLevel          slog.Level
	MaxBodyBytes      int64
	// BatchLanes is how many batch workflows per flow and window at most
	// carry event runs, filled in turn; zero gives every event run a
	// workflow of its own.
	BatchLanes int
	// BatchWindow and BatchGrace, when positive, replace the batch
	// workflows' window and grace (engine.BatchOptions); no flag sets them,
	// tests shorten them.
	BatchWindow time.Duration
	BatchGrace  time.Duration
	// PprofAddr, when set, serves Go's profiling endpoints there.
	PprofAddr string
	// AllowExposedTemporal accepts an embedded Temporal frontend or UI on a
	// non-loopback address although neither checks any credential.
	AllowExposedTemporal bool
	// EventsStrict refuses events whose type is not in the event catalog.
	EventsStrict bool
}

// option binds one setting to its flag, environment variable and default.
type option struct {
	flag, env, def, usage string
	dst                   *string
}

// Parse reads args (the subcommand's flags) over the environment.
func Parse(name string, args []string, getenv func(string) string) (*Config, error) {
	c, rest, err := ParseArgs(name, args, getenv)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("parsing flags: unexpected argument %q", rest[0])
	}
	return c, nil
}

// ParseArgs is Parse for subcommands that take arguments besides flags
// (`event-types import FILE`): flags may come before or after them, and
// the arguments are returned in order.
func ParseArgs(name string, args []string, getenv func(string) string) (*Config, []string, error) {
	var raw struct {
		httpAddr, dataDir, dbURL, tAddr, tNS, tDev, tUI, queue, secret, token, egress, public, level, maxBody, lanes, pprof, strict string
	}
	// exposeTemporal is --allow-exposed-temporal, parsed as a bool below.
	var exposeTemporal string
	var uiURL string
	opts := []option{
		{"http-addr", "FLOWLINE_HTTP_ADDR", "127.0.0.1:8080", "REST API listen address", &raw.httpAddr},
		{"data-dir", "FLOWLINE_DATA_DIR", "./data", "directory for all local state", &raw.dataDir},
		{"database-url", "FLOWLINE_DATABASE_URL", "", "flow store: sqlite:///path/file.db or postgres://… (default: SQLite in the data dir)", &raw.dbURL},
		{"temporal-address", "FLOWLINE_TEMPORAL_ADDRESS", "", "external Temporal frontend host:port; empty runs an embedded server", &raw.tAddr},
		{"temporal-namespace", "FLOWLINE_TEMPORAL_NAMESPACE", "default", "Temporal namespace", &raw.tNS},
		{"temporal-dev-addr", "FLOWLINE_TEMPORAL_DEV_ADDR", "127.0.0.1:7233", "embedded Temporal frontend address", &raw.tDev},
		{"temporal-ui-addr", "FLOWLINE_TEMPORAL_UI_ADDR", "127.0.0.1:8233", "embedded Temporal UI address; off disables it", &raw.tUI},
		{"temporal-ui-url", "FLOWLINE_TEMPORAL_UI_URL", "", "public base URL of the Temporal UI used in run links (default: the embedded UI; none with an external Temporal)", &uiURL},
		{"task-queue", "FLOWLINE_TASK_QUEUE", "flowline", "Temporal task queue", &raw.queue},
		{"secret-key", "FLOWLINE_SECRET_KEY", "", "base64 32-byte key sealing credentials (default: generated into the data dir)", &raw.secret},
		{"api-token", "FLOWLINE_API_TOKEN", "", "bearer token required by /api/v1 when set", &raw.token},
		{"egress-allow", "FLOWLINE_EGRESS_ALLOW", "", "comma-separated CIDRs and host names outbound calls may reach although private", &raw.egress},
		{"public-url", "FLOWLINE_PUBLIC_URL", "", "base URL for webhook and OAuth callback URLs (default http://<http-addr>)", &raw.public},
		{"log-level", "FLOWLINE_LOG_LEVEL", "info", "debug, info, warn or error", &raw.level},
		{"max-body-bytes", "FLOWLINE_MAX_BODY_BYTES", "1048576", "largest request body accepted", &raw.maxBody},
		{"pprof-addr", "FLOWLINE_PPROF_ADDR", "", "serve Go profiling endpoints (/debug/pprof/) on this address; empty = off", &raw.pprof},
		{"batch-lanes", "FLOWLINE_BATCH_LANES", "2", "most batch workflows per flow and window carrying event runs, filled in turn; 0 gives each event run a workflow of its own", &raw.lanes},
		{"allow-exposed-temporal", "FLOWLINE_ALLOW_EXPOSED_TEMPORAL", "false", "accept a non-loopback --temporal-dev-addr or --temporal-ui-addr, which no credential protects", &exposeTemporal},
		{"events-strict", "FLOWLINE_EVENTS_STRICT", "false", "refuse events whose type is not in the event catalog, and subscriptions matching no declared type", &raw.strict},
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: flowline %s [flags]\n\nflags (each may be set by its environment variable instead):\n", name)
		fs.PrintDefaults()
	}
	for _, o := range opts {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		fs.StringVar(o.dst, o.flag, def, fmt.Sprintf("%s (env %s)", o.usage, o.env))
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, fmt.Errorf("parsing flags: %w", err)
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	c := &Config{
		HTTPAddr: raw.httpAddr, DataDir: raw.dataDir, DatabaseURL: raw.dbURL,
		TemporalAddress: raw.tAddr, TemporalNamespace: raw.tNS, TemporalDevAddr: raw.tDev,
		TemporalUIAddr: raw.tUI, TaskQueue: raw.queue, SecretKey: raw.secret, APIToken: raw.token,
		PublicURL: raw.public, PprofAddr: raw.pprof, TemporalUIBaseURL: strings.TrimRight(uiURL, "/"),
	}
	var errs []error
	if err := c.LogLevel.UnmarshalText([]byte(raw.level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", raw.level))
	}
	n, err := strconv.ParseInt(raw.maxBody, 10, 64)
	if err != nil || n <= 0 {
		errs = append(errs, fmt.Errorf("max body bytes %q: want a positive whole number", raw.maxBody))
	}
	c.MaxBodyBytes = n
	lanes, err := strconv.Atoi(raw.lanes)
	if err != nil || lanes < 0 || lanes > 64 {
		errs = append(errs, fmt.Errorf("batch lanes %q: want a whole number from 0 to 64", raw.lanes))
	}
	c.BatchLanes = lanes
	strict, err := strconv.ParseBool(raw.strict)
	if err != nil {
		errs = append(errs, fmt.Errorf("events strict %q: want true or false", raw.strict))
	}
	c.EventsStrict = strict
	for _, e := range strings.Split(raw.egress, ",") {
		if e = strings.TrimSpace(e); e != "" {
			if !egressEntry(e) {
				errs = append(errs, fmt.Errorf("egress allow entry %q: want a CIDR such as 10.0.0.0/8, an IP address or a host name such as crm.internal", e))
				continue
			}
			c.EgressAllow = append(c.EgressAllow, e)
		}
	}
	if c.PprofAddr != "" && !Loopback(c.PprofAddr) {
		errs = append(errs, fmt.Errorf("pprof address %q: must be a loopback address such as 127.0.0.1:6061 (profiles are served without authentication)", c.PprofAddr))
	}
	if u, err := url.Parse(c.TemporalUIBaseURL); c.TemporalUIBaseURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, fmt.Errorf("temporal UI URL %q: want an absolute http:// or https:// URL", c.TemporalUIBaseURL))
	}
	if strings.EqualFold(c.TemporalUIAddr, "off") {
		c.TemporalUIAddr = ""
	}
	if c.AllowExposedTemporal, err = strconv.ParseBool(exposeTemporal); err != nil {
		errs = append(errs, fmt.Errorf("allow exposed temporal %q: want true or false", exposeTemporal))
	}
	errs = append(errs, c.checkTemporalExposure(name)...)
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.ToSlash(filepath.Join(c.DataDir, "flowline.db"))
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.HTTPAddr
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return c, rest, nil
}

// checkTemporalExposure refuses to serve the embedded Temporal frontend or
// UI beyond loopback unless the operator said so: neither asks for any
// credential, so whoever reaches them can read every run's history and
// start, signal or terminate workflows. An API token counts as saying so
// (the operator is securing a deployment), the explicit flag too.
func (c *Config) checkTemporalExposure(name string) []error {
	if name != "serve" || !c.Embedded() || c.AllowExposedTemporal || c.APIToken != "" {
		return nil
	}
	var errs []error
	for _, a := range []struct{ what, flag, addr string }{
		{"temporal dev address", "--temporal-dev-addr", c.TemporalDevAddr},
		{"temporal UI address", "--temporal-ui-addr", c.TemporalUIAddr},
	} {
		if a.addr != "" && !Loopback(a.addr) {
			errs = append(errs, fmt.Errorf("%s %q (%s): not a loopback address, and the embedded Temporal has no authentication; "+
				"keep it on 127.0.0.1, or set FLOWLINE_ALLOW_EXPOSED_TEMPORAL=true (--allow-exposed-temporal) once a firewall or an authenticating proxy guards it",
				a.what, a.addr, a.flag))
		}
	}
	return errs
}

// FromOS parses the process's arguments and environment.
func FromOS(name string, args []string) (*Config, error) {
	return Parse(name, args, os.Getenv)
}

// Embedded reports whether this process runs its own Temporal server.
func (c *Config) Embedded() bool { return c.TemporalAddress == "" }

// TemporalFrontend is the address the Temporal client dials.
func (c *Config) TemporalFrontend() string {
	if c.Embedded() {
		return c.TemporalDevAddr
	}
	return c.TemporalAddress
}

// TemporalUIURL is the base URL of the Temporal UI for run links, or "":
// the configured public URL, else the embedded UI's address. With an
// external Temporal and no URL configured there is no link, since the
// embedded UI's address would name a UI that does not run.
func (c *Config) TemporalUIURL() string {
	switch {
	case c.TemporalUIBaseURL != "":
		return c.TemporalUIBaseURL
	case !c.Embedded() || c.TemporalUIAddr == "":
		return ""
	}
	return "http://" + c.TemporalUIAddr
}

// Loopback reports whether addr (host:port) names a loopback address or
// localhost.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// egressEntry reports whether e is a CIDR, an IP address or a host name
// (a leading dot allows subdomains). Anything else, such as 10.0.0.0/33,
// would otherwise be taken as a host name that never matches.
func egressEntry(e string) bool {
	if _, err := netip.ParsePrefix(e); err == nil {
		return true
	}
	if _, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
		return true
	}
	name := strings.TrimSuffix(strings.TrimPrefix(e, "."), ".")
	if name == "" || strings.Contains(name, "..") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
