package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/blob"
)

type fakeSecrets map[string]string

func (f fakeSecrets) Secret(_ context.Context, ref string) (string, error) {
	if s, ok := f[ref]; ok {
		return s, nil
	}
	return "", errors.New("credential " + ref + " not found")
}

// hookDoc is a webhook flow with the given trigger fields.
func hookDoc(trigger string) string {
	return `{"name": "hook", "trigger": {"type": "webhook"` + trigger + `}, "steps": [
	  {"id": "a", "type": "http", "config": {"method": "POST", "url": "https://example.com/x"}}]}`
}

// publishHook creates and publishes doc and returns the flow id.
func (e *env) publishHook(doc string) string {
	e.t.Helper()
	var f flowJSON
	e.do("POST", "/api/v1/flows", doc).want(e.t, http.StatusCreated).decode(e.t, &f)
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(e.t, http.StatusOK)
	return f.ID
}

func newHookEnv(t *testing.T) (*env, blob.Store) {
	blobs, err := blob.NewFS(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Secrets = fakeSecrets{"tok": "s3cret"}
		o.Blobs = blobs
		o.MaxBodyBytes = 4096
	})
	// Publishing needs the credentials a flow names to exist; fakeSecrets
	// stands in for their secrets.
	if _, err := e.store.CreateCredential(t.Context(), "tok", "", []byte("sealed elsewhere")); err != nil {
		t.Fatal(err)
	}
	return e, blobs
}

func TestHookRefusals(t *testing.T) {
	e, _ := newHookEnv(t)
	bearer := e.publishHook(hookDoc(`, "auth": {"type": "bearer", "credential": "tok"}, "methods": ["POST", "PUT"]`))
	disabled := e.publishHook(hookDoc(``))
	e.do("POST", "/api/v1/flows/"+disabled+"/disable", nil).want(t, http.StatusOK)
	var draft flowJSON
	e.do("POST", "/api/v1/flows", hookDoc(``)).want(t, http.StatusCreated).decode(t, &draft)
	manual := e.publishHook(validDoc)

	send := func(method, path, auth, body string) response {
		req := e.request(method, path, body)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return e.send(req)
	}
	send("POST", "/hooks/nope", "", "{}").want(t, http.StatusNotFound).problem(t)
	send("POST", "/hooks/"+draft.ID, "", "{}").want(t, http.StatusNotFound).problem(t)
	send("POST", "/hooks/"+manual, "", "{}").want(t, http.StatusNotFound).problem(t)
	send("POST", "/hooks/"+disabled, "", "{}").want(t, http.StatusConflict).problem(t)
	r := send("GET", "/hooks/"+bearer, "Bearer s3cret", "")
	r.want(t, http.StatusMethodNotAllowed).problem(t)
	if r.Header().Get("Allow") != "POST, PUT" {
		t.Errorf("Allow %q", r.Header().Get("Allow"))
	}
	send("POST", "/hooks/"+bearer, "", "{}").want(t, http.StatusUnauthorized).problem(t)
	send("POST", "/hooks/"+bearer, "Bearer wrong", "{}").want(t, http.StatusUnauthorized).problem(t)
	send("POST", "/hooks/"+bearer, "Bearer s3cret", `{"x": `+strings.Repeat("1", 5000)+`}`).want(t, http.StatusRequestEntityTooLarge).problem(t)
	send("POST", "/hooks/"+bearer, "Bearer s3cret", `{"x": `).want(t, http.StatusBadRequest).problem(t)
	if n := len(e.runs.started); n != 0 {
		t.Fatalf("%d runs started by refused webhooks", n)
	}
	send("PUT", "/hooks/"+bearer, "Bearer s3cret", `{"x": 1}`).want(t, http.StatusAccepted)
	if n := len(e.runs.started); n != 1 {
		t.Fatalf("%d runs started, want 1", n)
	}
	in := e.runs.started[0]
	if string(in.Trigger.Body) != `{"x":1}` || string(in.Trigger.Data) != `{"x":1}` || in.Trigger.Type != "webhook" {
		t.Errorf("trigger %+v", in.Trigger)
	}
	if strings.Contains(string(in.Trigger.Headers), "s3cret") {
		t.Errorf("trigger headers keep the token: %s", in.Trigger.Headers)
	}
}

func TestHookDeduplicatesByWebhookID(t *testing.T) {
	e, _ := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	var first, second struct {
		RunID string `json:"run_id"`
	}
	for _, into := range []any{&first, &second} {
		req := e.request("POST", "/hooks/"+id, `{}`)
		req.Header.Set("webhook-id", "msg_1")
		e.send(req).want(t, http.StatusAccepted).decode(t, into)
	}
	// Both reach Start with the same run id (this fake records every
	// Start; the run service starts nothing for the repeat, see
	// internal/app TestWebhooksEndToEnd): without files to store, the
	// API does not ask for the run first.
	if first.RunID == "" || first.RunID != second.RunID || len(e.runs.started) != 2 || e.runs.started[1].RunID != first.RunID {
		t.Errorf("runs %q and %q, %d started", first.RunID, second.RunID, len(e.runs.started))
	}
	if e.runs.started[0].Trigger.ID != "msg_1" {
		t.Errorf("trigger id %q", e.runs.started[0].Trigger.ID)
	}
}

