package httpconn

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/flowline/flowline/connectors"
)

// files is a FileResolver over a map of blob keys.
type files map[string]string

func (f files) Open(_ context.Context, ref connectors.FileRef) (io.ReadCloser, error) {
	s, ok := f[ref.Ref]
	if !ok {
		return nil, connectors.Permanentf("file %q not found", ref.Ref)
	}
	return io.NopCloser(strings.NewReader(s)), nil
}

// part is a decoded multipart part.
type part struct {
	name, filename, contentType, body string
}

func readParts(t *testing.T, got received) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(got.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type = %q", got.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(got.Body), params["boundary"])
	var out []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		out = append(out, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
}

func TestBodies(t *testing.T) {
	fileSrv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("PNGDATA"))
	})
	tests := []struct {
		name  string
		body  string
		skip  bool
		check func(t *testing.T, got received, err error)
	}{
		{
			name: "form fields in order, arrays repeat, null empty",
			body: `{"type": "form", "fields": {"z": "a b", "list": [1, "x&y"], "n": null, "t": true}}`,
			check: func(t *testing.T, got received, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
					t.Errorf("Content-Type = %q", ct)
				}
				if string(got.Body) != "z=a+b&list=1&list=x%26y&n=&t=true" {
					t.Errorf("body = %s", got.Body)
				}
			},
		},
		{
			name: "form skip_nulls",
			body: `{"type": "form", "fields": {"a": null, "b": [null, "1"]}}`,
			skip: true,
			check: func(t *testing.T, got received, err error) {
				if err != nil || string(got.Body) != "b=1" {
					t.Errorf("body = %s, err = %v", got.Body, err)
				}
			},
		},
		{
			name: "multipart values and files of every kind",
			body: `{"type": "multipart", "parts": [
				{"name": "text", "value": "hello"},
				{"name": "num", "value": 42},
				{"name": "meta", "value": {"a": null, "b": 1}, "content_type": "application/json"},
				{"name": "Attachments[]", "file": [
					{"ref": "blob-1", "filename": "a.txt", "content_type": "text/plain", "size": 5},
					{"content_base64": "aGk=", "filename": "b.csv", "content_type": "text/csv"}
				]},
				{"name": "pic", "file": {"url": "` + fileSrv.URL + `/img/logo.png"}},
				{"name": "nothing", "value": null}
			]}`,
			check: func(t *testing.T, got received, err error) {
				if err != nil {
					t.Fatal(err)
				}
				want := []part{
					{"text", "", "", "hello"},
					{"num", "", "", "42"},
					{"meta", "", "application/json", `{"a":null,"b":1}`},
					{"Attachments[]", "a.txt", "text/plain", "alpha"},
					{"Attachments[]", "b.csv", "text/csv", "hi"},
					{"pic", "logo.png", "image/png", "PNGDATA"},
					{"nothing", "", "", ""},
				}
				gotParts := readParts(t, got)
				if len(gotParts) != len(want) {
					t.Fatalf("parts = %+v", gotParts)
				}
				for i := range want {
					if gotParts[i] != want[i] {
						t.Errorf("part %d = %+v, want %+v", i, gotParts[i], want[i])
					}
				}
			},
		},
		{
			name: "multipart skip_nulls",
			skip: true,
			body: `{"type": "multipart", "parts": [
				{"name": "a", "value": null},
				{"name": "meta", "value": {"a": null, "b": 1}},
				{"name": "f[]", "file": [null, {"content_base64": "", "filename": "empty.bin"}]},
				{"name": "g", "file": null}
			]}`,
			check: func(t *testing.T, got received, err error) {
				if err != nil {
					t.Fatal(err)
				}
				want := []part{{"meta", "", "", `{"b":1}`}, {"f[]", "empty.bin", "application/octet-stream", ""}}
				gotParts := readParts(t, got)
				if len(gotParts) != len(want) || gotParts[0] != want[0] || gotParts[1] != want[1] {
					t.Errorf("parts = %+v, want %+v", gotParts, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, ch := serve(t, nil)
			opts := loopbackOptions()
			opts.Files = files{"blob-1": "alpha"}
			c := New(opts)
			cfg := map[string]any{"method": "POST", "url": srv.URL, "skip_nulls": tc.skip, "body": json.RawMessage(tc.body)}
			_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, cfg)})
			var got received
			if err == nil {
				got = next(t, ch)
			}
			tc.check(t, got, err)
		})
	}
}

func TestMultipartFileErrors(t *testing.T) {
	fileSrv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(503)
			return
		}
		http.NotFound(w, r)
	})
	tests := []struct {
		name string
		file string
		opts func(*Options)
		kind connectors.Kind
		want string
	}{
		{"url 404", `{"url": "` + fileSrv.URL + `/missing"}`, nil, connectors.Permanent, "404"},
		{"url 503", `{"url": "` + fileSrv.URL + `/busy"}`, nil, connectors.Retryable, "503"},
		{"url egress", `{"url": "http://169.254.169.254/latest"}`, nil, connectors.Permanent, "cloud metadata address"},
		{"url scheme", `{"url": "file:///etc/passwd"}`, nil, connectors.Permanent, "http://"},
		{"bad base64", `{"content_base64": "!!!"}`, nil, connectors.Permanent, "base64"},
		{"two sources", `{"content_base64": "aGk=", "url": "http://x"}`, nil, connectors.Permanent, "exactly one"},
		{"unrendered template", `"{{ trigger.files.x }}"`, nil, connectors.Permanent, "not a file object"},
		{"unknown ref", `{"ref": "nope"}`, nil, connectors.Permanent, "nope"},
		{"no file store", `{"ref": "blob-1"}`, func(o *Options) { o.Files = nil }, connectors.Permanent, "no file store"},
		{"too large", `{"ref": "blob-1"}`, func(o *Options) { o.MaxUploadBytes = 2 }, connectors.Permanent, "larger than 2 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := loopbackOptions()
			opts.Files = files{"blob-1": "alpha"}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c := New(opts)
			body := `{"type": "multipart", "parts": [{"name": "f", "file": ` + tc.file + `}]}`
			_, err := c.Execute(context.Background(), connectors.Request{Config: mustJSON(t, map[string]any{
				"method": "POST", "url": "http://127.0.0.1:1/", "body": json.RawMessage(body)})})
			kind, _, ok := kindOf(err)
			if !ok || kind != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (%v), want %v mentioning %q", err, kind, tc.kind, tc.want)
			}
		})
	}
}
