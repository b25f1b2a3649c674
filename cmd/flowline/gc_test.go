package main

import (
	"runtime/debug"
	"testing"
)

// TestServerGC: the long-running commands collect at serverGCPercent when
// GOGC is not set, and leave an operator's GOGC alone.
func TestServerGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	serverGC(func(string) string { return "" })
	if p := debug.SetGCPercent(100); p != serverGCPercent {
		t.Errorf("without GOGC, the runtime's percent is %d, want %d", p, serverGCPercent)
	}

	// GOGC set: the runtime's own percent (here 100, as set above) stays.
	serverGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("with GOGC=100, the runtime's percent is %d, want 100", p)
	}
}
