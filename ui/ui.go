// Package ui is Flowline's visual builder: a single-page application of
// plain ES modules (Preact, htm and signals, vendored under web/vendor)
// embedded in the binary, and the handler that serves it. The page talks
// only to the public /api/v1, like any script would. The api package mounts
// the handler at "/"; nothing else imports this package.
//
// Assets are served under /assets/<version>/, where version is a hash of
// every embedded file, so they can be cached for a year: a new build has a
// new version and the page, which carries an ETag and must be revalidated,
// names it.
package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed web
var embedded embed.FS

// AssetPrefix is the path under which versioned assets are served.
const AssetPrefix = "/assets/"

// basePlaceholder is replaced in index.html by the versioned asset base.
const basePlaceholder = "{{ASSET_BASE}}"

// CSP is the Content-Security-Policy of every answer: scripts only from the
// page's origin (no inline scripts, no eval), calls only to the same
// origin. Inline styles are allowed because the template editor sets them.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the builder's page and assets.
type Handler struct {
	files   fs.FS
	version string
	page    []byte
	etag    string
	// gzipped caches the gzip form of text assets by name, made on first
	// request.
	gzipped sync.Map
}

// New returns a Handler over the embedded assets.
func New() *Handler {
	files, err := fs.Sub(embedded, "web")
	if err != nil {
		panic(fmt.Sprintf("ui.New: opening embedded assets: %v", err))
	}
	h, err := newHandler(files)
	if err != nil {
		panic(fmt.Sprintf("ui.New: %v", err))
	}
	return h
}

// newHandler hashes every file of files into the asset version and renders
// the page.
func newHandler(files fs.FS) (*Handler, error) {
	var names []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing assets: %w", err)
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, fmt.Errorf("reading asset %s: %w", n, err)
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", n, len(b))
		sum.Write(b)
	}
	h := &Handler{files: files, version: hex.EncodeToString(sum.Sum(nil))[:12]}
	page, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("reading the page: %w", err)
	}
	h.page = bytes.ReplaceAll(page, []byte(basePlaceholder), []byte(h.AssetBase()))
	pageSum := sha256.Sum256(h.page)
	h.etag = `"` + hex.EncodeToString(pageSum[:8]) + `"`
	return h, nil
}

// Version is the hash that names this build's assets.
func (h *Handler) Version() string { return h.version }

// AssetBase is the path prefix of this build's assets, ending in "/".
func (h *Handler) AssetBase() string { return AssetPrefix + h.version + "/" }

// Navigation reports whether r is a browser asking for a page (GET or HEAD
// that accepts text/html): the API answers such requests for unknown paths
// with the builder, whose router shows the screen or its own "not found".
func Navigation(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// ServeHTTP answers assets under AssetPrefix and the page for any other
// path without an extension. Missing assets, stale versions and other
// paths with an extension are 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, AssetPrefix); ok {
		h.serveAsset(w, r, rest)
		return
	}
	if strings.Contains(path.Base(p), ".") {
		http.NotFound(w, r)
		return
	}
	h.servePage(w, r)
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", h.etag)
	if etagMatches(r.Header.Get("If-None-Match"), h.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", fmt.Sprint(len(h.page)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.page)
	}
}

// serveAsset answers rest, "<version>/<file>", from the embedded files.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request, rest string) {
	version, name, ok := strings.Cut(rest, "/")
	if !ok || version != h.version || name == "" || name == "index.html" || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(h.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ContentType(name))
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	if compressible(name) {
		hdr.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			b = h.gzip(name, b)
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// contentTypes are the media types of the builder's assets; the system's
// MIME tables differ between machines, so they are fixed here.
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

// ContentType is the media type an asset is served with.
func ContentType(name string) string {
	if t, ok := contentTypes[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// compressible reports whether an asset is text worth compressing.
func compressible(name string) bool {
	switch path.Ext(name) {
	case ".js", ".mjs", ".css", ".svg", ".json", ".txt", ".html":
		return true
	}
	return false
}

// acceptsGzip reports whether the client accepts a gzip body.
func acceptsGzip(r *http.Request) bool {
	for _, e := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, q, _ := strings.Cut(strings.TrimSpace(e), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// gzip returns the gzip form of asset name, whose content is b.
func (h *Handler) gzip(name string, b []byte) []byte {
	if z, ok := h.gzipped.Load(name); ok {
		return z.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	z, _ := h.gzipped.LoadOrStore(name, buf.Bytes())
	return z.([]byte)
}
