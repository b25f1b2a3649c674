package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// syncWebhookCalls is how many calls the sync-webhook phase makes.
const syncWebhookCalls = 30

// syncAnswers calls a webhook answered when its run ends ("respond":
// "sync") n times, one at a time, and returns how long each answer took:
// trigger → the run's step done → the answer back.
func syncAnswers(ctx context.Context, base, flowID string, n int) ([]time.Duration, error) {
	client := &http.Client{Timeout: 60 * time.Second}
	var took []time.Duration
	for i := range n {
		body := fmt.Sprintf(`{"n":%d,"sent":"%d"}`, i, time.Now().UnixNano())
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/hooks/"+flowID, bytes.NewBufferString(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", "bench-sync-"+strconv.Itoa(i))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("calling the sync webhook: %w", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// 202 would mean the run was still going after the answer's wait.
		if resp.StatusCode < 200 || resp.StatusCode > 299 || resp.StatusCode == http.StatusAccepted {
			return nil, fmt.Errorf("calling the sync webhook: status %d, want the step's 2xx answer", resp.StatusCode)
		}
		took = append(took, time.Since(start))
	}
	return took, nil
}
