package flows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrMalformed is returned (wrapped) when a flow document is not JSON at
// all, as opposed to JSON that breaks the rules (problems). The API answers
// the first with 400 and the second with 422.
var ErrMalformed = errors.New("malformed JSON")

// ParseDocument strictly decodes an already validated document: unknown
// fields and trailing data are errors.
func ParseDocument(raw []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parsing flow document: %w: %w", ErrMalformed, err)
		}
		return nil, fmt.Errorf("parsing flow document: %w", err)
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, fmt.Errorf("parsing flow document: %w: data after the document", ErrMalformed)
	}
	return &doc, nil
}
