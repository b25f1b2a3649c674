package httpconn

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// readCapped reads at most limit bytes of body; truncated reports that the
// body had more. It never reads more than limit+1 bytes.
func readCapped(body io.Reader, limit int64) (data []byte, truncated bool, err error) {
	data, err = io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(data)) > limit {
		return data[:limit], true, err
	}
	return data, false, err
}

// responseRecords builds the response record (body cut for the run history)
// and the step output (body parsed when it is JSON).
func responseRecords(resp *http.Response, data []byte, truncated bool, red *redactor) (record, output json.RawMessage) {
	headers := red.headerMap(resp.Header)
	// size is what was read, or the announced length when the body was cut.
	size := int64(len(data))
	if truncated && resp.ContentLength > size {
		size = resp.ContentLength
	}
	data = red.bytes(data)
	text, recTruncated := cutBody(data, recordBodyLimit)
	rec := struct {
		Status        int               `json:"status"`
		Headers       map[string]string `json:"headers"`
		Body          string            `json:"body"`
		BodyTruncated bool              `json:"body_truncated"`
		Size          int64             `json:"size"`
	}{resp.StatusCode, headers, text, truncated || recTruncated, size}
	record, _ = json.Marshal(rec)

	output, _ = json.Marshal(stepOutput{Status: resp.StatusCode, Headers: headers, Body: outputBody(resp.Header.Get("Content-Type"), data)})
	return record, output
}

// stepOutput is what later steps read of a response as steps.<id>.
type stepOutput struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// DeriveOutput rebuilds a step's output from its response record: the
// same status and headers, and the body parsed as outputBody parses it,
// by the record's content-type header. A record whose body was cut holds
// too little.
func (c *Connector) DeriveOutput(response json.RawMessage) (json.RawMessage, bool) {
	var rec struct {
		Status        int               `json:"status"`
		Headers       map[string]string `json:"headers"`
		Body          string            `json:"body"`
		BodyTruncated bool              `json:"body_truncated"`
	}
	if err := json.Unmarshal(response, &rec); err != nil || rec.BodyTruncated || rec.Headers == nil {
		return nil, false
	}
	out, err := json.Marshal(stepOutput{Status: rec.Status, Headers: rec.Headers,
		Body: outputBody(rec.Headers["content-type"], []byte(rec.Body))})
	if err != nil {
		return nil, false
	}
	return out, true
}

// outputBody is the body as later steps see it: the JSON value when the
// response is JSON, else the text.
func outputBody(contentType string, data []byte) json.RawMessage {
	if isJSONType(contentType) {
		if len(strings.TrimSpace(string(data))) == 0 {
			return json.RawMessage("null")
		}
		if json.Valid(data) {
			return data
		}
	}
	b, _ := json.Marshal(string(data))
	return b
}

func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}
