package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/internal/blob"
)

// maxHookParts bounds the parts of a multipart webhook body.
const maxHookParts = 1000

// hookUpload is a file received in a multipart webhook body, not yet
// stored.
type hookUpload struct {
	field       string
	filename    string
	contentType string
	data        []byte
}

// hookFile is a stored upload as templates see it under trigger.files: the
// file reference the HTTP connector's multipart parts accept as "file".
type hookFile = connectors.FileRef

// hookPayload is a parsed webhook body.
type hookPayload struct {
	body    json.RawMessage
	uploads []hookUpload
	// arrays lists upload fields whose name ended in "[]": they are a
	// list of files even when one was sent.
	arrays map[string]bool
}

// parseHookBody reads a webhook body by its content type: JSON as it is,
// x-www-form-urlencoded and multipart/form-data as an object of fields
// (multipart files aside), anything else as one string. A field named
// "x[]" becomes "x" and is always a list; a repeated field becomes a list.
func parseHookBody(contentType string, body []byte) (hookPayload, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return hookPayload{body: json.RawMessage("null")}, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = ""
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json") || (mt == "" && json.Valid(body)):
		out, err := strictJSON(body)
		if err != nil {
			return hookPayload{}, err
		}
		return hookPayload{body: out}, nil
	case mt == "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return hookPayload{}, fmt.Errorf("reading the form body: %w", err)
		}
		raw, err := fieldsJSON(values)
		return hookPayload{body: raw}, err
	case mt == "multipart/form-data":
		return parseMultipart(body, params["boundary"])
	default:
		text := string(body)
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "\uFFFD")
		}
		raw, err := json.Marshal(text)
		return hookPayload{body: raw}, err
	}
}

func parseMultipart(body []byte, boundary string) (hookPayload, error) {
	if boundary == "" {
		return hookPayload{}, errors.New("reading the multipart body: the Content-Type has no boundary")
	}
	p := hookPayload{arrays: map[string]bool{}}
	fields := url.Values{}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return hookPayload{}, fmt.Errorf("reading the multipart body: %w", err)
		}
		if n >= maxHookParts {
			return hookPayload{}, fmt.Errorf("reading the multipart body: more than %d parts", maxHookParts)
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return hookPayload{}, fmt.Errorf("reading the multipart body: %w", err)
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		if part.FileName() == "" {
			fields[name] = append(fields[name], string(data))
			continue
		}
		field, many := strings.CutSuffix(name, "[]")
		if many {
			p.arrays[field] = true
		}
		p.uploads = append(p.uploads, hookUpload{field: field, filename: part.FileName(),
			contentType: part.Header.Get("Content-Type"), data: data})
	}
	raw, err := fieldsJSON(fields)
	p.body = raw
	return p, err
}

// fieldsJSON encodes form fields as an object: one value as a string,
// several (or a name ending in "[]") as a list.
func fieldsJSON(values url.Values) (json.RawMessage, error) {
	out := make(map[string]any, len(values))
	for name, vals := range values {
		field, many := strings.CutSuffix(name, "[]")
		if many || len(vals) > 1 {
			list, _ := out[field].([]string)
			out[field] = append(list, vals...)
			continue
		}
		out[field] = vals[0]
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding form fields: %w", err)
	}
	return raw, nil
}

// storeUploads puts each upload in the blob store and returns trigger.files:
// {field: file} or {field: [file, …]} when the field holds several files or
// its name ended in "[]". On failure, what was stored is deleted again.
func storeUploads(ctx context.Context, store blob.Store, p hookPayload) (files json.RawMessage, keys []string, err error) {
	if len(p.uploads) == 0 {
		return nil, nil, nil
	}
	byField := map[string][]hookFile{}
	for _, u := range p.uploads {
		key, err := store.Put(ctx, bytes.NewReader(u.data), blob.Meta{Filename: u.filename, ContentType: u.contentType})
		if err != nil {
			deleteBlobs(store, keys)
			return nil, nil, fmt.Errorf("storing uploaded file %q: %w", u.filename, err)
		}
		keys = append(keys, key)
		byField[u.field] = append(byField[u.field], hookFile{Ref: key, Filename: u.filename,
			ContentType: u.contentType, Size: int64(len(u.data))})
	}
	out := make(map[string]any, len(byField))
	for field, list := range byField {
		if len(list) == 1 && !p.arrays[field] {
			out[field] = list[0]
			continue
		}
		out[field] = list
	}
	raw, err := json.Marshal(out)
	if err != nil {
		deleteBlobs(store, keys)
		return nil, nil, fmt.Errorf("encoding trigger files: %w", err)
	}
	return raw, keys, nil
}

// deleteBlobs removes uploads of a request that started no run.
func deleteBlobs(store blob.Store, keys []string) {
	for _, k := range keys {
		_ = store.Delete(context.Background(), k)
	}
}

// hookHeaders returns the request headers as trigger.headers: lower-case
// names, repeated values joined with ", ", and without anything that
// carries a secret (Authorization, cookies, the API key header, the
// signature).
func hookHeaders(h http.Header, a hookAuth) (json.RawMessage, error) {
	drop := map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true, headerWebhookSignature: true}
	if a.Type == hookAuthAPIKey && a.In != "query" {
		drop[strings.ToLower(a.Name)] = true
	}
	out := make(map[string]string, len(h))
	for name, vals := range h {
		n := strings.ToLower(name)
		if drop[n] {
			continue
		}
		out[n] = strings.Join(vals, ", ")
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding trigger headers: %w", err)
	}
	return raw, nil
}

// hookQuery returns the query as trigger.query: one value as a string,
// several as a list, without the API key parameter.
func hookQuery(q url.Values, a hookAuth) (json.RawMessage, error) {
	out := make(map[string]any, len(q))
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if a.Type == hookAuthAPIKey && a.In == "query" && name == a.Name {
			continue
		}
		if vals := q[name]; len(vals) == 1 {
			out[name] = vals[0]
		} else {
			out[name] = vals
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding trigger query: %w", err)
	}
	return raw, nil
}
