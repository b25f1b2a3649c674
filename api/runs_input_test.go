package api

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/blob"
)

// wantInputTooLarge checks a 413 problem naming the input's size, past
// the limit, and the limit.
func wantInputTooLarge(t *testing.T, r response, least int) {
	t.Helper()
	p := r.want(t, http.StatusRequestEntityTooLarge).problem(t)
	m := regexp.MustCompile(`^the run's input \(payload, flow document and trigger\) is (\d+) bytes encoded; the limit is (\d+)$`).FindStringSubmatch(p.Detail)
	if m == nil {
		t.Fatalf("detail %q does not name the size and the limit", p.Detail)
	}
	size, _ := strconv.Atoi(m[1])
	if size < least || size <= engine.MaxRunInputBytes || m[2] != strconv.Itoa(engine.MaxRunInputBytes) {
		t.Errorf("detail %q: want a size of at least %d and the limit %d", p.Detail, least, engine.MaxRunInputBytes)
	}
}

// TestRunInputTooLargeForTemporal: a manual run or a webhook whose run
// input Temporal would refuse is answered 413 with its size and the limit;
// nothing starts and no uploaded file is stored. One just inside starts.
func TestRunInputTooLargeForTemporal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	blobs, err := blob.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) {
		o.Blobs = blobs
		o.MaxBodyBytes = 4 << 20
	})
	f := e.createFlow()
	e.do("POST", "/api/v1/flows/"+f.ID+"/publish", nil).want(t, http.StatusOK)
	hook := e.publishHook(hookDoc(``))
	blob := func(n int) string { return `{"blob": "` + strings.Repeat("x", n) + `"}` }

	// The payload is written once (the data is the body, packed):
	// 1.9 MiB of it is past the limit.
	wantInputTooLarge(t, e.do("POST", "/api/v1/flows/"+f.ID+"/runs", blob(1900<<10)), 1900<<10)
	wantInputTooLarge(t, e.do("POST", "/hooks/"+hook, blob(1900<<10)), 1900<<10)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("note", strings.Repeat("n", 1900<<10))
	w, _ := mw.CreateFormFile("doc", "a.txt")
	_, _ = io.WriteString(w, "file")
	_ = mw.Close()
	req := e.request("POST", "/hooks/"+hook, buf.String())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	wantInputTooLarge(t, e.send(req), 1900<<10)
	if n := len(e.runs.started); n != 0 {
		t.Fatalf("%d runs started past the limit", n)
	}
	stored := 0
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			stored++
		}
		return nil
	})
	if stored != 0 {
		t.Errorf("%d files stored for a refused webhook", stored)
	}

	// 1 MiB fits: counted twice, as it was before packing, it would not.
	e.do("POST", "/api/v1/flows/"+f.ID+"/runs", blob(1<<20)).want(t, http.StatusAccepted)
	e.do("POST", "/hooks/"+hook, blob(1<<20)).want(t, http.StatusAccepted)
	if n := len(e.runs.started); n != 2 {
		t.Errorf("%d runs started inside the limit, want 2", n)
	}
}

// TestEventInputTooLargeForTemporal: an event whose run input would be too
// large for Temporal is answered 413 before any subscribed flow's run
// starts; a smaller one starts a run in each.
func TestEventInputTooLargeForTemporal(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxBodyBytes = 4 << 20 })
	e.publishedFlow(eventFlow(`["big.*"]`, "", "{{ data.note }}"))
	e.publishedFlow(eventFlow(`["big.event"]`, "", "{{ event_type }}"))
	event := func(n int) string {
		return `{"event_type": "big.event", "data": {"note": "` + strings.Repeat("x", n) + `"}}`
	}
	// The envelope is written once (trigger.body and data are packed
	// as references to it): 1.9 MiB of it is past the limit.
	wantInputTooLarge(t, e.do("POST", "/api/v1/events", event(1900<<10)), 1900<<10)
	if n := len(e.runs.started); n != 0 {
		t.Fatalf("%d runs started for a refused event", n)
	}
	// 700 KiB fits: counted three times, as before packing, it would not.
	e.do("POST", "/api/v1/events", event(700<<10)).want(t, http.StatusAccepted)
	if n := len(e.runs.started); n != 2 {
		t.Errorf("%d runs started for an event inside the limit, want 2", n)
	}
}
