package freeport

import (
	"net"
	"strconv"
	"testing"
)

// TestPortsAreLowFreshAndFree: ports lie below the kernel's ephemeral
// range and 32768, are never handed out twice in one process, and can be
// bound.
func TestPortsAreLowFreshAndFree(t *testing.T) {
	_, hi := lowPortRange()
	seen := map[int]bool{}
	for range 20 {
		ports, err := Ports("127.0.0.1", 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ports {
			if p >= hi || p >= membershipPortCeiling {
				t.Fatalf("port %d is not below %d", p, hi)
			}
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
		}
	}
	addr, err := Addr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("binding %s: %v", addr, err)
	}
	_ = l.Close()
	if _, port, _ := net.SplitHostPort(addr); seen[atoi(t, port)] {
		t.Fatalf("Addr gave %s, handed out before", addr)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
