package config

import (
	"log/slog"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.TemporalDevAddr != "127.0.0.1:7233" || c.TemporalUIAddr != "127.0.0.1:8233" ||
		c.TaskQueue != "flowline" || c.TemporalNamespace != "default" || c.MaxBodyBytes != 1<<20 || c.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults: %+v", c)
	}
	if !c.Embedded() || !strings.HasPrefix(c.DatabaseURL, "sqlite:///") || !strings.HasSuffix(c.DatabaseURL, "/data/flowline.db") {
		t.Fatalf("embedded %v, database url %q", c.Embedded(), c.DatabaseURL)
	}
	if c.PublicURL != "http://127.0.0.1:8080" {
		t.Fatalf("public url %q", c.PublicURL)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	c, err := Parse("serve", []string{"--http-addr", "127.0.0.1:9999", "--temporal-ui-addr=off"}, env(map[string]string{
		"FLOWLINE_HTTP_ADDR": "127.0.0.1:1111", "FLOWLINE_EGRESS_ALLOW": "127.0.0.1/32, example.internal",
		"FLOWLINE_TEMPORAL_ADDRESS": "temporal:7233", "FLOWLINE_LOG_LEVEL": "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9999" || c.TemporalUIAddr != "" || c.Embedded() || c.TemporalFrontend() != "temporal:7233" {
		t.Fatalf("got %+v", c)
	}
	if len(c.EgressAllow) != 2 || c.EgressAllow[1] != "example.internal" || c.LogLevel != slog.LevelDebug {
		t.Fatalf("egress %q level %v", c.EgressAllow, c.LogLevel)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	_, err := Parse("serve", nil, env(map[string]string{"FLOWLINE_LOG_LEVEL": "loud", "FLOWLINE_MAX_BODY_BYTES": "-1"}))
	if err == nil || !strings.Contains(err.Error(), "log level \"loud\"") || !strings.Contains(err.Error(), "max body bytes \"-1\"") {
		t.Fatalf("err = %v", err)
	}
}

func TestPprofOnlyOnLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:6061": true, "localhost:6061": true, "[::1]:6061": true,
		"0.0.0.0:6061": false, ":6061": false, "10.0.0.5:6061": false, "nonsense": false,
	} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
	if _, err := Parse("serve", []string{"--pprof-addr", "0.0.0.0:6061"}, func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Errorf("a non-loopback pprof address was accepted: %v", err)
	}
}

func TestTemporalUIURL(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"embedded default", nil, "http://127.0.0.1:8233"},
		{"embedded, UI off", map[string]string{"FLOWLINE_TEMPORAL_UI_ADDR": "off"}, ""},
		{"external, no URL: no link rather than a wrong one", map[string]string{"FLOWLINE_TEMPORAL_ADDRESS": "temporal:7233"}, ""},
		{"external with URL", map[string]string{"FLOWLINE_TEMPORAL_ADDRESS": "temporal:7233",
			"FLOWLINE_TEMPORAL_UI_URL": "https://temporal.example.com/"}, "https://temporal.example.com"},
		{"embedded with URL (behind a proxy)", map[string]string{"FLOWLINE_TEMPORAL_UI_URL": "https://ops.example.com/temporal"},
			"https://ops.example.com/temporal"},
	} {
		c, err := Parse("api", nil, env(tc.env))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.TemporalUIURL(); got != tc.want {
			t.Errorf("%s: TemporalUIURL() = %q, want %q", tc.name, got, tc.want)
		}
	}
	c, err := Parse("api", []string{"--temporal-ui-url", "http://flag.example"}, env(map[string]string{"FLOWLINE_TEMPORAL_UI_URL": "http://env.example"}))
	if err != nil || c.TemporalUIURL() != "http://flag.example" {
		t.Errorf("flag over environment: %v, %v", c, err)
	}
	for _, bad := range []string{"temporal.example.com", "ftp://x", "http://"} {
		if _, err := Parse("api", []string{"--temporal-ui-url", bad}, env(nil)); err == nil || !strings.Contains(err.Error(), "temporal UI URL") {
			t.Errorf("--temporal-ui-url %q: err = %v", bad, err)
		}
	}
}
