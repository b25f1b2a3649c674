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

// MinRedactLen is the length from which a secret is replaced where it
// occurs inside a larger value, leaving the rest of the value readable.
//
// A shorter secret cannot be cut out that way: the marker would show where
// it occurs and so what it is. A secret of MinShortRedactLen to
// MinRedactLen-1 characters therefore makes every value containing it
// (a JSON string, header value, query value, message or text body, as a
// whole) the marker. A secret of one or two characters occurs by chance in
// nearly every value ("s" in "Post"), so it is hidden only where a whole
// value equals it: a field known to carry one (the caller's business, such
// as an Authorization header), or a header value, query value or JSON
// string that is exactly the secret.
const MinRedactLen = 8

// MinShortRedactLen is the length from which a secret shorter than
// MinRedactLen hides every value containing it; shorter ones are hidden
// only where a whole value equals them.
const MinShortRedactLen = 3

// Redactor hides known secrets in what is recorded or answered. It never
// changes the structure of what it redacts: JSON is redacted value by
// value (its strings and numbers), never as encoded text. The zero value is ready to use; it is not
// safe for concurrent use.
type Redactor struct {
	// long are the secrets (and their JSON- and query-escaped forms)
	// replaced wherever they occur.
	long []string
	// short are the secrets of MinShortRedactLen to MinRedactLen-1
	// characters (and their escaped forms): a value containing one is
	// replaced whole.
	short []string
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
	switch {
	case len(s) < MinShortRedactLen:
		return
	case len(s) < MinRedactLen:
		r.short = addForms(r.short, s)
	default:
		r.long = addForms(r.long, s)
		r.replacer = nil
	}
}

// addForms appends s to list with its forms inside JSON text and a query
// string, each once.
func addForms(list []string, s string) []string {
	if !slices.Contains(list, s) {
		list = append(list, s)
	}
	if b, err := json.Marshal(s); err == nil {
		if js := string(b[1 : len(b)-1]); js != s && !slices.Contains(list, js) {
			list = append(list, js)
		}
	}
	if qs := url.QueryEscape(s); qs != s && !slices.Contains(list, qs) {
		list = append(list, qs)
	}
	return list
}

// Empty reports whether no secret was added.
func (r *Redactor) Empty() bool { return len(r.whole) == 0 }

// Is reports whether v is, as a whole, one of the secrets.
func (r *Redactor) Is(v string) bool { return r.whole[v] }

// Text redacts s as one value: the marker when it contains a secret of
// MinShortRedactLen to MinRedactLen-1 characters, else s with every secret
// of at least MinRedactLen characters replaced.
func (r *Redactor) Text(s string) string {
	for _, short := range r.short {
		if strings.Contains(s, short) {
			return Redacted
		}
	}
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

// Value redacts one whole value: the marker when v is a secret, else as
// Text.
func (r *Redactor) Value(v string) string {
	if r.whole[v] {
		return Redacted
	}
	return r.Text(v)
}

// JSON redacts a JSON document inside its strings, each as a Value (keys
// as Text): a string that is or contains a short secret becomes the
// marker, long secrets inside strings are replaced, a number that is or
// contains a secret becomes the marker (a numeric PIN or account number
// echoed back unquoted), and everything else stays byte for byte. Data that is not valid JSON is redacted as Text, so
// a short secret in it makes the whole body the marker. Empty data (no
// record) stays as it is.
func (r *Redactor) JSON(data []byte) []byte {
	if r.Empty() || len(data) == 0 {
		return data
	}
	if !json.Valid(data) {
		return []byte(r.Text(string(data)))
	}
	var out []byte // allocated at the first change
	last := 0
	for i := 0; i < len(data); i++ {
		if isNumberStart(data[i]) {
			// A number is a value too: one equal to a secret, or holding
			// one, becomes the marker (a string; a number cannot hold it).
			end := numberEnd(data, i)
			if lit := string(data[i:end]); r.Value(lit) != lit {
				out = append(out, data[last:i]...)
				out = append(out, encodeString(Redacted)...)
				last = end
			}
			i = end - 1
			continue
		}
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

// isNumberStart reports whether c, outside a JSON string, starts a number.
func isNumberStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// numberEnd returns the index just past the JSON number starting at
// data[start].
func numberEnd(data []byte, start int) int {
	k := start
	for k < len(data) && strings.IndexByte("0123456789+-.eE", data[k]) >= 0 {
		k++
	}
	return k
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
