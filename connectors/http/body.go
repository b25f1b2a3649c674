package httpconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// bodyConfig is the body union, decoded by its type.
type bodyConfig struct {
	Type        string
	JSON        json.RawMessage
	Raw         string
	ContentType string
	Fields      object
	Parts       []partConfig
}

// UnmarshalJSON implements json.Unmarshaler: it reads type, then decodes the
// variant strictly so that fields of other variants are refused.
func (b *bodyConfig) UnmarshalJSON(data []byte) error {
	typ, err := unionType(data, "body")
	if err != nil {
		return err
	}
	b.Type = typ
	switch typ {
	case "none":
		var v struct {
			Type string `json:"type"`
		}
		err = decodeStrict(data, &v)
	case "json":
		var v struct {
			Type string          `json:"type"`
			JSON json.RawMessage `json:"json"`
		}
		if err = decodeStrict(data, &v); err == nil {
			if v.JSON == nil {
				err = errors.New("json is required")
			}
			b.JSON = v.JSON
		}
	case "raw":
		var v struct {
			Type        string  `json:"type"`
			Raw         *string `json:"raw"`
			ContentType string  `json:"content_type"`
		}
		if err = decodeStrict(data, &v); err == nil {
			if v.Raw == nil {
				err = errors.New("raw is required")
			} else {
				b.Raw, b.ContentType = *v.Raw, v.ContentType
			}
		}
	case "form":
		var v struct {
			Type   string `json:"type"`
			Fields object `json:"fields"`
		}
		if err = decodeStrict(data, &v); err == nil {
			b.Fields = v.Fields
		}
	case "multipart":
		var v struct {
			Type  string       `json:"type"`
			Parts []partConfig `json:"parts"`
		}
		if err = decodeStrict(data, &v); err == nil {
			b.Parts = v.Parts
		}
	case "":
		err = errors.New("type is required (none, json, raw, form or multipart)")
	default:
		err = fmt.Errorf("unknown type %q (want none, json, raw, form or multipart)", typ)
	}
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// builtBody is an encoded request body. Bodies are kept in memory so that
// redirects, digest challenges and signatures can replay or hash them.
type builtBody struct {
	data        []byte
	contentType string
}

// buildBody encodes the configured body.
func (c *Connector) buildBody(ctx context.Context, cfg *config) (builtBody, error) {
	b := cfg.Body
	switch b.Type {
	case "json":
		data, err := compactJSON(b.JSON, cfg.SkipNulls)
		if err != nil {
			return builtBody{}, fmt.Errorf("building json body: %w", err)
		}
		if data == nil {
			data = []byte("null")
			if cfg.SkipNulls {
				data = nil
			}
		}
		return builtBody{data: data, contentType: "application/json"}, nil
	case "raw":
		ct := b.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		return builtBody{data: []byte(b.Raw), contentType: ct}, nil
	case "form":
		data, err := encodeForm(b.Fields, cfg.SkipNulls)
		if err != nil {
			return builtBody{}, fmt.Errorf("building form body: %w", err)
		}
		return builtBody{data: data, contentType: "application/x-www-form-urlencoded"}, nil
	case "multipart":
		return c.buildMultipart(ctx, cfg)
	}
	return builtBody{}, nil
}

// encodeForm encodes fields in their document order; list values repeat
// the field.
func encodeForm(fields object, skipNulls bool) ([]byte, error) {
	var sb strings.Builder
	for _, f := range fields {
		vals, err := paramValues(f.Value, skipNulls)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		for _, v := range vals {
			if sb.Len() > 0 {
				sb.WriteByte('&')
			}
			sb.WriteString(url.QueryEscape(f.Name))
			sb.WriteByte('=')
			sb.WriteString(url.QueryEscape(v))
		}
	}
	return []byte(sb.String()), nil
}
