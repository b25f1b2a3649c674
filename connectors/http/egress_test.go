package httpconn

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
)

func TestEgressRefusesEverySpelling(t *testing.T) {
	srv, _ := serve(t, nil)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	tests := []struct {
		url  string
		want string
	}{
		{"http://127.0.0.1:" + port + "/", "egress to 127.0.0.1 refused: loopback address; allow it with FLOWLINE_EGRESS_ALLOW"},
		{"http://localhost:" + port + "/", "loopback address"},
		{"http://LOCALHOST.:" + port + "/", "loopback address"},
		{"http://app.localhost:" + port + "/", "loopback address"},
		{"http://[::1]:" + port + "/", "egress to ::1 refused: loopback address"},
		{"http://[::ffff:127.0.0.1]:" + port + "/", "egress to 127.0.0.1 refused: loopback address"},
		{"http://[0:0:0:0:0:ffff:7f00:1]:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://2130706433:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://0x7f.1:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://0177.0.0.1:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://0x7f000001:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://127.1:" + port + "/", "egress to 127.0.0.1 refused"},
		{"http://0.0.0.0:" + port + "/", "unspecified address"},
		{"http://0:" + port + "/", "unspecified address"},
		{"http://[::]:" + port + "/", "unspecified address"},
		{"http://10.1.2.3/", "egress to 10.1.2.3 refused: private address"},
		{"http://172.16.0.1/", "private address"},
		{"http://192.168.1.1/", "private address"},
		{"http://169.254.169.254/latest/meta-data/", "egress to 169.254.169.254 refused: cloud metadata address"},
		{"http://[::ffff:169.254.169.254]/", "cloud metadata address"},
		{"http://[::ffff:a9fe:a9fe]/", "cloud metadata address"},
		{"http://169.254.1.1/", "link-local address"},
		{"http://100.64.0.1/", "shared (CGNAT) address"},
		{"http://[fd00::1]/", "unique local"},
		{"http://[fd00:ec2::254]/", "cloud metadata address"},
		{"http://[fe80::1]/", "link-local address"},
		{"http://[64:ff9b::7f00:1]/", "loopback address embedded in an IPv6 address"},
		{"http://[2002:a00:1::]/", "private address embedded"},
	}
	c := New(Options{Version: "test"})
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			res, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": tc.url, "timeout": "2s"})})
			kind, _, ok := kindOf(err)
			if !ok || kind != connectors.Permanent {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want %q", err, tc.want)
			}
			if res == nil || res.Request == nil {
				t.Errorf("the request was not recorded")
			}
		})
	}
}

func TestEgressRefusesRedirectToDeniedAddress(t *testing.T) {
	tests := []struct {
		name     string
		location string
		want     string
	}{
		{"metadata", "http://169.254.169.254/latest/meta-data/", "cloud metadata address"},
		{"private", "http://10.0.0.1/admin", "private address"},
		{"hex private", "http://0x0a000001/", "egress to 10.0.0.1 refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ch := serve(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.location, http.StatusFound)
			})
			c := New(Options{EgressAllow: []string{"127.0.0.1/32"}})
			_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": srv.URL})})
			next(t, ch)
			kind, _, ok := kindOf(err)
			if !ok || kind != connectors.Permanent || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a permanent refusal naming %q", err, tc.want)
			}
		})
	}
}

func TestEgressAllowByHostName(t *testing.T) {
	srv, ch := serve(t, nil)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	c := New(Options{EgressAllow: []string{" localhost , 10.0.0.0/8"}})
	if _, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": "http://localhost:" + port})}); err != nil {
		t.Fatalf("allowed host name: %v", err)
	}
	next(t, ch)
	_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{"url": "http://127.0.0.1:" + port})})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("127.0.0.1 was not refused although only the name localhost is allowed: %v", err)
	}
}

func TestEgressPolicyCheck(t *testing.T) {
	p := newEgressPolicy([]string{"192.168.7.0/24", "fd12::1", ".corp.example", "svc.internal"})
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"192.168.7.9", true},
		{"::ffff:192.168.7.9", true},
		{"192.168.8.1", false},
		{"fd12::1", true},
		{"fd12::2", false},
		{"127.0.0.53", false},
		{"::ffff:10.0.0.1", false},
		{"100.127.255.255", false},
		{"100.128.0.0", true},
		{"fe80::1%eth0", false},
		{"224.0.0.1", false},
	}
	for _, tc := range tests {
		err := p.check(netip.MustParseAddr(tc.addr))
		if (err == nil) != tc.allowed {
			t.Errorf("check(%s) = %v, want allowed %v", tc.addr, err, tc.allowed)
		}
	}
	for host, want := range map[string]bool{
		"a.corp.example": true, "corp.example": true, "xcorp.example": false,
		"svc.internal": true, "SVC.INTERNAL.": true, "a.svc.internal": false,
	} {
		if got := p.hostAllowed(host); got != want {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestParseLooseIPv4(t *testing.T) {
	tests := map[string]string{
		"2130706433":    "127.0.0.1",
		"0x7f.1":        "127.0.0.1",
		"0x7F000001":    "127.0.0.1",
		"0177.0.0.1":    "127.0.0.1",
		"127.1":         "127.0.0.1",
		"127.0.1":       "127.0.0.1",
		"0":             "0.0.0.0",
		"10.0x10.1":     "10.16.0.1",
		"169.254.43518": "169.254.169.254",
		"example.com":   "",
		"1.2.3.4":       "", // canonical: left to net
		"256.1.1.1":     "",
		"1.2.3.4.5":     "",
		"0x":            "0.0.0.0",
		"08":            "",
		"4294967296":    "",
		"deadbeef":      "",
	}
	for in, want := range tests {
		a, ok := parseLooseIPv4(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("parseLooseIPv4(%q) = %q, want %q", in, got, want)
		}
	}
}
