package httpconn

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

const redacted = "[REDACTED]"

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

// redactor hides secrets in what is recorded: by header and query parameter
// name, and by value wherever a resolved secret (or a value derived from
// one) appears.
type redactor struct {
	secrets  []string
	headers  map[string]bool
	query    map[string]bool
	replacer *strings.Replacer
}

func newRedactor() *redactor {
	return &redactor{}
}

// minSecretLen keeps very short secrets from blanking common text.
const minSecretLen = 3

func (r *redactor) addSecret(s string) {
	if len(s) < minSecretLen || slices.Contains(r.secrets, s) {
		return
	}
	r.secrets = append(r.secrets, s)
	// The same secret as it appears inside JSON text or a query string.
	if b, err := json.Marshal(s); err == nil {
		if js := string(b[1 : len(b)-1]); js != s {
			r.secrets = append(r.secrets, js)
		}
	}
	if qs := url.QueryEscape(s); qs != s {
		r.secrets = append(r.secrets, qs)
	}
	r.replacer = nil
}

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

// text replaces every known secret in s.
func (r *redactor) text(s string) string {
	if len(r.secrets) == 0 {
		return s
	}
	if r.replacer == nil {
		// Longest first, so a secret containing another is hidden whole.
		sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
		pairs := make([]string, 0, 2*len(r.secrets))
		for _, s := range r.secrets {
			pairs = append(pairs, s, redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer.Replace(s)
}

func (r *redactor) bytes(b []byte) []byte {
	if len(r.secrets) == 0 {
		return b
	}
	return []byte(r.text(string(b)))
}

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
		out[n] = r.text(strings.Join(vals, ", "))
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
		if hasValue && r.sensitiveQueryName(name) {
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

// bodyText is a body as recorded: text with secrets redacted, cut to
// limit bytes, or a size note when the body is binary.
func (r *redactor) bodyText(b []byte, limit int) (text string, truncated bool) {
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
	return r.text(string(b)), truncated
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
