package app

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	sdkclient "go.temporal.io/sdk/client"

	"github.com/flowline/flowline/internal/config"
)

// recordSignal is a slog handler that hands each record's message to a
// channel.
type recordSignal chan string

func (r recordSignal) Enabled(context.Context, slog.Level) bool { return true }
func (r recordSignal) Handle(_ context.Context, rec slog.Record) error {
	select {
	case r <- rec.Message:
	default:
	}
	return nil
}
func (r recordSignal) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r recordSignal) WithGroup(string) slog.Handler      { return r }

// TestDialTemporalSaysItWaits: a worker whose Temporal does not answer
// says so at once, naming the address and its setting, instead of waiting
// 30 s in silence; the error it ends with names the setting too.
func TestDialTemporalSaysItWaits(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	cfg, err := config.Parse("worker", []string{"--data-dir", t.TempDir(), "--temporal-address", addr}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logs := make(recordSignal, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		c, err := dialTemporal(ctx, cfg, slog.New(logs))
		if c != nil {
			c.Close()
		}
		done <- err
	}()
wait:
	for {
		select {
		case msg := <-logs:
			if strings.Contains(msg, "temporal is not answering yet") {
				break wait
			}
		case err := <-done:
			t.Fatalf("dialing gave up (%v) without saying it was waiting", err)
		}
	}
	cancel()
	err = <-done
	want := "connecting to temporal at " + addr + " (FLOWLINE_TEMPORAL_ADDRESS, --temporal-address): "
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to contain %q", err, want)
	}
}

// TestGrpcCompressionOnlyAcrossANetwork: what the client sends a Temporal
// on this host (the embedded server included) goes uncompressed; to any
// other address, gzip as the SDK does by default.
func TestGrpcCompressionOnlyAcrossANetwork(t *testing.T) {
	for addr, none := range map[string]bool{
		"127.0.0.1:7233": true, "localhost:7233": true, "[::1]:7233": true, "127.0.0.2:7233": true,
		"temporal.internal:7233": false, "10.0.0.5:7233": false, "[2001:db8::1]:7233": false,
	} {
		_, got := grpcCompression(addr).(*sdkclient.GrpcCompressionNone)
		if got != none {
			t.Errorf("%s: uncompressed %v, want %v", addr, got, none)
		}
	}
}
