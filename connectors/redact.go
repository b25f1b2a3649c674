package connectors

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Redacted is the marker that stands where a secret was.
const Redacted = "[REDACTED]"

// MinRedactLen is the length from which a secret is searched for inside
// free text. A shorter secret occurs by chance in ordinary words ("s" in
// "Post"), so replacing it there would mangle the text and, worse, show
// where the secret occurs and so what it is. Shorter secrets are hidden
// only where a whole value is the secret: a field known to carry one (the
// caller's business, such as an Authorization header), or a header value,
// query value or JSON string that equals it.
const MinRedactLen = 8

// Redactor hides known secrets in what is recorded or answered. It never
// changes the structure of what it redacts: JSON is redacted inside its
// strings, never as encoded text. The zero value is ready to use; it is not
// safe for concurrent use.
type Redactor struct {
	// long are the secrets (and their JSON- and query-escaped forms)
	// replaced wherever they occur.
	long []string
	// whole are all secrets, replaced where a whole value equals one.
	whole    map[string]bool
	replacer *strings.Replacer
}

// Add makes s a secret to hide. The empty string is ignored.
func (r *Redactor) Add(s string) {
	if s == "" || r.whole[s] {
		return
	}
	if r.whole == nil {
		r.whole = map[string]bool{}
	}
	r.whole[s] = true
	if len(s) < MinRedactLen {
		return
	}
	r.long = append(r.long, s)
	// The same secret as it appears inside JSON text or a query string.
	if b, err := json.Marshal(s); err == nil {
		if js := string(b[1 : len(b)-1]); js != s && !slices.Contains(r.long, js) {
			r.long = append(r.long, js)
		}
	}
	if qs := url.QueryEscape(s); qs != s && !slices.Contains(r.long, qs) {
		r.long = append(r.long, qs)
	}
	r.replacer = nil
}

// Empty reports whether no secret was added.
func (r *Redactor) Empty() bool { return len(r.whole) == 0 }

// Is reports whether v is, as a whole, one of the secrets.
func (r *Redactor) Is(v string) bool { return r.whole[v] }

// Text replaces every secret of at least MinRedactLen characters in s.
func (r *Redactor) Text(s string) string {
	if len(r.long) == 0 {
		return s
	}
	if r.replacer == nil {
		// Longest first, so a secret containing another is hidden whole.
		sort.SliceStable(r.long, func(i, j int) bool { return len(r.long[i]) > len(r.long[j]) })
		pairs := make([]string, 0, 2*len(r.long))
		for _, s := range r.long {
			pairs = append(pairs, s, Redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer.Replace(s)
}

// Value redacts one whole value: the marker when v is a secret, else v
// with its long secrets replaced.
func (r *Redactor) Value(v string) string {
	if r.whole[v] {
		return Redacted
	}
	return r.Text(v)
}

// JSON redacts a JSON document inside its strings: a string value that is
// a secret becomes the marker, long secrets inside strings (keys too) are
// replaced, and everything else stays byte for byte. Data that is not
// valid JSON is redacted as Text.
func (r *Redactor) JSON(data []byte) []byte {
	if r.Empty() {
		return data
	}
	if !json.Valid(data) {
		return []byte(r.Text(string(data)))
	}
	var out []byte // allocated at the first change
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		end := stringEnd(data, i)
		lit := data[i : end+1]
		i = end
		var s string
		if bytes.IndexByte(lit, '\\') < 0 {
			s = string(lit[1 : len(lit)-1])
		} else if json.Unmarshal(lit, &s) != nil {
			continue // cannot happen in valid JSON
		}
		var red string
		if isKey(data, end+1) {
			red = r.Text(s)
		} else {
			red = r.Value(s)
		}
		if red == s {
			continue
		}
		out = append(out, data[last:end+1-len(lit)]...)
		out = append(out, encodeString(red)...)
		last = end + 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// stringEnd returns the index of the quote that closes the JSON string
// starting at data[start].
func stringEnd(data []byte, start int) int {
	for k := start + 1; k < len(data); k++ {
		switch data[k] {
		case '\\':
			k++
		case '"':
			return k
		}
	}
	return len(data) - 1
}

// isKey reports whether the string literal ending before data[from] is an
// object key: a colon follows it.
func isKey(data []byte, from int) bool {
	for k := from; k < len(data); k++ {
		switch data[k] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}

// encodeString encodes s as a JSON string without HTML escaping.
func encodeString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}
