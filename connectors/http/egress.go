package httpconn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// egressError is a connection the egress policy refused.
type egressError struct {
	addr   netip.Addr
	reason string
}

func (e *egressError) Error() string {
	return fmt.Sprintf("egress to %s refused: %s; allow it with FLOWLINE_EGRESS_ALLOW", e.addr, e.reason)
}

// deniedRange is an address range refused by default.
type deniedRange struct {
	prefix netip.Prefix
	reason string
}

var deniedRanges = func() []deniedRange {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "unspecified address"},
		{"127.0.0.0/8", "loopback address"},
		{"10.0.0.0/8", "private address"},
		{"172.16.0.0/12", "private address"},
		{"192.168.0.0/16", "private address"},
		{"169.254.169.254/32", "cloud metadata address"},
		{"169.254.0.0/16", "link-local address"},
		{"100.64.0.0/10", "shared (CGNAT) address"},
		{"192.0.0.0/24", "IETF protocol address"},
		{"198.18.0.0/15", "benchmarking address"},
		{"224.0.0.0/4", "multicast address"},
		{"240.0.0.0/4", "reserved address"},
		{"::/128", "unspecified address"},
		{"::1/128", "loopback address"},
		{"fd00:ec2::254/128", "cloud metadata address"},
		{"fc00::/7", "private (unique local) address"},
		{"fe80::/10", "link-local address"},
		{"fec0::/10", "site-local address"},
		{"ff00::/8", "multicast address"},
	}
	out := make([]deniedRange, len(list))
	for i, l := range list {
		out[i] = deniedRange{prefix: netip.MustParsePrefix(l.cidr), reason: l.reason}
	}
	return out
}()

// Prefixes of IPv6 addresses that carry an IPv4 address a router may
// translate to, with the offset of the embedded address.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	v4Compat    = netip.MustParsePrefix("::/96")
)

// egressPolicy decides which addresses outbound connections may reach.
type egressPolicy struct {
	allowNets  []netip.Prefix
	allowHosts []string // lower case; a leading dot matches subdomains too
}

func newEgressPolicy(allow []string) *egressPolicy {
	p := &egressPolicy{}
	for _, entry := range allow {
		for _, e := range strings.Split(entry, ",") {
			e = strings.ToLower(strings.TrimSpace(e))
			if e == "" {
				continue
			}
			if pfx, err := netip.ParsePrefix(e); err == nil {
				p.allowNets = append(p.allowNets, pfx.Masked())
				continue
			}
			if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				p.allowNets = append(p.allowNets, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p.allowHosts = append(p.allowHosts, strings.TrimSuffix(e, "."))
		}
	}
	return p
}

// hostAllowed reports whether a host name is on the allow list.
func (p *egressPolicy) hostAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range p.allowHosts {
		if host == h || (strings.HasPrefix(h, ".") && (strings.HasSuffix(host, h) || host == h[1:])) {
			return true
		}
	}
	return false
}

// check returns an *egressError when a may not be reached.
func (p *egressPolicy) check(a netip.Addr) error {
	a = a.WithZone("")
	for _, n := range p.allowNets {
		if n.Contains(a) || n.Contains(a.Unmap()) {
			return nil
		}
	}
	if reason := deniedReason(a.Unmap()); reason != "" {
		return &egressError{addr: a.Unmap(), reason: reason}
	}
	return nil
}

func deniedReason(a netip.Addr) string {
	for _, d := range deniedRanges {
		if d.prefix.Contains(a) {
			return d.reason
		}
	}
	if a.Is6() {
		if embedded, ok := embeddedIPv4(a); ok {
			if r := deniedReason(embedded); r != "" {
				return r + " embedded in an IPv6 address"
			}
		}
	}
	return ""
}

// embeddedIPv4 extracts the IPv4 address a NAT64, 6to4 or IPv4-compatible
// IPv6 address leads to.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64Prefix.Contains(a), v4Compat.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case nat64Local.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// control is a net.Dialer.Control: it runs after DNS resolution, on the
// address about to be connected, for every connection including redirects.
func (p *egressPolicy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress check: unexpected address %q", address)
	}
	return p.check(ap.Addr())
}

// dialContext dials through guarded, or through open for allowed host
// names. Host spellings that resolvers read as IPv4 (2130706433, 0x7f.1,
// 0177.0.0.1) are normalized first so that they never reach DNS.
func (p *egressPolicy) dialContext(guarded, open *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if a, ok := parseLooseIPv4(host); ok {
			addr = net.JoinHostPort(a.String(), port)
		} else if p.hostAllowed(host) {
			return open.DialContext(ctx, network, addr)
		} else if isLocalhostName(host) {
			// RFC 6761: these names are loopback whatever DNS says, and
			// resolvers disagree about "localhost." and "*.localhost".
			if err := p.check(netip.AddrFrom4([4]byte{127, 0, 0, 1})); err != nil {
				return nil, err
			}
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

func isLocalhostName(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// parseLooseIPv4 parses the inet_aton spellings of IPv4 addresses: one to
// four parts, each decimal, octal (leading 0) or hex (0x), the last part
// filling the remaining bytes. Canonical dotted quads are left to net.
func parseLooseIPv4(host string) (netip.Addr, bool) {
	if host == "" || strings.ContainsAny(host, ":") {
		return netip.Addr{}, false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return netip.Addr{}, false
	}
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, s := range parts {
		if s == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case len(s) > 1 && (s[:2] == "0x" || s[:2] == "0X"):
			base, s = 16, s[2:]
			if s == "" {
				s = "0"
			}
		case len(s) > 1 && s[0] == '0':
			base, s = 8, s[1:]
		}
		n, err := strconv.ParseUint(s, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	last := len(nums) - 1
	for i := 0; i < last; i++ {
		if nums[i] > 0xff {
			return netip.Addr{}, false
		}
		v |= nums[i] << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
