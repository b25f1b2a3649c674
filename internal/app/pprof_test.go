package app

import "testing"

func TestPprofOnlyOnLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:6061": true, "localhost:6061": true, "[::1]:6061": true,
		"0.0.0.0:6061": false, ":6061": false, "10.0.0.5:6061": false, "nonsense": false,
	} {
		if got := loopback(addr); got != want {
			t.Errorf("loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
