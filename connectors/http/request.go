package httpconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/flowline/flowline/connectors"
)

// recordBodyLimit caps the request and response bodies kept in a Result's
// records (Output carries the whole response body up to max_response_bytes).
const recordBodyLimit = 64 << 10

// preparedRequest is everything needed to send an attempt, possibly more
// than once (digest challenges, redirects).
type preparedRequest struct {
	method    string
	url       *url.URL
	host      string // a Host header from the config
	header    http.Header
	body      builtBody
	auth      preparedAuth
	red       *redactor
	webhookID string
}

// prepare resolves secrets and builds the URL, headers and body of an
// attempt. Its errors are classified.
func (c *Connector) prepare(ctx context.Context, cfg *config, req connectors.Request) (*preparedRequest, error) {
	pr := &preparedRequest{method: cfg.Method, red: newRedactor()}
	if cfg.Auth.Type == "webhook_signature" {
		pr.webhookID = webhookID(req)
	}
	auth, err := c.resolveAuth(ctx, cfg.Auth, pr.red)
	if err != nil {
		return nil, err
	}
	pr.auth = auth

	pr.body, err = c.buildBody(ctx, cfg)
	if err != nil {
		var ce *connectors.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, connectors.NewPermanent(err)
	}

	pr.url, err = buildURL(cfg, auth)
	if err != nil {
		return nil, connectors.NewPermanent(err)
	}

	pr.header, pr.host, err = c.buildHeader(cfg, req, pr.body)
	if err != nil {
		return nil, connectors.NewPermanent(err)
	}
	auth.applyHeaders(pr.header, pr, c)
	pr.red.learn(pr.header, pr.url)
	if err := checkRequestSize(cfg, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// Limits on a rendered request. Past them the step fails at once, before
// anything is sent: no server takes such a request line, and the request's
// record must stay small enough for the run's history.
const (
	maxRequestHeadBytes = 64 << 10
	maxRequestBodyBytes = 4 << 20
)

// checkRequestSize refuses a request whose url and headers, or whose body
// (files sent by a multipart body aside), are larger than the limits.
func checkRequestSize(cfg *config, pr *preparedRequest) error {
	head := len(pr.url.String()) + len(pr.host)
	for name, vals := range pr.header {
		for _, v := range vals {
			head += len(name) + len(v) + 4
		}
	}
	if head > maxRequestHeadBytes {
		return connectors.Permanentf("rendered url and headers are %s; the limit is %s",
			connectors.Size(int64(head)), connectors.Size(maxRequestHeadBytes))
	}
	if n := len(pr.body.data); cfg.Body.Type != "multipart" && n > maxRequestBodyBytes {
		return connectors.Permanentf("rendered request body is %s; the limit is %s",
			connectors.Size(int64(n)), connectors.Size(maxRequestBodyBytes))
	}
	return nil
}

// buildURL adds the query parameters (and an api_key in the query) to the
// configured URL, after any query it already has, whose characters a
// request line may not carry are percent-encoded (escapeQueryText).
func buildURL(cfg *config, auth preparedAuth) (*url.URL, error) {
	u := *cfg.url
	var sb strings.Builder
	sb.WriteString(escapeQueryText(u.RawQuery))
	add := func(name, value string) {
		if sb.Len() > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(name))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(value))
	}
	for _, q := range cfg.Query {
		vals, err := paramValues(q.Value, cfg.SkipNulls)
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", q.Name, err)
		}
		for _, v := range vals {
			add(q.Name, v)
		}
	}
	if auth.cfg.Type == "api_key" && auth.cfg.In == "query" {
		add(auth.cfg.Name, auth.secret)
	}
	u.RawQuery = sb.String()
	u.ForceQuery = false
	return &u, nil
}

