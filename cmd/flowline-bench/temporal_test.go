package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The bare-Temporal baseline's activity renders the body the receiver
// reads: the trigger's number and send time arrive, and its latency is
// counted.
func TestPosterDeliversTheTemplatedBody(t *testing.T) {
	rc, err := startReceiver(false)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.srv.Close()
	got := rc.expect(7)
	p := &poster{url: rc.url + "/deliver", client: http.DefaultClient}
	sent := strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := p.Post(context.Background(), postInput{N: 7, Sent: sent}); err != nil {
		t.Fatal(err)
	}
	if lat := <-got; lat <= 0 {
		t.Fatalf("latency %s, want > 0", lat)
	}
	if n := rc.seen(7); n != 1 {
		t.Fatalf("trigger 7 delivered %d times, want 1", n)
	}
}
