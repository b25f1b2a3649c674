package httpconn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// paramValues turns a query, form or header value (a scalar or a list of
// scalars) into the strings to send. A null becomes an empty string, or
// nothing when skipNulls is set.
func paramValues(raw json.RawMessage, skipNulls bool) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, isNull, err := scalarString(it)
			if err != nil {
				return nil, err
			}
			if isNull && skipNulls {
				continue
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, isNull, err := scalarString(raw)
	if err != nil {
		return nil, err
	}
	if isNull && skipNulls {
		return nil, nil
	}
	return []string{s}, nil
}

// scalarString formats a JSON string, number, boolean or null as text.
func scalarString(raw json.RawMessage) (s string, isNull bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", true, nil
	}
	switch raw[0] {
	case '"':
		err := json.Unmarshal(raw, &s)
		return s, false, err
	case 'n':
		return "", true, nil
	case 't', 'f':
		b, err := strconv.ParseBool(string(raw))
		return strconv.FormatBool(b), false, err
	case '{', '[':
		return "", false, errors.New("want a string, number, boolean or null, not an object or list")
	default:
		// Numbers keep the text they were written with.
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false, fmt.Errorf("not a JSON scalar: %w", err)
		}
		return n.String(), false, nil
	}
}

// textValue formats any JSON value as text for a multipart value part:
// scalars as in scalarString, objects and lists as compact JSON.
func textValue(raw json.RawMessage, skipNulls bool) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		b, err := compactJSON(raw, skipNulls)
		return string(b), err
	}
	s, _, err := scalarString(raw)
	return s, err
}

// compactJSON returns raw compacted, without null values at any depth when
// skipNulls is set. Object members keep their order. A value that is null
// itself comes back as nil.
func compactJSON(raw json.RawMessage, skipNulls bool) ([]byte, error) {
	if !skipNulls {
		var buf bytes.Buffer
		buf.Grow(len(raw))
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var buf bytes.Buffer
	buf.Grow(len(raw))
	isNull, err := writeWithoutNulls(dec, &buf)
	if err != nil {
		return nil, err
	}
	if isNull {
		return nil, nil
	}
	return buf.Bytes(), nil
}

// writeWithoutNulls copies the next JSON value from dec to buf, leaving out
// null object members and null list items, and reports whether the value
// itself was null (then nothing was written).
func writeWithoutNulls(dec *json.Decoder, buf *bytes.Buffer) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch t := tok.(type) {
	case nil:
		return true, nil
	case json.Delim:
		// An object's members and a list's items are copied alike; members
		// carry their key first. A null member or item is cut back out.
		isObject := t == '{'
		buf.WriteByte(byte(t))
		first := true
		for dec.More() {
			mark := buf.Len()
			if !first {
				buf.WriteByte(',')
			}
			if isObject {
				keyTok, err := dec.Token()
				if err != nil {
					return false, err
				}
				writeJSONString(buf, keyTok.(string))
				buf.WriteByte(':')
			}
			isNull, err := writeWithoutNulls(dec, buf)
			if err != nil {
				return false, err
			}
			if isNull {
				buf.Truncate(mark)
				continue
			}
			first = false
		}
		if isObject {
			buf.WriteByte('}')
		} else {
			buf.WriteByte(']')
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return false, err
		}
	case string:
		writeJSONString(buf, t)
	case json.Number:
		buf.WriteString(t.String())
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	}
	return false, nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	if plainJSONString(s) {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}

// plainJSONString reports whether s needs no escaping inside JSON quotes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}