// escapeQueryText percent-encodes the bytes of a URL's query that may not
// appear in a request line as they are (controls, space, non-ASCII, and
// the characters in queryUnsafe), as a browser does: a value templated
// into the URL without the urlquery modifier (`?q={{ name }}` with "Ada
// Lovelace") still makes a valid request. Everything else, `&`, `=`, `+`
// and `%` included, is sent as written.
func escapeQueryText(q string) string {
	unsafe := func(c byte) bool { return c <= ' ' || c >= 0x7f || strings.IndexByte(queryUnsafe, c) >= 0 }
	i := 0
	for i < len(q) && !unsafe(q[i]) {
		i++
	}
	if i == len(q) {
		return q
	}
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(len(q) + 16)
	sb.WriteString(q[:i])
	for ; i < len(q); i++ {
		if c := q[i]; unsafe(c) {
			sb.WriteByte('%')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		} else {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// queryUnsafe are the printable ASCII characters a query may not carry
// unencoded (RFC 3986), besides '#', which ends it.
const queryUnsafe = "\"<>\\^`{|}"

// buildHeader sets the default headers, then the configured ones, which
// replace defaults of the same name.
func (c *Connector) buildHeader(cfg *config, req connectors.Request, body builtBody) (http.Header, string, error) {
	h := make(http.Header, len(cfg.Headers)+3)
	if body.contentType != "" {
		h.Set("Content-Type", body.contentType)
	}
	h.Set("User-Agent", "flowline/"+c.version)
	if req.IdempotencyKey != "" {
		h.Set("Idempotency-Key", req.IdempotencyKey)
	}
	var host string
	seen := make(map[string]bool, len(cfg.Headers))
	for _, m := range cfg.Headers {
		name := http.CanonicalHeaderKey(m.Name)
		vals, err := headerValues(m.Value)
		if err != nil {
			return nil, "", fmt.Errorf("headers %q: %w", m.Name, err)
		}
		if name == "Host" {
			if len(vals) > 0 {
				host = vals[0]
			}
			continue
		}
		if name == "Content-Type" && cfg.Body.Type == "multipart" {
			// The body's boundary is in our Content-Type; another would break it.
			continue
		}
		if !seen[name] {
			h.Del(name)
			seen[name] = true
		}
		for _, v := range vals {
			h.Add(name, v)
		}
	}
	return h, host, nil
}

// headerValues is paramValues for headers: null sends nothing and values
// must not break the header block.
func headerValues(raw json.RawMessage) ([]string, error) {
	vals, err := paramValues(raw, true)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, errors.New("value contains a line break or NUL")
		}
	}
	return vals, nil
}

// newHTTPRequest builds one send of pr to u.
func (pr *preparedRequest) newHTTPRequest(ctx context.Context, method string, u *url.URL, withBody bool) (*http.Request, error) {
	var body *bytes.Reader
	if withBody && len(pr.body.data) > 0 {
		body = bytes.NewReader(pr.body.data)
	}
	var r *http.Request
	var err error
	if body != nil {
		r, err = http.NewRequestWithContext(ctx, method, u.String(), body)
	} else {
		r, err = http.NewRequestWithContext(ctx, method, u.String(), nil)
	}
	if err != nil {
		return nil, connectors.NewPermanent(fmt.Errorf("building request: invalid method or url"))
	}
	r.Header = pr.header.Clone()
	if pr.host != "" {
		r.Host = pr.host
	}
	return r, nil
}

// record is the request as recorded in the Result, secrets redacted.
func (pr *preparedRequest) record() json.RawMessage {
	text, truncated := pr.red.bodyText(pr.body.data, recordBodyLimit)
	rec := struct {
		Method        string            `json:"method"`
		URL           string            `json:"url"`
		Headers       map[string]string `json:"headers"`
		Body          string            `json:"body"`
		BodyTruncated bool              `json:"body_truncated,omitempty"`
		BodySize      int               `json:"body_size"`
	}{
		Method:        pr.method,
		URL:           pr.red.url(pr.url),
		Headers:       pr.red.headerMap(pr.header),
		Body:          text,
		BodyTruncated: truncated,
		BodySize:      len(pr.body.data),
	}
	if pr.host != "" {
		rec.Headers["host"] = pr.red.text(pr.host)
	}
	b, _ := json.Marshal(rec)
	return b
}
