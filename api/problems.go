package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// ProblemContentType is the media type of every error the API answers
// (RFC 9457).
const ProblemContentType = "application/problem+json"

// ProblemDetails is an RFC 9457 problem document. Errors is set for
// validation failures and lists every problem with the document, each at a
// JSON Pointer into it.
type ProblemDetails struct {
	Type   string          `json:"type"`
	Title  string          `json:"title"`
	Status int             `json:"status"`
	Detail string          `json:"detail"`
	Errors []flows.Problem `json:"errors,omitempty"`
}

// problem answers status with a problem document and stops the handler chain.
func problem(c *gin.Context, status int, detail string, errs ...flows.Problem) {
	p := ProblemDetails{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: errs,
	}
	writeJSON(c, status, ProblemContentType, p)
	c.Abort()
}

// problemf is problem with a formatted detail.
func problemf(c *gin.Context, status int, format string, args ...any) {
	problem(c, status, fmt.Sprintf(format, args...))
}

// invalidDocument answers 422 with every problem found in a flow document.
func invalidDocument(c *gin.Context, problems []flows.Problem) {
	unprocessable(c, "the flow document", problems)
}

// unprocessable answers 422 with every problem of what ("the credential"),
// counted in the detail.
func unprocessable(c *gin.Context, what string, problems []flows.Problem) {
	detail := what + " has 1 problem"
	if len(problems) != 1 {
		detail = fmt.Sprintf("%s has %d problems", what, len(problems))
	}
	problem(c, http.StatusUnprocessableEntity, detail, problems...)
}

// internalError logs err and answers 500. The detail names the action that
// failed and the error, which carries no secrets: credentials are sealed
// before they reach the store, and run inputs hold none.
func internalError(c *gin.Context, action string, err error) {
	if errors.Is(c.Request.Context().Err(), context.Canceled) {
		// The client hung up, which is usually why this failed: a warning,
		// with the error in case it is not.
		logger(c).Warn("request ended after the client hung up", "action", action, "route", c.FullPath(), "error", err)
		problemf(c, http.StatusServiceUnavailable, "%s: the request was canceled", action)
		return
	}
	if store.IsFull(err) {
		storageFull(c, action, err)
		return
	}
	logger(c).Error("request failed", "action", action, "route", c.FullPath(), "error", err)
	problemf(c, http.StatusInternalServerError, "%s: %v", action, err)
}

// FullRetryAfter is the Retry-After, in seconds, of the 503 answered while
// storage is full, and of /readyz then.
const FullRetryAfter = 30

// storageFull answers 503 with Retry-After when a write failed for lack
// of space (the flow store's, or Temporal's): the request may succeed once
// an operator frees space, and a client that retries with the same
// Idempotency-Key (or event_id, or webhook-id) starts nothing twice.
func storageFull(c *gin.Context, action string, err error) {
	logger(c).Error("storage is full", "action", action, "route", c.FullPath(), "error", err)
	c.Header("Retry-After", strconv.Itoa(FullRetryAfter))
	problemf(c, http.StatusServiceUnavailable,
		"%s: the server's storage is full, so the request was not completed; retry later with the same Idempotency-Key", action)
}

// writeJSON encodes v as the response body with the given content type.
func writeJSON(c *gin.Context, status int, contentType string, v any) {
	// Not HTML-escaped: answers are JSON, never HTML, and a URL's "&"
	// should read as "&", not "\u0026".
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		// Every value the API answers is plain data; failing to encode one
		// is a programmer error, reported without recursing into writeJSON.
		logger(c).Error("encoding response", "error", err)
		c.Data(http.StatusInternalServerError, ProblemContentType,
			[]byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"encoding the response failed"}`))
		return
	}
	c.Data(status, contentType, body)
}

// respond answers status with v as application/json.
func respond(c *gin.Context, status int, v any) {
	writeJSON(c, status, "application/json; charset=utf-8", v)
}

// jsonErrorDetail says where JSON broke, with line and column when the
// decoder reports an offset.
func jsonErrorDetail(body []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := position(body, syn.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syn.Error())
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := position(body, typ.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, typ.Error())
	}
	return "malformed JSON: " + err.Error()
}

// position turns a byte offset into a 1-based line and column.
func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	line, col = 1, 1
	for _, b := range body[:offset] {
		if b == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
