package httpconn

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/flowline/flowline/connectors"
)

const redacted = connectors.Redacted

// sensitiveHeaders are redacted by name whatever their value.
var sensitiveHeaders = map[string]bool{
	"authorization":        true,
	"proxy-authorization":  true,
	"cookie":               true,
	"set-cookie":           true,
	"x-api-key":            true,
	"api-key":              true,
	"apikey":               true,
	"x-auth-token":         true,
	"x-access-token":       true,
	"x-amz-security-token": true,
}

// sensitiveNameParts mark header and query names that carry credentials.
var sensitiveNameParts = []string{"token", "secret", "password", "passwd", "api-key", "api_key", "apikey", "credential", "session"}

// sensitiveQuery are query parameter names redacted whatever their value.
var sensitiveQuery = map[string]bool{
	"key": true, "sig": true, "signature": true, "auth": true, "code": true,
}

// redactor hides secrets in what is recorded: whole values by header and
// query parameter name, and known secrets (or values derived from one)
// where they appear, by the rules of connectors.Redactor: never inside
// the encoding of JSON, and secrets shorter than connectors.MinRedactLen
// only where a whole value equals them.
type redactor struct {
	secrets connectors.Redactor
	headers map[string]bool
	query   map[string]bool
}

func newRedactor() *redactor {
	return &redactor{}
}

func (r *redactor) addSecret(s string) { r.secrets.Add(s) }

func (r *redactor) addHeader(name string) {
	if r.headers == nil {
		r.headers = map[string]bool{}
	}
	r.headers[strings.ToLower(name)] = true
}

func (r *redactor) addQuery(name string) {
	if r.query == nil {
		r.query = map[string]bool{}
	}
	r.query[strings.ToLower(name)] = true
}

// text replaces every long enough secret in s.
func (r *redactor) text(s string) string { return r.secrets.Text(s) }

// bytes redacts a body: inside its strings when it is JSON, as text when
// not.
func (r *redactor) bytes(b []byte) []byte { return r.secrets.JSON(b) }

func (r *redactor) sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	if sensitiveHeaders[n] || r.headers[n] {
		return true
	}
	return containsAny(n, sensitiveNameParts)
}

func (r *redactor) sensitiveQueryName(name string) bool {
	n := strings.ToLower(name)
	if sensitiveQuery[n] || r.query[n] {
		return true
	}
	return containsAny(n, sensitiveNameParts)
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// headerMap flattens headers for a record: lower-case names, repeated
// values joined with ", ", secrets redacted.
func (r *redactor) headerMap(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, vals := range h {
		n := strings.ToLower(name)
		if r.sensitiveHeader(n) {
			out[n] = redacted
			continue
		}
		red := make([]string, len(vals))
		for i, v := range vals {
			red[i] = r.secrets.Value(v)
		}
		out[n] = strings.Join(red, ", ")
	}
	return out
}

// url returns u as text with its password, sensitive query parameters and
// any secret value redacted.
func (r *redactor) url(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), redacted)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = r.redactQuery(c.RawQuery)
	}
	return r.text(c.String())
}

// redactQuery redacts sensitive parameters of a raw query, keeping the order and
// the encoding of the others.
func (r *redactor) redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if dn, err := url.QueryUnescape(name); err == nil {
			name = dn
		}
		if !hasValue {
			continue
		}
		value := p[strings.IndexByte(p, '=')+1:]
		if dv, err := url.QueryUnescape(value); err == nil {
			value = dv
		}
		if r.sensitiveQueryName(name) || r.secrets.Is(value) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + url.QueryEscape(redacted)
		}
	}
	return strings.Join(parts, "&")
}

// location is u without its query and user info, for error messages.
func location(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return c.String()
}

// bodyText is a body as recorded: redacted, then cut to limit bytes (so
// that a cut never leaves part of a secret), or a size note when the body
// is binary.
func (r *redactor) bodyText(b []byte, limit int) (text string, truncated bool) {
	return cutBody(r.bytes(b), limit)
}

// cutBody is an already redacted body as recorded: text cut to limit
// bytes, or a size note when the body is binary.
func cutBody(b []byte, limit int) (text string, truncated bool) {
	if len(b) > limit {
		b, truncated = b[:limit], true
		// Do not cut a UTF-8 sequence in half.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return "[binary data]", truncated
	}
	return string(b), truncated
}

// learn adds the values of sensitive headers and query parameters of an
// outgoing request to the secrets, so that a server echoing them back (as
// httpbin does) does not put them in the records either.
func (r *redactor) learn(h http.Header, u *url.URL) {
	for name, vals := range h {
		if !r.sensitiveHeader(name) {
			continue
		}
		for _, v := range vals {
			r.addSecret(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				r.addSecret(strings.TrimSpace(cred))
			}
		}
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			r.addSecret(p)
		}
	}
	if u.RawQuery == "" {
		return
	}
	for name, vals := range u.Query() {
		if r.sensitiveQueryName(name) {
			for _, v := range vals {
				r.addSecret(v)
			}
		}
	}
}
