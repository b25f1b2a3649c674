// Package freeport finds ports for servers that bind them a moment
// later: the embedded Temporal server's services, and the servers tests
// and benchmarks start.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowPortFloor is where Ports starts looking; ports below it are
// left to the well-known services a machine may run.
const lowPortFloor = 20000

// membershipPortCeiling is one past the highest port Temporal can keep:
// its membership table stores ports in a SMALLINT column.
const membershipPortCeiling = 32768

// handedOut holds every port Ports returned in this process, so
// that two servers started side by side (parallel tests) never get the
// same port in the moment between choosing it and binding it.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// Ports returns n ports on host that are free now, lie below the
// kernel's ephemeral range and below 32768, and were not returned before
// by this process.
//
// Ports from the kernel's ephemeral range (what listening on port 0 gives)
// are unsafe for a server that binds them later: between the check and the
// bind, any outgoing connection on the machine may take the port as its
// source port, and Temporal's services end the process when they cannot
// bind. Below the ephemeral range only explicit binds can take a port.
func Ports(host string, n int) ([]int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	lo, hi := lowPortRange()
	var out []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for tries := 0; len(out) < n && tries < 2000; tries++ {
		port := lo + rand.IntN(hi-lo)
		if handedOut.ports[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		held = append(held, l)
		out = append(out, port)
	}
	if len(out) < n {
		return nil, fmt.Errorf("finding %d free ports on %s between %d and %d: found %d", n, host, lo, hi, len(out))
	}
	for _, p := range out {
		handedOut.ports[p] = true
	}
	return out, nil
}

// Addr is Ports for one port, as host:port.
func Addr(host string) (string, error) {
	ports, err := Ports(host, 1)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(ports[0])), nil
}

// lowPortRange is [lowPortFloor, the ephemeral range's start), capped at
// 32768; where the ephemeral range starts lower than that leaves room for,
// it falls back to [1024, 32768) and relies on the bind check alone.
func lowPortRange() (lo, hi int) {
	hi = membershipPortCeiling
	if raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(raw)); len(f) == 2 {
			if start, err := strconv.Atoi(f[0]); err == nil && start < hi {
				hi = start
			}
		}
	}
	if hi-lowPortFloor < 1000 {
		return 1024, membershipPortCeiling
	}
	return lowPortFloor, hi
}
