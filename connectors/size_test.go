package connectors

import "testing"

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{
		310: "310 bytes", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 5452595: "5.2 MiB", 1536 << 10: "1.5 MiB",
	} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
