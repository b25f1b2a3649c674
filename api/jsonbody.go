package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// The rules every JSON request body meets, in one place (readJSON for the
// API, parseHookBody for webhooks that send JSON):
//
//   - the body is valid UTF-8 (json.Unmarshal would quietly turn invalid
//     bytes into U+FFFD while the raw bytes were stored and echoed back);
//   - it is one JSON value, with no trailing data;
//   - no object repeats a key (decoders disagree on which one wins);
//   - on /api/v1, a Content-Type, when given, is JSON (application/json or
//     a +json type); anything else is 415.

// jsonBodyError is a body that breaks one of the rules; Problem, when set,
// points at the offending key.
type jsonBodyError struct {
	detail  string
	problem *flows.Problem
}

func (e *jsonBodyError) Error() string { return e.detail }

// readJSON reads a body that must be one JSON value and returns it
// compacted. An empty body is empty when allowEmpty, else 400; a body that
// breaks a rule above is 400 (415 for its Content-Type) and nothing is
// stored.
func (s *server) readJSON(c *gin.Context, allowEmpty bool) ([]byte, error) {
	body, err := s.readBody(c)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil, nil
		}
		problem(c, http.StatusBadRequest, "the request body is empty; a JSON document is expected")
		return nil, errBodyAnswered
	}
	if ct := c.GetHeader("Content-Type"); ct != "" && !isJSONMediaType(ct) {
		problemf(c, http.StatusUnsupportedMediaType, "the request body is %s; this call accepts application/json", ct)
		return nil, errBodyAnswered
	}
	out, err := strictJSON(body)
	if err != nil {
		var je *jsonBodyError
		if errors.As(err, &je) && je.problem != nil {
			problem(c, http.StatusBadRequest, je.detail, *je.problem)
			return nil, errBodyAnswered
		}
		problem(c, http.StatusBadRequest, err.Error())
		return nil, errBodyAnswered
	}
	return out, nil
}

// isJSONMediaType reports whether a Content-Type names JSON.
func isJSONMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// strictJSON checks body against the rules above and returns it compacted.
// Errors are *jsonBodyError, with the line and column where the body broke.
func strictJSON(body []byte) ([]byte, error) {
	if !utf8.Valid(body) {
		off := invalidUTF8Offset(body)
		line, col := position(body, int64(off))
		return nil, &jsonBodyError{detail: fmt.Sprintf("the body is not valid UTF-8: invalid byte 0x%02x at line %d, column %d", body[off], line, col)}
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &jsonBodyError{detail: jsonErrorDetail(body, err)}
	}
	// Unmarshal has checked the syntax and bounded the nesting depth, so
	// the walk below meets only well-formed tokens.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := noDuplicateKeys(dec, body, ""); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, &jsonBodyError{detail: jsonErrorDetail(body, err)}
	}
	return buf.Bytes(), nil
}

// invalidUTF8Offset returns the offset of the first byte that is not part
// of valid UTF-8.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// noDuplicateKeys reads one value from dec and fails on the first object
// that repeats a key, pointing at it. Keys are compared after unescaping,
// so "a" and "\u0061" are the same key.
func noDuplicateKeys(dec *json.Decoder, body []byte, pointer string) error {
	tok, err := dec.Token()
	if err != nil {
		return &jsonBodyError{detail: jsonErrorDetail(body, err)}
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch delim {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			end := dec.InputOffset()
			kt, err := dec.Token()
			if err != nil {
				return &jsonBodyError{detail: jsonErrorDetail(body, err)}
			}
			key, _ := kt.(string)
			at := pointer + "/" + pointerEscape(key)
			if seen[key] {
				line, col := position(body, end)
				msg := fmt.Sprintf("duplicate key %q", key)
				return &jsonBodyError{
					detail:  fmt.Sprintf("malformed JSON at line %d, column %d: %s; each key may appear once per object", line, col, msg),
					problem: &flows.Problem{Pointer: at, Message: msg + "; each key may appear once per object"},
				}
			}
			seen[key] = true
			if err := noDuplicateKeys(dec, body, at); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := noDuplicateKeys(dec, body, pointer+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return &jsonBodyError{detail: jsonErrorDetail(body, err)}
	}
	return nil
}
