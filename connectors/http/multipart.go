package httpconn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"

	"github.com/flowline/flowline/connectors"
)

// partConfig is one multipart part: {name, value[, content_type]} or
// {name, file} where file is one file or a list of files.
type partConfig struct {
	Name        string
	Value       json.RawMessage
	ContentType string
	Files       []*fileConfig // a nil entry is a null file
	isFile      bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (p *partConfig) UnmarshalJSON(data []byte) error {
	var v struct {
		Name        string          `json:"name"`
		Value       json.RawMessage `json:"value"`
		ContentType string          `json:"content_type"`
		File        json.RawMessage `json:"file"`
	}
	if err := decodeStrict(data, &v); err != nil {
		return err
	}
	switch {
	case v.Name == "":
		return errors.New("part: name is required")
	case (v.Value == nil) == (v.File == nil):
		return fmt.Errorf("part %q: give exactly one of value and file", v.Name)
	}
	*p = partConfig{Name: v.Name, Value: v.Value, ContentType: v.ContentType}
	if v.File == nil {
		return nil
	}
	p.isFile = true
	raw := bytes.TrimSpace(v.File)
	switch {
	case raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("part %q: %w", v.Name, err)
		}
		for _, it := range items {
			f, err := decodeFile(it)
			if err != nil {
				return fmt.Errorf("part %q: %w", v.Name, err)
			}
			p.Files = append(p.Files, f)
		}
	default:
		f, err := decodeFile(raw)
		if err != nil {
			return fmt.Errorf("part %q: %w", v.Name, err)
		}
		p.Files = []*fileConfig{f}
	}
	return nil
}

// fileConfig is a file of a multipart part: a trigger file (ref), inline
// content (content_base64) or a URL fetched at run time.
type fileConfig struct {
	Ref           string  `json:"ref"`
	Size          int64   `json:"size"`
	ContentBase64 *string `json:"content_base64"`
	URL           string  `json:"url"`
	Filename      string  `json:"filename"`
	ContentType   string  `json:"content_type"`
}

func decodeFile(raw json.RawMessage) (*fileConfig, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(raw, []byte("null")):
		return nil, nil
	case len(raw) > 0 && raw[0] == '"':
		return nil, errors.New("file is text, not a file object (did a {{ trigger.files.… }} template render to a file?)")
	}
	var f fileConfig
	if err := decodeStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	n := 0
	for _, given := range []bool{f.Ref != "", f.ContentBase64 != nil, f.URL != ""} {
		if given {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("file: give exactly one of ref, content_base64 and url")
	}
	return &f, nil
}

// buildMultipart encodes the parts in order as multipart/form-data.
func (c *Connector) buildMultipart(ctx context.Context, cfg *config) (builtBody, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range cfg.Body.Parts {
		if err := c.writePart(ctx, cfg, mw, p); err != nil {
			return builtBody{}, fmt.Errorf("building multipart body: part %q: %w", p.Name, err)
		}
	}
	if err := mw.Close(); err != nil {
		return builtBody{}, fmt.Errorf("building multipart body: %w", err)
	}
	return builtBody{data: buf.Bytes(), contentType: mw.FormDataContentType()}, nil
}

func (c *Connector) writePart(ctx context.Context, cfg *config, mw *multipart.Writer, p partConfig) error {
	if !p.isFile {
		if cfg.SkipNulls && bytes.Equal(bytes.TrimSpace(p.Value), []byte("null")) {
			return nil
		}
		text, err := textValue(p.Value, cfg.SkipNulls)
		if err != nil {
			return err
		}
		return writeTextPart(mw, p.Name, p.ContentType, text)
	}
	for _, f := range p.Files {
		if f == nil {
			if cfg.SkipNulls {
				continue
			}
			if err := writeTextPart(mw, p.Name, "", ""); err != nil {
				return err
			}
			continue
		}
		data, filename, ctype, err := c.loadFile(ctx, cfg, f)
		if err != nil {
			return err
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition(p.Name, filename))
		h.Set("Content-Type", ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

func writeTextPart(mw *multipart.Writer, name, contentType, text string) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"`, escapeQuotes(name)))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// loadFile returns a file's content, name and type.
func (c *Connector) loadFile(ctx context.Context, cfg *config, f *fileConfig) (data []byte, filename, ctype string, err error) {
	filename, ctype = f.Filename, f.ContentType
	switch {
	case f.URL != "":
		var fetchedType, fetchedName string
		data, fetchedType, fetchedName, err = c.fetchFile(ctx, cfg, f.URL)
		if filename == "" {
			filename = fetchedName
		}
		if ctype == "" {
			ctype = fetchedType
		}
	case f.Ref != "":
		data, err = c.openFile(ctx, f)
	default:
		data, err = decodeBase64(*f.ContentBase64)
		if err != nil {
			err = connectors.NewPermanent(fmt.Errorf("content_base64: %w", err))
		} else if int64(len(data)) > c.maxUploadBytes {
			err = connectors.Permanentf("file is larger than %d bytes", c.maxUploadBytes)
		}
	}
	if err != nil {
		return nil, "", "", err
	}
	if filename == "" {
		filename = "file"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return data, filename, ctype, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not valid base64")
}

// openFile reads a trigger file through the FileResolver.
func (c *Connector) openFile(ctx context.Context, f *fileConfig) ([]byte, error) {
	if c.files == nil {
		return nil, connectors.Permanentf("file %q: no file store is configured", f.Ref)
	}
	rc, err := c.files.Open(ctx, connectors.FileRef{Ref: f.Ref, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size})
	if err != nil {
		return nil, fmt.Errorf("opening file %q: %w", f.Ref, err)
	}
	defer rc.Close()
	data, truncated, err := readCapped(rc, c.maxUploadBytes)
	if err != nil {
		return nil, fmt.Errorf("reading file %q: %w", f.Ref, err)
	}
	if truncated {
		return nil, connectors.Permanentf("file %q is larger than %d bytes", f.Ref, c.maxUploadBytes)
	}
	return data, nil
}

// fetchFile downloads a file through the shared client, so the egress
// policy, TLS settings and timeout of the step apply.
func (c *Connector) fetchFile(ctx context.Context, cfg *config, raw string) (data []byte, ctype, name string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", "", connectors.Permanentf("file url must be an http:// or https:// URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", connectors.Permanentf("file url is not valid")
	}
	req.Header.Set("User-Agent", "flowline/"+c.version)
	fetchCfg := *cfg
	fetchCfg.Auth = &authConfig{Type: "none"}
	resp, err := c.client(&fetchCfg).Do(req)
	if err != nil {
		pr := &preparedRequest{method: http.MethodGet, url: u}
		return nil, "", "", fmt.Errorf("fetching file: %w", sendError(ctx, cfg, pr, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("fetching file: GET %s answered %s", location(u), statusText(resp))
		if retryableStatus(resp.StatusCode) {
			return nil, "", "", connectors.NewRetryable(err, retryAfter(resp.Header, c.now()))
		}
		return nil, "", "", connectors.NewPermanent(err)
	}
	data, truncated, err := readCapped(resp.Body, c.maxUploadBytes)
	if err != nil {
		return nil, "", "", connectors.NewRetryable(fmt.Errorf("fetching file from %s: %w", location(u), err), 0)
	}
	if truncated {
		return nil, "", "", connectors.Permanentf("fetching file: %s is larger than %d bytes", location(u), c.maxUploadBytes)
	}
	name = path.Base(resp.Request.URL.Path)
	if name == "/" || name == "." {
		name = ""
	}
	return data, resp.Header.Get("Content-Type"), name, nil
}
