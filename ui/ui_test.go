package ui

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageAndFallback(t *testing.T) {
	h := New()
	for _, p := range []string{"/", "/flows", "/flows/abc123/versions/2", "/runs/r-1"} {
		rec := serve(t, h, "GET", p, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", p, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s Content-Type = %q", p, ct)
		}
		body := rec.Body.String()
		if !strings.Contains(body, `src="`+h.AssetBase()+`app/main.js"`) || strings.Contains(body, basePlaceholder) {
			t.Errorf("GET %s: the page does not name the versioned assets:\n%s", p, body)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", p, cc)
		}
	}
	rec := serve(t, h, "GET", "/", nil)
	etag := rec.Header().Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag) {
		t.Fatalf("ETag = %q", etag)
	}
	again := serve(t, h, "GET", "/flows", http.Header{"If-None-Match": {`"other", ` + etag}})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("revalidation = %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
	}
	if stale := serve(t, h, "GET", "/", http.Header{"If-None-Match": {`"stale"`}}); stale.Code != http.StatusOK {
		t.Errorf("stale ETag = %d, want 200", stale.Code)
	}
	head := serve(t, h, "HEAD", "/flows", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD = %d, %d bytes, length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
	if post := serve(t, h, "POST", "/flows", nil); post.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", post.Code)
	}
}

func TestCSP(t *testing.T) {
	h := New()
	for _, p := range []string{"/", h.AssetBase() + "app/main.js", "/missing.js"} {
		csp := serve(t, h, "GET", p, nil).Header().Get("Content-Security-Policy")
		var script string
		for _, d := range strings.Split(csp, ";") {
			if d = strings.TrimSpace(d); strings.HasPrefix(d, "script-src ") {
				script = d
			}
		}
		if script != "script-src 'self'" {
			t.Errorf("GET %s: script-src = %q in %q, want only 'self'", p, script, csp)
		}
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
			}
		}
	}
	page := serve(t, h, "GET", "/", nil).Body.String()
	if regexp.MustCompile(`<script(?:\s+type="module")?>|\son[a-z]+=`).MatchString(page) {
		t.Errorf("the page has an inline script or handler, which the CSP refuses:\n%s", page)
	}
}

func TestAssets(t *testing.T) {
	h := New()
	cases := map[string]string{
		"app/main.js":          "text/javascript; charset=utf-8",
		"app.css":              "text/css; charset=utf-8",
		"favicon.svg":          "image/svg+xml",
		"vendor/preact.js":     "text/javascript; charset=utf-8",
		"vendor/codemirror.js": "text/javascript; charset=utf-8",
	}
	for name, ct := range cases {
		rec := serve(t, h, "GET", h.AssetBase()+name, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", name, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != ct {
			t.Errorf("%s Content-Type = %q, want %q", name, got, ct)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control = %q", name, cc)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s lacks nosniff", name)
		}
		want, _ := fs.ReadFile(h.files, name)
		if rec.Body.String() != string(want) {
			t.Errorf("%s body differs from the embedded file", name)
		}
	}
	for _, p := range []string{
		h.AssetBase() + "app/nope.js",                         // missing asset
		h.AssetBase() + "index.html",                          // the page is not an asset
		"/assets/000000000000/app/main.js",                    // another build's version
		h.AssetBase() + "../index.html",                       // outside the tree
		"/favicon.ico", "/flows/x/report.pdf", "/app/main.js", // paths with an extension
	} {
		if rec := serve(t, h, "GET", p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
}

func TestVersionFollowsContent(t *testing.T) {
	files := fstest.MapFS{"index.html": {Data: []byte(`<script type="module" src="{{ASSET_BASE}}a.js"></script>`)}, "a.js": {Data: []byte("1")}}
	a, err := newHandler(files)
	if err != nil {
		t.Fatal(err)
	}
	files["a.js"] = &fstest.MapFile{Data: []byte("2")}
	b, err := newHandler(files)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() == b.Version() || a.etag == b.etag {
		t.Errorf("changing an asset kept version %s and ETag %s", a.Version(), a.etag)
	}
}

// importRE finds relative module specifiers: import … from "./x.js",
// export … from "../y.js", import("./z.js") and bare import "./w.js".
var importRE = regexp.MustCompile(`(?:from\s*|import\s*\(?\s*)["'](\.{1,2}/[^"']+)["']`)

func TestEveryReferencedAssetIsEmbedded(t *testing.T) {
	h := New()
	page := serve(t, h, "GET", "/", nil).Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("the page references only %d assets", len(refs))
	}
	for _, m := range refs {
		if rec := serve(t, h, "GET", m[1], nil); rec.Code != http.StatusOK {
			t.Errorf("the page references %s, which answers %d", m[1], rec.Code)
		}
	}
	checked := 0
	err := fs.WalkDir(h.files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".js" {
			return err
		}
		src, err := fs.ReadFile(h.files, p)
		if err != nil {
			return err
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			target := path.Join(path.Dir(p), m[1])
			if _, err := fs.Stat(h.files, target); err != nil {
				t.Errorf("%s imports %s, which is not embedded", p, m[1])
			}
			checked++
		}
		if strings.HasPrefix(p, "app/") && regexp.MustCompile(`from\s*["'][^./]`).Match(src) {
			t.Errorf("%s imports a bare specifier, which browsers cannot resolve without an import map", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked only %d imports; is the pattern still matching?", checked)
	}
}

func TestNavigation(t *testing.T) {
	cases := []struct {
		method, accept string
		want           bool
	}{
		{"GET", "text/html,application/xhtml+xml,*/*;q=0.8", true},
		{"HEAD", "text/html", true},
		{"GET", "application/json", false},
		{"GET", "", false},
		{"POST", "text/html", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/flows/x", nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := Navigation(r); got != c.want {
			t.Errorf("Navigation(%s, %q) = %v, want %v", c.method, c.accept, got, c.want)
		}
	}
}

func TestAssetsGzip(t *testing.T) {
	h := New()
	name := "vendor/codemirror.js"
	want, _ := fs.ReadFile(h.files, name)
	for _, accept := range []string{"gzip, deflate, br", "br;q=1, gzip;q=0.8"} {
		rec := serve(t, h, "GET", h.AssetBase()+name, http.Header{"Accept-Encoding": {accept}})
		if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, Vary %q", accept, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		if rec.Body.Len() >= len(want)/2 {
			t.Errorf("gzip body is %d bytes of %d", rec.Body.Len(), len(want))
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || string(got) != string(want) {
			t.Fatalf("gunzipped body differs (%v)", err)
		}
	}
	for _, accept := range []string{"", "identity", "gzip;q=0"} {
		rec := serve(t, h, "GET", h.AssetBase()+name, http.Header{"Accept-Encoding": {accept}})
		if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != string(want) {
			t.Errorf("Accept-Encoding %q got an encoded body", accept)
		}
	}
}
