package connectors

import (
	"fmt"
	"strings"
)

// Size writes a byte count for people: "5.2 MiB", "64 KiB", "310 bytes".
// Limits in error messages use it, so a size and its limit read alike.
func Size(n int64) string {
	switch {
	case n >= 1<<20:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<20))) + " MiB"
	case n >= 1<<10:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<10))) + " KiB"
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
