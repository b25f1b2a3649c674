package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/flowline/flowline/engine"
)

// hookAnswer is a webhook's answer.
type hookAnswer struct {
	status int
	header http.Header
	body   []byte
}

// hook sends a request to /hooks/{flowID}.
func hook(t *testing.T, base, method, flowID, contentType string, header http.Header, body []byte) hookAnswer {
	t.Helper()
	req, err := http.NewRequest(method, base+"/hooks/"+flowID, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s /hooks/%s: %v", method, flowID, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return hookAnswer{resp.StatusCode, resp.Header, out}
}

func (a hookAnswer) runID(t *testing.T) string {
	t.Helper()
	var r struct {
		RunID string `json:"run_id"`
	}
	if a.status != http.StatusAccepted || json.Unmarshal(a.body, &r) != nil || r.RunID == "" {
		t.Fatalf("webhook answered %d %s, want 202 with a run", a.status, a.body)
	}
	return r.RunID
}

// noDelivery fails if the receiver gets a request within a moment.
func noDelivery(t *testing.T, ch <-chan received, why string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Errorf("%s, yet %s %s was delivered", why, r.Method, r.Path)
	case <-time.After(2 * time.Second):
	}
}

// TestWebhooksEndToEnd runs webhook flows on one server: a Standard
// Webhooks signed call is accepted once (a repeat answers the same run),
// unsigned, stale and oversized calls start nothing; a multipart upload's
// two files are forwarded by an HTTP step; a sync webhook answers with its
// step's response.
func TestWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, t.TempDir(), false)
	a := startServe(t, cfg)
	c := client{t: t, base: "http://" + a.Addr()}
	url, got := receiver(t, func(_ int, r received) (int, string) {
		if r.Path == "/sync" {
			return http.StatusCreated, `{"ok": true, "id": 7}`
		}
		return http.StatusOK, `{}`
	})

	t.Run("signed", func(t *testing.T) {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		c.must(http.StatusCreated, "POST", "/api/v1/credentials", map[string]string{"name": "hook-signing", "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD " + secret}, nil)
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "signed", "trigger": {"type": "webhook", "auth": {"type": "hmac", "credential": "hook-signing"}},
			"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s/signed",
			 "body": {"type": "json", "json": {"order": "{{ order }}", "id": "{{ trigger.headers.webhook-id }}"}}}}]}`, url))
		body := []byte(`{"order": 42}`)
		sign := func(id string, ts time.Time) http.Header {
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := wh.Sign(id, ts, body)
			if err != nil {
				t.Fatal(err)
			}
			return http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(ts.Unix(), 10)}, "Webhook-Signature": {sig}}
		}

		if ans := hook(t, c.base, "POST", flowID, "application/json", nil, body); ans.status != http.StatusUnauthorized {
			t.Errorf("unsigned: %d %s", ans.status, ans.body)
		}
		if ans := hook(t, c.base, "POST", flowID, "application/json", sign("msg_stale", time.Now().Add(-10*time.Minute)), body); ans.status != http.StatusUnauthorized {
			t.Errorf("stale: %d %s", ans.status, ans.body)
		}
		noDelivery(t, got, "unsigned and stale webhooks were refused")

		h := sign("msg_1", time.Now())
		runID := hook(t, c.base, "POST", flowID, "application/json", h, body).runID(t)
		if d := c.waitRun(runID); d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		r := next(t, got)
		if string(r.Body) != `{"order":42,"id":"msg_1"}` {
			t.Errorf("delivered %s", r.Body)
		}
		var detail struct {
			Trigger struct {
				Type    string            `json:"type"`
				ID      string            `json:"id"`
				Headers map[string]string `json:"headers"`
			} `json:"trigger"`
		}
		c.must(http.StatusOK, "GET", "/api/v1/runs/"+runID, nil, &detail)
		if detail.Trigger.Type != "webhook" || detail.Trigger.ID != "msg_1" || detail.Trigger.Headers["webhook-signature"] != "" {
			t.Errorf("run trigger %+v", detail.Trigger)
		}
		if again := hook(t, c.base, "POST", flowID, "application/json", h, body).runID(t); again != runID {
			t.Errorf("repeat answered run %s, want %s", again, runID)
		}
		noDelivery(t, got, "the repeat should start nothing")
	})

	t.Run("multipart", func(t *testing.T) {
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "upload", "trigger": {"type": "webhook"},
			"steps": [{"id": "forward", "type": "http", "config": {"method": "POST", "url": "%s/upload",
			 "body": {"type": "multipart", "parts": [
			   {"name": "subject", "value": "{{ subject }}"},
			   {"name": "Attachments[]", "file": "{{ trigger.files.Attachments }}"}]}}}]}`, url))
		files := []struct{ name, ctype, data string }{
			{"report.pdf", "application/pdf", "%PDF-1.7 first file"},
			{"photo.png", "image/png", "\x89PNG\r\n\x1a\nsecond"},
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("subject", "quarterly")
		for _, f := range files {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", multipart.FileContentDisposition("Attachments[]", f.name))
			h.Set("Content-Type", f.ctype)
			w, _ := mw.CreatePart(h)
			_, _ = io.WriteString(w, f.data)
		}
		_ = mw.Close()
		runID := hook(t, c.base, "POST", flowID, mw.FormDataContentType(), nil, buf.Bytes()).runID(t)
		if d := c.waitRun(runID); d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		r := next(t, got)
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("forwarded Content-Type %q: %v", r.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
		var seen []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(p)
			seen = append(seen, fmt.Sprintf("%s|%s|%s|%q", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), data))
		}
		want := []string{
			fmt.Sprintf("subject|||%q", "quarterly"),
			fmt.Sprintf("Attachments[]|%s|%s|%q", files[0].name, files[0].ctype, files[0].data),
			fmt.Sprintf("Attachments[]|%s|%s|%q", files[1].name, files[1].ctype, files[1].data),
		}
		if strings.Join(seen, "\n") != strings.Join(want, "\n") {
			t.Errorf("forwarded parts\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
		}
	})

	// {{ message }} with no catalog message reads the body's message field,
	// as any bare name reads inside data.
	t.Run("message from the body", func(t *testing.T) {
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "forward message", "trigger": {"type": "webhook"},
			"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s/message",
			 "body": {"type": "json", "json": {"text": "{{ message }}"}}}}]}`, url))
		runID := hook(t, c.base, "POST", flowID, "application/json", nil, []byte(`{"message": "hi"}`)).runID(t)
		if d := c.waitRun(runID); d.Status != "succeeded" {
			t.Fatalf("run %+v", d)
		}
		if r := next(t, got); string(r.Body) != `{"text":"hi"}` {
			t.Errorf("delivered %s", r.Body)
		}
	})

	t.Run("sync", func(t *testing.T) {
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "sync", "trigger": {"type": "webhook", "respond": "sync"},
			"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s/sync"}}]}`, url))
		ans := hook(t, c.base, "POST", flowID, "application/json", nil, []byte(`{}`))
		if ans.status != http.StatusCreated || string(ans.body) != `{"ok": true, "id": 7}` ||
			!strings.HasPrefix(ans.header.Get("Content-Type"), "application/json") {
			t.Errorf("sync default answer %d %q %s", ans.status, ans.header.Get("Content-Type"), ans.body)
		}
		next(t, got)

		templated := c.publishFlow(fmt.Sprintf(`{"name": "sync templated", "trigger": {"type": "webhook", "respond": "sync",
			"response": {"status": "{{ steps.a.status }}", "headers": {"X-Run": "{{ run.id }}"}, "body": {"id": "{{ steps.a.body.id }}", "echo": "{{ name }}"}}},
			"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s/sync"}}]}`, url))
		ans = hook(t, c.base, "POST", templated, "application/json", nil, []byte(`{"name": "Ada"}`))
		if ans.status != http.StatusCreated || string(ans.body) != `{"id":7,"echo":"Ada"}` || ans.header.Get("X-Run") == "" {
			t.Errorf("sync templated answer %d %v %s", ans.status, ans.header, ans.body)
		}
		next(t, got)
		// The run's own workflow recorded the payload once (its data is
		// its body), and its templates still saw it as data ("echo").
		if input := startInput(t, a, engine.WorkflowID(ans.header.Get("X-Run"))); strings.Count(input, `"Ada"`) != 1 ||
			!strings.Contains(input, `"data_from":"body"`) {
			t.Errorf("the run's workflow input does not hold its payload once, packed: %s", input)
		}
	})

	t.Run("over the limit", func(t *testing.T) {
		flowID := c.publishFlow(fmt.Sprintf(`{"name": "limit", "trigger": {"type": "webhook"},
			"steps": [{"id": "a", "type": "http", "config": {"method": "POST", "url": "%s/limit"}}]}`, url))
		big := []byte(`{"pad": "` + strings.Repeat("x", 1<<20) + `"}`)
		if ans := hook(t, c.base, "POST", flowID, "application/json", nil, big); ans.status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body: %d %s", ans.status, ans.body)
		}
		noDelivery(t, got, "an oversized webhook was refused")
	})
}

// startInput is the input workflowID's current execution was started
// with, as its history records it.
func startInput(t *testing.T, a *App, workflowID string) string {
	t.Helper()
	iter := a.Client().GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !iter.HasNext() {
		t.Fatalf("no history for %s", workflowID)
	}
	ev, err := iter.Next()
	if err != nil {
		t.Fatal(err)
	}
	var data []string
	for _, p := range ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads() {
		data = append(data, string(p.GetData()))
	}
	return strings.Join(data, "\n")
}
