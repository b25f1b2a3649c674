package app

import (
	"fmt"
	"testing"
)

// TestBatchedRunsSurviveCrash kills flowline (SIGKILL) while a batch
// workflow has one run's request in flight and more accepted runs waiting
// behind it, restarts it on the same data dir and sees every accepted run
// succeed and reach the receiver.
func TestBatchedRunsSurviveCrash(t *testing.T) {
	dataDir := t.TempDir()
	httpAddr, devAddr := freeAddr(t), freeAddr(t)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	tl := newTally(t, func(path string, n int) (int, string) {
		if path == "/held" && n == 1 {
			<-hold // the first attempt never answers before the crash
		}
		return 200, `{}`
	})

	first := startChild(t, dataDir, httpAddr, devAddr)
	c := client{t: t, base: first.base}
	c.publishFlow(fmt.Sprintf(`{"name": "batch-crash", "trigger": {"type": "event", "events": ["crash.*"]}, "steps": [
		{"id": "call", "type": "http", "config": {"method": "POST", "url": "%s/{{ path }}", "timeout": "60s",
		 "body": {"type": "json", "json": {"n": "{{ n }}"}}}}]}`, tl.url))
	var runs []string
	post := func(key, path string) {
		ans := postEvent(t, c.base, key, fmt.Sprintf(`{"event_type": "crash.test", "data": {"path": %q, "n": %q}}`, path, key))
		if len(ans.Runs) != 1 {
			t.Fatalf("event %s answered %+v", key, ans)
		}
		runs = append(runs, ans.Runs[0].RunID)
	}
	post("k-held", "held")
	tl.awaitCall(t, "/held")
	// These arrive while the held run keeps its batch's workflow task
	// open: some wait in Temporal, accepted but not yet claimed.
	for i := range 12 {
		post(fmt.Sprintf("k-%d", i), "after")
	}
	first.kill()

	second := startChild(t, dataDir, httpAddr, devAddr)
	c = client{t: t, base: second.base}
	for _, id := range runs {
		if d := c.waitRun(id); d.Status != "succeeded" || len(d.Steps) != 1 || d.Steps[0].Status != "succeeded" {
			t.Errorf("run %s after restart: %+v", id, d)
		}
	}
	if keys, most := tl.perPath("/held"); keys != 1 || most < 2 {
		t.Errorf("/held: %d keys, at most %d requests; want the in-flight run tried again", keys, most)
	}
	if keys, _ := tl.perPath("/after"); keys != 12 {
		t.Errorf("/after: %d distinct runs delivered, want 12", keys)
	}
}
