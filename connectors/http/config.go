package httpconn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultTimeout          = 30 * time.Second
	defaultMaxResponseBytes = 1 << 20
	maxResponseBytesLimit   = 1 << 20
	maxRedirects            = 10
)

// standardMethods are written in upper case whatever case the flow used.
var standardMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"HEAD": true, "OPTIONS": true, "TRACE": true, "CONNECT": true,
}

// config is a step config after strict decoding and validation.
type config struct {
	Method           string            `json:"method"`
	URL              string            `json:"url"`
	Headers          object            `json:"headers"`
	Query            object            `json:"query"`
	Body             *bodyConfig       `json:"body"`
	Auth             *authConfig       `json:"auth"`
	SkipNulls        bool              `json:"skip_nulls"`
	Timeout          string            `json:"timeout"`
	FollowRedirects  *bool             `json:"follow_redirects"`
	AllowInsecureTLS bool              `json:"allow_insecure_tls"`
	SuccessCodes     []json.RawMessage `json:"success_codes"`
	MaxResponseBytes *int64            `json:"max_response_bytes"`

	// Filled by validate.
	url      *url.URL
	timeout  time.Duration
	success  []statusMatcher
	maxBytes int64
	follow   bool
}

// member is one name/value pair of a JSON object, in document order.
type member struct {
	Name  string
	Value json.RawMessage
}

// object is a JSON object that keeps its members in document order, so that
// headers, query parameters and form fields go out as they were written.
type object []member

// UnmarshalJSON implements json.Unmarshaler.
func (o *object) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*o = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("expected an object")
	}
	out := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out = append(out, member{Name: name, Value: v})
	}
	*o = out
	return nil
}

// unionType reads the "type" tag of a tagged union (auth, body) before its
// variant is decoded strictly; what names the union in errors.
func unionType(data []byte, what string) (string, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return head.Type, nil
}

// decodeStrict decodes data into v, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the config")
	}
	return nil
}

// parseConfig decodes and validates a rendered step config.
func parseConfig(data []byte) (*config, error) {
	var cfg config
	if err := decodeStrict(data, &cfg); err != nil {
		return nil, fmt.Errorf("decoding config: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func (c *config) validate() error {
	if c.Method == "" {
		c.Method = "GET"
	}
	if up := strings.ToUpper(c.Method); standardMethods[up] {
		c.Method = up
	}
	if !isToken(c.Method) {
		return fmt.Errorf("method %q is not a valid HTTP method token", c.Method)
	}
	if c.URL == "" {
		return errors.New("url is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		// url.Parse errors quote the whole URL, which may carry a key.
		return errors.New("url is not a valid URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return errors.New("url must start with http:// or https://")
	}
	if u.Host == "" {
		return errors.New("url has no host")
	}
	c.url = u

	c.timeout = defaultTimeout
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil || d <= 0 {
			return fmt.Errorf("timeout %q is not a positive Go duration such as \"30s\"", c.Timeout)
		}
		c.timeout = d
	}
	c.maxBytes = defaultMaxResponseBytes
	if c.MaxResponseBytes != nil {
		n := *c.MaxResponseBytes
		if n < 1 || n > maxResponseBytesLimit {
			return fmt.Errorf("max_response_bytes must be between 1 and %d", maxResponseBytesLimit)
		}
		c.maxBytes = n
	}
	c.follow = c.FollowRedirects == nil || *c.FollowRedirects
	c.success, err = parseSuccessCodes(c.SuccessCodes)
	if err != nil {
		return err
	}
	for _, h := range c.Headers {
		if !isToken(h.Name) {
			return fmt.Errorf("headers: %q is not a valid header name", h.Name)
		}
	}
	if c.Body == nil {
		c.Body = &bodyConfig{Type: "none"}
	}
	if c.Auth == nil {
		c.Auth = &authConfig{Type: "none"}
	}
	return nil
}

// statusMatcher matches a status against a success code such as 204 or "2xx".
type statusMatcher struct {
	pattern string // three characters, 'x' matches any digit
}

func (m statusMatcher) match(status int) bool {
	s := strconv.Itoa(status)
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if m.pattern[i] != 'x' && m.pattern[i] != s[i] {
			return false
		}
	}
	return true
}

func parseSuccessCodes(raw []json.RawMessage) ([]statusMatcher, error) {
	if len(raw) == 0 {
		return []statusMatcher{{pattern: "2xx"}}, nil
	}
	out := make([]statusMatcher, 0, len(raw))
	for i, r := range raw {
		var p string
		var n json.Number
		if err := json.Unmarshal(r, &p); err == nil {
			p = strings.ToLower(p)
		} else if err := json.Unmarshal(r, &n); err == nil {
			p = n.String()
		} else {
			return nil, fmt.Errorf("success_codes[%d]: want a status such as 200 or a pattern such as \"2xx\"", i)
		}
		if !validStatusPattern(p) {
			return nil, fmt.Errorf("success_codes[%d]: %q is not a status such as 200 or a pattern such as \"2xx\"", i, p)
		}
		out = append(out, statusMatcher{pattern: p})
	}
	return out, nil
}

func validStatusPattern(p string) bool {
	if len(p) != 3 || p[0] < '1' || p[0] > '5' {
		return false
	}
	seenX := false
	for i := 1; i < 3; i++ {
		switch {
		case p[i] == 'x':
			seenX = true
		case p[i] >= '0' && p[i] <= '9' && !seenX:
		default:
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token (method and header names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
