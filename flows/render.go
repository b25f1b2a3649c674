package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Render returns config with every template in its string values replaced
// from runContext (the JSON of a RunContext). Object keys are not templated
// and keep their order. A string that is exactly one template becomes its
// value with its JSON type (null when missing); other templated strings get
// their values as text: strings as they are, other JSON as its compact text,
// missing values as "". The output is compact JSON.
func Render(config json.RawMessage, runContext []byte) (json.RawMessage, error) {
	if !gjson.ValidBytes(config) {
		return nil, errors.New("rendering config: config is not valid JSON")
	}
	// Most configs hold few templates; one without any (even escaped as
	// \u007b) is returned as it is.
	if !bytes.Contains(config, []byte("{{")) && !bytes.Contains(config, []byte(`\u007`)) {
		return append(json.RawMessage(nil), config...), nil
	}
	r := renderer{ctx: runContext, out: make([]byte, 0, len(config)+len(config)/2)}
	if err := r.value(gjson.ParseBytes(config)); err != nil {
		return nil, fmt.Errorf("rendering config: %w", err)
	}
	return r.out, nil
}

// RenderString interpolates every template in s as text, for uses where the
// result is a string whatever the values' types (headers, URLs, messages).
func RenderString(s string, runContext []byte) (string, error) {
	if !HasTemplate(s) {
		return s, nil
	}
	t, err := ParseTemplate(s)
	if err != nil {
		return "", fmt.Errorf("rendering string: %w", err)
	}
	return string(t.appendText(nil, runContext)), nil
}

// Execute renders t as text over runContext.
func (t *Template) Execute(runContext []byte) string {
	return string(t.appendText(nil, runContext))
}

// Value renders t as a JSON value over runContext: the typed value for a
// single-expression template, else the interpolated text as a JSON string.
func (t *Template) Value(runContext []byte) json.RawMessage {
	if t.single {
		return appendTyped(nil, gjson.GetBytes(runContext, t.parts[0].path))
	}
	return appendJSONString(nil, t.appendText(nil, runContext))
}

type renderer struct {
	ctx []byte
	out []byte
	// parts and text are scratch space reused for every string.
	parts []part
	text  []byte
}

func (r *renderer) value(v gjson.Result) error {
	switch {
	case v.IsObject():
		return r.container(v, '{', '}', true)
	case v.IsArray():
		return r.container(v, '[', ']', false)
	case v.Type == gjson.String && strings.Contains(v.Str, "{{"):
		parts, err := parseParts(r.parts[:0], v.Str)
		if err != nil {
			return err
		}
		r.parts = parts
		if isSingle(parts) {
			r.out = appendTyped(r.out, gjson.GetBytes(r.ctx, parts[0].path))
			return nil
		}
		r.text = appendParts(r.text[:0], parts, r.ctx)
		r.out = appendJSONString(r.out, r.text)
		return nil
	default:
		r.out = append(r.out, v.Raw...)
		return nil
	}
}

func (r *renderer) container(v gjson.Result, open, close byte, object bool) error {
	r.out = append(r.out, open)
	first := true
	var err error
	v.ForEach(func(key, val gjson.Result) bool {
		if !first {
			r.out = append(r.out, ',')
		}
		first = false
		if object {
			r.out = append(r.out, key.Raw...)
			r.out = append(r.out, ':')
		}
		err = r.value(val)
		return err == nil
	})
	r.out = append(r.out, close)
	return err
}

// appendText appends the template interpolated as text.
func (t *Template) appendText(dst []byte, ctx []byte) []byte {
	return appendParts(dst, t.parts, ctx)
}

func appendParts(dst []byte, parts []part, ctx []byte) []byte {
	for _, p := range parts {
		if p.path == "" {
			dst = append(dst, p.text...)
			continue
		}
		res := gjson.GetBytes(ctx, p.path)
		if len(p.mods) > 0 {
			dst = append(dst, applyModifiers(res, p.mods)...)
			continue
		}
		switch {
		case !res.Exists():
		case res.Type == gjson.String:
			dst = append(dst, res.Str...)
		default:
			dst = appendCompact(dst, res)
		}
	}
	return dst
}

// appendTyped appends res as a JSON value; missing values are null.
func appendTyped(dst []byte, res gjson.Result) []byte {
	if !res.Exists() {
		return append(dst, "null"...)
	}
	return appendCompact(dst, res)
}

func appendCompact(dst []byte, res gjson.Result) []byte {
	raw := res.Raw
	if raw == "" {
		// Some modifiers produce values without raw text.
		b, err := json.Marshal(res.Value())
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
	if !strings.ContainsAny(raw, " \t\r\n") {
		return append(dst, raw...)
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, []byte(raw)); err != nil {
		return append(dst[:len(dst):len(dst)], raw...)
	}
	return buf.Bytes()
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Unlike encoding/json it
// leaves <, > and & alone: the output is sent to APIs, not embedded in HTML.
func appendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
