package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkclient "go.temporal.io/sdk/client"
)

// taskQueue and namespace are what the flowline processes use.
const (
	taskQueue = "flowline"
	namespace = "flowline"
	uiURL     = "https://temporal-ui.example.com"
)

// flowline is the API process and the worker processes.
type flowline struct {
	api     *proc
	workers []*proc
	base    string
}

// startFlowline starts `flowline api` and two `flowline worker`s at the same
// moment on an empty flow store (they race to migrate it) and waits until
// the API is ready and both workers poll the task queue.
func startFlowline(ctx context.Context, o options, ps *procs, c *cluster, tc sdkclient.Client, storeURL, dataDir string) (*flowline, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("making a secret key: %w", err)
	}
	ports, err := lowPorts(1)
	if err != nil {
		return nil, err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	env := []string{
		"FLOWLINE_DATABASE_URL=" + storeURL,
		"FLOWLINE_TEMPORAL_ADDRESS=" + c.frontend(),
		"FLOWLINE_TEMPORAL_NAMESPACE=" + namespace,
		"FLOWLINE_TEMPORAL_UI_URL=" + uiURL,
		"FLOWLINE_TASK_QUEUE=" + taskQueue,
		"FLOWLINE_SECRET_KEY=" + base64.StdEncoding.EncodeToString(key),
		"FLOWLINE_DATA_DIR=" + dataDir, // webhook files: shared by all three
		"FLOWLINE_EGRESS_ALLOW=127.0.0.1/32",
		"FLOWLINE_LOG_LEVEL=warn",
		fmt.Sprintf("FLOWLINE_BATCH_LANES=%d", o.lanes),
		"FLOWLINE_HTTP_ADDR=" + httpAddr,
		"FLOWLINE_PUBLIC_URL=http://" + httpAddr,
	}
	f := &flowline{base: "http://" + httpAddr}
	// No waiting in between: the three open the empty store together.
	if f.api, err = ps.start("flowline-api", o.flowline, []string{"api"}, env); err != nil {
		return nil, err
	}
	for i := range 2 {
		w, err := ps.start(fmt.Sprintf("flowline-worker-%d", i+1), o.flowline, []string{"worker"}, env)
		if err != nil {
			return nil, err
		}
		f.workers = append(f.workers, w)
	}
	if err := waitFor(ctx, time.Minute, "flowline api ready", f.api, func() bool {
		resp, err := http.Get(f.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}); err != nil {
		return nil, err
	}
	for _, w := range f.workers {
		if err := waitFor(ctx, time.Minute, w.name+" polling", w, func() bool {
			resp, err := tc.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
			if err != nil {
				return false
			}
			for _, p := range resp.GetPollers() {
				if strings.HasPrefix(p.GetIdentity(), fmt.Sprintf("%d@", w.cmd.Process.Pid)) {
					return true
				}
			}
			return false
		}); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// stepBody is what both flows post to the receiver: the trigger's key,
// the run delivering it and when the trigger was first sent.
const stepBody = `"body": {"type": "json", "json": {"key": "{{ key }}", "run": "{{ run.id }}", "sent": "{{ sent }}"}},
	"timeout": "5s"}, "retry": {"max_attempts": 20, "initial_interval": "200ms", "max_interval": "2s"}`

// publishFlows creates and publishes the event flow and the webhook flow.
func (f *flowline) publishFlows(receiverURL string) (eventFlow, hookFlow string, err error) {
	eventFlow, err = f.publish(fmt.Sprintf(`{"name": "topology events", "trigger": {"type": "event", "events": ["topo.*"]},
		"steps": [{"id": "deliver", "type": "http", "config": {"method": "POST", "url": "%s/event", %s}]}`, receiverURL, stepBody))
	if err != nil {
		return "", "", err
	}
	hookFlow, err = f.publish(fmt.Sprintf(`{"name": "topology webhooks", "trigger": {"type": "webhook"},
		"steps": [{"id": "deliver", "type": "http", "config": {"method": "POST", "url": "%s/webhook", %s}]}`, receiverURL, stepBody))
	return eventFlow, hookFlow, err
}

func (f *flowline) publish(doc string) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	if err := f.call("POST", "/api/v1/flows", doc, http.StatusCreated, &created); err != nil {
		return "", err
	}
	return created.ID, f.call("POST", "/api/v1/flows/"+created.ID+"/publish", "", http.StatusOK, nil)
}

// call sends one API request and decodes the answer into into.
func (f *flowline) call(method, path, body string, want int, into any) error {
	req, err := http.NewRequest(method, f.base+path, bytes.NewBufferString(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, out)
	}
	if into != nil {
		if err := json.Unmarshal(out, into); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}