func TestHookFormAndMultipartBodies(t *testing.T) {
	e, blobs := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	req := e.request("POST", "/hooks/"+id+"?src=crm", "name=Ada&tag=a&tag=b&ids[]=1")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e.send(req).want(t, http.StatusAccepted)
	in := e.runs.started[0].Trigger
	if string(in.Body) != `{"ids":["1"],"name":"Ada","tag":["a","b"]}` || string(in.Query) != `{"src":"crm"}` {
		t.Errorf("form body %s query %s", in.Body, in.Query)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("subject", "hello")
	for _, f := range []struct{ field, name, ctype, data string }{
		{"Attachments[]", "a.txt", "text/plain", "first"},
		{"Attachments[]", "b.pdf", "application/pdf", "%PDF-second"},
		{"logo", "logo.png", "image/png", "png"},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition(f.field, f.name))
		h.Set("Content-Type", f.ctype)
		w, _ := mw.CreatePart(h)
		_, _ = io.WriteString(w, f.data)
	}
	_ = mw.Close()
	req = e.request("POST", "/hooks/"+id, buf.String())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	e.send(req).want(t, http.StatusAccepted)
	in = e.runs.started[1].Trigger
	if string(in.Body) != `{"subject":"hello"}` {
		t.Errorf("multipart body %s", in.Body)
	}
	var files struct {
		Attachments []hookFile `json:"Attachments"`
		Logo        hookFile   `json:"logo"`
	}
	if err := json.Unmarshal(in.Files, &files); err != nil || len(files.Attachments) != 2 {
		t.Fatalf("files %s: %v", in.Files, err)
	}
	a := files.Attachments[1]
	if a.Filename != "b.pdf" || a.ContentType != "application/pdf" || a.Size != 11 || files.Logo.Filename != "logo.png" {
		t.Errorf("files %s", in.Files)
	}
	rc, err := blobs.Open(context.Background(), a.Ref)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "%PDF-second" {
		t.Errorf("stored %q", data)
	}
}

// TestHookAnswerTellsOnlyRunAndStatus: the caller of a webhook may be
// anyone, so the 202 says which run it started and its status, nothing
// of the workflow, the flow version or the internal Temporal UI link.
func TestHookAnswerTellsOnlyRunAndStatus(t *testing.T) {
	e, _ := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	for _, key := range []string{"", "msg_once"} {
		req := e.request("POST", "/hooks/"+id, `{}`)
		if key != "" {
			req.Header.Set("webhook-id", key)
		}
		var got map[string]any
		e.send(req).want(t, http.StatusAccepted).decode(t, &got)
		if len(got) != 2 || got["run_id"] == "" || got["run_id"] == nil || got["status"] != "running" {
			t.Errorf("webhook-id %q: answer %v, want only run_id and status", key, got)
		}
	}
}

// TestHookConcurrentRepeatDropsItsFiles: a webhook with files whose
// webhook-id repeats a run started meanwhile (the repeat missed it when
// it looked, so it stored its files) is answered that run, and the files
// it stored, which nothing references, are deleted; a first request's
// files are kept.
func TestHookConcurrentRepeatDropsItsFiles(t *testing.T) {
	e, blobs := newHookEnv(t)
	id := e.publishHook(hookDoc(``))
	send := func(key string) engine.RunInput {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("doc", "a.txt")
		_, _ = io.WriteString(w, "contents")
		_ = mw.Close()
		req := e.request("POST", "/hooks/"+id, buf.String())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("webhook-id", key)
		e.send(req).want(t, http.StatusAccepted)
		return e.runs.started[len(e.runs.started)-1]
	}
	ref := func(in engine.RunInput) string {
		t.Helper()
		var files struct {
			Doc hookFile `json:"doc"`
		}
		if err := json.Unmarshal(in.Trigger.Files, &files); err != nil || files.Doc.Ref == "" {
			t.Fatalf("files %s: %v", in.Trigger.Files, err)
		}
		return files.Doc.Ref
	}
	stored := func(key string) bool {
		rc, err := blobs.Open(context.Background(), key)
		if err == nil {
			rc.Close()
		}
		return err == nil
	}

	if first := send("msg_new"); !stored(ref(first)) {
		t.Error("a first request's file was deleted")
	}

	// The first request of msg_race started its run (with its own file)
	// just after this one looked for it: the fake knows the run only
	// once this request's Start has gone through.
	runID := engine.DeterministicRunID(id, "msg_race")
	e.runs.mu.Lock()
	e.runs.started = append(e.runs.started, engine.RunInput{RunID: runID,
		Trigger: engine.TriggerInput{TriggerInfo: flows.TriggerInfo{Files: json.RawMessage(`{"doc":{"ref":"the-first-requests-file"}}`)}}})
	e.runs.mu.Unlock()
	if repeat := send("msg_race"); stored(ref(repeat)) {
		t.Error("the concurrent repeat's file, referenced by no run, was kept")
	}
}
